import Foundation
import XCTest

/// Incremental `index` through the CLI: each added, changed and deleted file shows in
/// `stats --json` and in search results; a no-op run commits nothing; `--rebuild` and
/// `merge` keep the results.
final class IncrementalIndexTests: CLITestCase {
    var corpus: URL!
    var index: URL!
    /// What the corpus holds now (relative path → text), the model the index must match.
    var model: [String: String] = [:]

    override func setUpWithError() throws {
        try super.setUpWithError()
        model = [
            "a.txt": "Appels\nDe appel valt niet ver van de boom, zegt men in het dorp.\n",
            "b.txt": "Peren\nEen peer is geen appel en een stoofpeer is geen handpeer.\n",
            "sub/c.md": "Kersen\nRode kersen in de zomer; de kersenboom staat vol.\n",
        ]
        corpus = try makeCorpus(model)
        index = scratch.appendingPathComponent("idx")
    }

    @discardableResult
    func indexCorpus(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> CLIResult {
        let r = run(["index", corpus.path, "--index", index.path] + extra, file: file, line: line)
        XCTAssertEqual(r.exitCode, 0, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        return r
    }

    /// dl and terms of a text, from `analyze --json` (dl: positions, which here are all kept).
    func analysis(of text: String) throws -> (dl: Int, terms: Set<String>) {
        let r = run(["analyze", "--json"], stdin: Data(text.utf8))
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let tokens = try tokens(r.stdout)
        return ((tokens.last?.position ?? -1) + 1, Set(tokens.map(\.term)))
    }

    /// Checks `stats --json` against the model; returns the stats.
    @discardableResult
    func checkStats(deleted expectedDeleted: ClosedRange<Int>, termsExact: Bool,
                    file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let s = try stats(index, file: file, line: line)
        for key in ["documents", "deleted", "terms", "tokens", "avgdl", "segments", "bytes"] {
            XCTAssertNotNil(s[key] as? NSNumber, "stats --json has '\(key)': \(s)", file: file, line: line)
        }
        var tokens = 0
        var terms = Set<String>()
        for text in model.values {
            let a = try analysis(of: text)
            tokens += a.dl
            terms.formUnion(a.terms)
        }
        XCTAssertEqual(int(s["documents"]), model.count, "documents: \(s)", file: file, line: line)
        XCTAssertEqual(int(s["tokens"]), tokens, "tokens (sum of dl over live documents): \(s)", file: file, line: line)
        XCTAssertEqual(double(s["avgdl"]) ?? .nan, Double(tokens) / Double(model.count), accuracy: 1e-9, "avgdl: \(s)", file: file, line: line)
        let deleted = int(s["deleted"]) ?? -1
        XCTAssertTrue(expectedDeleted.contains(deleted), "deleted \(deleted), expected \(expectedDeleted)", file: file, line: line)
        if termsExact {
            XCTAssertEqual(int(s["terms"]), terms.count, "distinct terms: \(s)", file: file, line: line)
        } else {
            // Terms of deleted documents may stay in the dictionary until a merge.
            XCTAssertGreaterThanOrEqual(int(s["terms"]) ?? -1, terms.count, "distinct terms: \(s)", file: file, line: line)
        }
        XCTAssertGreaterThanOrEqual(int(s["segments"]) ?? 0, 1, file: file, line: line)
        // `bytes` is the size on disk of what the last commit names.
        var named = 0
        let manifest = try latestManifest(index)
        named += try Data(contentsOf: manifest).count
        for entry in try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n") where entry.hasPrefix("segment ") {
            let f = entry.split(separator: " ")
            named += try Data(contentsOf: index.appendingPathComponent(f[1] + ".seg")).count
            if let last = f.last, last != "0" {
                named += try Data(contentsOf: index.appendingPathComponent(f[1] + ".del-" + last)).count
            }
        }
        XCTAssertEqual(int(s["bytes"]), named, "bytes: size of the committed files", file: file, line: line)
        return s
    }

    func paths(_ query: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        try searchHits(query, index: index, file: file, line: line).hits.map(\.path)
    }

    func change(_ path: String, to text: String?) throws {
        let url = corpus.appendingPathComponent(path)
        if let text {
            try write(text, to: url)
            model[path] = text
        } else {
            try FileManager.default.removeItem(at: url)
            model[path] = nil
        }
    }

    func testAddChangeDeleteNoOpMergeRebuild() throws {
        indexCorpus()
        var s = try checkStats(deleted: 0...0, termsExact: true)
        XCTAssertEqual(int(s["segments"]), 1)
        XCTAssertEqual(try paths("appel").sorted(), ["a.txt", "b.txt"])

        // Add a file.
        try change("d.txt", to: "Zwaluwen\nEen zwaluw maakt nog geen zomer.\n")
        indexCorpus()
        s = try checkStats(deleted: 0...0, termsExact: true)
        XCTAssertEqual(try paths("zwaluw"), ["d.txt"])
        XCTAssertEqual(try paths("zomer").sorted(), ["d.txt", "sub/c.md"])

        // Change a file: its old words go, its new words come, its title changes.
        var segmentsBefore = int(s["segments"]) ?? 0
        try change("b.txt", to: "Merels\nDe merel zingt in de appelboom, ver van de stad en de drukte.\n")
        indexCorpus()
        s = try checkStats(deleted: 0...1, termsExact: false)
        if int(s["deleted"]) == 0 {
            XCTAssertLessThanOrEqual(int(s["segments"]) ?? 99, segmentsBefore, "no deletion counted, so a merge must have reclaimed it")
        }
        XCTAssertEqual(try paths("merel"), ["b.txt"])
        XCTAssertEqual(try searchHits("stoofpeer", index: index).code, 1)
        XCTAssertEqual(try paths("appel"), ["a.txt"])
        let titled = try jsonObject(run(["search", "merel", "--json", "--index", index.path]).stdout)
        XCTAssertEqual((titled["hits"] as? [[String: Any]])?.first?["title"] as? String, "Merels")

        // Delete a file.
        let deletedBefore = int(s["deleted"]) ?? 0
        segmentsBefore = int(s["segments"]) ?? 0
        try change("sub/c.md", to: nil)
        indexCorpus()
        s = try checkStats(deleted: 0...(deletedBefore + 1), termsExact: false)
        if int(s["deleted"]) != deletedBefore + 1 {
            XCTAssertLessThanOrEqual(int(s["segments"]) ?? 99, segmentsBefore, "a deletion went uncounted without a merge")
        }
        XCTAssertEqual(try searchHits("kersen", index: index).code, 1)
        XCTAssertEqual(try paths("zomer"), ["d.txt"])

        // A run with nothing to do commits nothing and leaves every file alone.
        let filesBefore = try indexFiles(index)
        let generationBefore = int(s["generation"])
        let noop = indexCorpus()
        XCTAssertTrue(noop.stderr.contains("nothing to commit"), noop.stderr)
        XCTAssertEqual(try indexFiles(index), filesBefore)
        let afterNoop = try checkStats(deleted: (int(s["deleted"]) ?? 0)...(int(s["deleted"]) ?? 0), termsExact: false)
        XCTAssertEqual(int(afterNoop["generation"]), generationBefore)
        // Touching a file without changing it changes nothing either (same content hash).
        let a = corpus.appendingPathComponent("a.txt")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(3600)], ofItemAtPath: a.path)
        indexCorpus()
        let afterTouch = try checkStats(deleted: (int(s["deleted"]) ?? 0)...(int(s["deleted"]) ?? 0), termsExact: false)
        XCTAssertEqual(int(afterTouch["documents"]), int(s["documents"]))

        // Merge: one segment, no deletions, the same results and scores.
        let queries = ["appel", "de", "zomer zwaluw", "\"van de\"", "merel*", "+de -appel", "van de stad"]
        let before = try queries.map { try searchHits($0, index: index).hits }
        let merge = run(["merge", "--index", index.path])
        XCTAssertEqual(merge.exitCode, 0, merge.stderr)
        s = try checkStats(deleted: 0...0, termsExact: true)
        XCTAssertEqual(int(s["segments"]), 1)
        let afterMerge = try queries.map { try searchHits($0, index: index).hits }
        assertSameHits(before, afterMerge, queries, "after merge")
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 0)

        // --rebuild: from scratch, the same results again.
        let rebuild = indexCorpus(["--rebuild"])
        XCTAssertFalse(rebuild.stderr.contains("nothing to commit"), rebuild.stderr)
        s = try checkStats(deleted: 0...0, termsExact: true)
        XCTAssertEqual(int(s["segments"]), 1)
        let afterRebuild = try queries.map { try searchHits($0, index: index).hits }
        assertSameHits(before, afterRebuild, queries, "after --rebuild")
    }

    func assertSameHits(_ a: [[(path: String, score: Double)]], _ b: [[(path: String, score: Double)]], _ queries: [String],
                        _ when: String, file: StaticString = #filePath, line: UInt = #line) {
        for (q, (x, y)) in zip(queries, zip(a, b)) {
            XCTAssertFalse(x.isEmpty, "'\(q)' should match something", file: file, line: line)
            XCTAssertEqual(x.map(\.path), y.map(\.path), "'\(q)' \(when)", file: file, line: line)
            for (h1, h2) in zip(x, y) {
                XCTAssertEqual(h1.score, h2.score, accuracy: 1e-9 * max(1, abs(h1.score)), "'\(q)' \(h1.path) \(when)", file: file, line: line)
            }
        }
    }

    /// Many small runs add segments; `merge` brings them back to one without losing anything.
    func testMergeAfterManyRuns() throws {
        indexCorpus()
        for i in 0..<4 {
            try change("extra/\(i).txt", to: "Extra \(i)\nAanvulling nummer \(i) over appels en vogels.\n")
            indexCorpus()
        }
        try change("extra/0.txt", to: nil)
        try change("a.txt", to: "Appels\nGeen appels meer, alleen vogels.\n")
        indexCorpus()
        try checkStats(deleted: 0...2, termsExact: false)
        let before = try ["vogels", "appel", "aanvulling"].map { try searchHits($0, index: index).hits }
        XCTAssertEqual(before[2].count, 3)
        XCTAssertEqual(run(["merge", "--index", index.path]).exitCode, 0)
        let s = try checkStats(deleted: 0...0, termsExact: true)
        XCTAssertEqual(int(s["segments"]), 1)
        assertSameHits(before, try ["vogels", "appel", "aanvulling"].map { try searchHits($0, index: index).hits },
                       ["vogels", "appel", "aanvulling"], "after merge")
        // Merging a merged index is harmless.
        XCTAssertEqual(run(["merge", "--index", index.path]).exitCode, 0)
        try checkStats(deleted: 0...0, termsExact: true)
    }
}
