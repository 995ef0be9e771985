import Foundation
import XCTest

/// Stored text through the CLI: preset dictionaries (`StoredTextDictionary`) trained per
/// run, kept once through incremental runs and merges; and an index of the previous
/// format version (no dictionaries) still read, and rewritten by `merge`.
final class StoredTextTests: CLITestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Search hits with their snippets and highlighted words, in rank order.
    func snippets(_ query: String, index: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let r = run(["search", query, "--json", "--index", index.path], file: file, line: line)
        XCTAssertEqual(r.exitCode, 0, "search \(query): \(r.stderr)", file: file, line: line)
        let hits = try jsonObject(r.stdout, file: file, line: line)["hits"] as? [[String: Any]] ?? []
        return hits.map { h in
            let snippet = h["snippet"] as? String ?? ""
            let scalars = Array(snippet.unicodeScalars)
            let marked = (h["highlights"] as? [[Int]] ?? []).map { span in
                String(String.UnicodeScalarView(scalars[span[0]..<span[1]]))
            }
            return "\(h["path"] ?? "")|\(h["title"] ?? "")|\(snippet)|\(marked)"
        }
    }

    /// The format version in a segment file's header (u32 little-endian at offset 8).
    func segmentVersions(_ index: URL) throws -> [UInt32] {
        try indexFiles(index, prefix: "seg-", suffix: ".seg").map { url in
            let bytes = [UInt8](try Data(contentsOf: url).prefix(12))
            return UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24
        }
    }

    func storedDictionaryBytes(_ index: URL) throws -> Int {
        let kinds = try stats(index)["bytes_by_kind"] as? [String: Any] ?? [:]
        return int(kinds["stored dictionaries"]) ?? -1
    }

    /// The segment format version `searchctl index` writes.
    static let currentVersion: UInt32 = 10

    func testVersion2IndexIsReadAndMergeRewritesItAsCurrent() throws {
        try checkOlderIndex("index-v2", version: 2)
    }

    func testVersion3IndexIsReadAndMergeRewritesItAsCurrent() throws {
        try checkOlderIndex("index-v3", version: 3)
    }

    func testVersion4IndexIsReadAndMergeRewritesItAsCurrent() throws {
        try checkOlderIndex("index-v4", version: 4)
    }

    func testVersion5IndexIsReadAndMergeRewritesItAsCurrent() throws {
        try checkOlderIndex("index-v5", version: 5)
    }

    func testVersion6IndexIsReadAndMergeRewritesItAsCurrent() throws {
        try checkOlderIndex("index-v6", version: 6)
    }

    func testVersion7IndexIsReadAndMergeRewritesItAsCurrent() throws {
        try checkOlderIndex("index-v7", version: 7)
    }

    func testVersion8IndexIsReadAndMergeRewritesItAsCurrent() throws {
        try checkOlderIndex("index-v8", version: 8)
    }

    /// Version 9 has no pairs of common words: a phrase of them ("van de") is matched
    /// through the words' codes there, and answers as from the pairs' lists.
    func testVersion9IndexIsReadAndMergeRewritesItAsCurrent() throws {
        try checkOlderIndex("index-v9", version: 9)
    }

    /// A version 7 index with a dictionary (and so no code): read as it is; an incremental
    /// run adds a segment with that dictionary and a code trained for it; merging both
    /// keeps the old documents as they were and answers as a fresh index does.
    func testVersion7DictionaryWithoutCodeIsReadAndMergedWithCodedSegments() throws {
        let files = Self.dictionaryCorpus()
        let corpus = try makeCorpus(files)
        let fresh = scratch.appendingPathComponent("fresh")
        XCTAssertEqual(run(["index", corpus.path, "--index", fresh.path, "--quiet"]).exitCode, 0)
        let old = scratch.appendingPathComponent("old")
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("index-v7-dictionary"), to: old)
        XCTAssertEqual(try segmentVersions(old), [7])
        let oldDictionary = try storedDictionaryBytes(old)
        // The fresh index's section holds the same kind of dictionary and a code (158 bytes).
        XCTAssertGreaterThan(oldDictionary, 1024)
        XCTAssertGreaterThan(try storedDictionaryBytes(fresh), 158)
        let queries = ["uniekwoord0x3", "uniekwoord17x24", "uniekwoord59x0", "\"de regering\"", "sancties rusland", "coördinatie"]
        for q in queries {
            XCTAssertEqual(try snippets(q, index: old), try snippets(q, index: fresh), q)
        }
        for d in [3, 40] {
            let path = "doc\(String(format: "%02d", d)).txt"
            try write("Bericht \(d)\nGewijzigd. " + files[path]!, to: corpus.appendingPathComponent(path))
        }
        for index in [old, fresh] {
            let r = run(["index", corpus.path, "--index", index.path, "--quiet"])
            XCTAssertEqual(r.exitCode, 0, r.stderr)
        }
        XCTAssertEqual(try segmentVersions(old).sorted(), [7, Self.currentVersion])
        // The new segment: the old dictionary again, with a code (its length, 158, a
        // two-byte varint).
        XCTAssertEqual(try storedDictionaryBytes(old), 2 * oldDictionary + 2 + StoredTextCodeSize.bytes)
        XCTAssertEqual(run(["merge", "--index", old.path]).exitCode, 0)
        XCTAssertEqual(try segmentVersions(old), [Self.currentVersion])
        XCTAssertEqual(run(["check", "--index", old.path]).exitCode, 0)
        for q in queries + ["gewijzigd"] {
            let expected = try snippets(q, index: fresh)
            XCTAssertFalse(expected.isEmpty, q)
            XCTAssertEqual(try snippets(q, index: old), expected, "after merge: \(q)")
        }
        // Both dictionaries stay, in one section: the old one without a code (one byte
        // more: its code's length, 0; one less: the section's count), the new one with one.
        XCTAssertEqual(try storedDictionaryBytes(old), 2 * oldDictionary + 2 + StoredTextCodeSize.bytes)
    }

    /// Version 6 positions of 128 values and more (full chunks, varint rests; the demo
    /// corpus has none) answer as the current format's do. The fixture `index-v6-chunks`
    /// is version 6's index of this generated corpus: 150 documents over 13 words.
    func testVersion6PositionChunksAnswerAsCurrentOnes() throws {
        let vocabulary = ["water", "fiets", "boom", "huis", "kat", "hond", "de", "het", "een", "van", "in", "op", "molen"]
        var files: [String: String] = [:]
        for i in 0..<150 {
            var state = UInt64(i + 1)
            let words = (0..<(i % 10 == 0 ? 400 : 80)).map { _ in
                state = (state &* 1_103_515_245 &+ 12345) % (1 << 31)
                return vocabulary[Int((state >> 16) % UInt64(vocabulary.count))]
            }
            files["doc" + String(format: "%03d", i) + ".txt"] = "Document \(i)\n" + words.joined(separator: " ") + "\n"
        }
        let corpus = try makeCorpus(files)
        let fresh = scratch.appendingPathComponent("fresh")
        XCTAssertEqual(run(["index", corpus.path, "--index", fresh.path, "--quiet"]).exitCode, 0)
        XCTAssertEqual(try segmentVersions(fresh), [Self.currentVersion])
        let old = scratch.appendingPathComponent("old")
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("index-v6-chunks"), to: old)
        XCTAssertEqual(try segmentVersions(old), [6])
        XCTAssertEqual(run(["check", "--index", old.path]).exitCode, 0)
        XCTAssertEqual(run(["check", "--index", fresh.path]).exitCode, 0)
        var compared = 0
        for q in ["\"de water\"", "\"kat hond de\"", "\"molen molen\"", "\"het een van\"~2", "+de +molen", "\"op in\" boom"] {
            let expected = try scoredHits(q, index: fresh)
            XCTAssertEqual(try scoredHits(q, index: old), expected, q)
            compared += expected.count
        }
        XCTAssertGreaterThan(compared, 100, "the queries must match many documents")
    }

    /// Every hit of `--all` as path and score.
    func scoredHits(_ query: String, index: URL) throws -> [String] {
        let r = run(["search", query, "--json", "--all", "--no-snippet", "--limit", "1000", "--index", index.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let hits = try jsonObject(r.stdout)["hits"] as? [[String: Any]] ?? []
        return hits.map { "\($0["path"] ?? "")|\($0["score"] ?? "")" }
    }

    /// The fixture index of an older format version answers as a fresh index of the demo
    /// corpus does (paths, titles, snippets, highlights); an incremental run adds a
    /// current segment beside the old one, and merging both rewrites everything in the
    /// current version with the same answers.
    func checkOlderIndex(_ fixture: String, version: UInt32, file: StaticString = #filePath, line: UInt = #line) throws {
        let old = scratch.appendingPathComponent("old")
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(fixture), to: old)
        XCTAssertEqual(try segmentVersions(old), [version], file: file, line: line)
        let fresh = scratch.appendingPathComponent("fresh")
        let seeds = Self.repoRoot.appendingPathComponent("seeds")
        XCTAssertEqual(run(["index", seeds.path, "--index", fresh.path, "--quiet"]).exitCode, 0, file: file, line: line)
        XCTAssertEqual(try segmentVersions(fresh), [Self.currentVersion], file: file, line: line)

        let queries = ["aanval syrië", "\"zenuwgas sarin\"", "\"in de veiligheidsraad\"", "g7 top", "ministers", "\"van de\""]
        for q in queries {
            let expected = try snippets(q, index: fresh)
            XCTAssertFalse(expected.isEmpty, q, file: file, line: line)
            XCTAssertEqual(try snippets(q, index: old), expected, "version \(version) index: \(q)", file: file, line: line)
            XCTAssertEqual(try titles(q, index: old), try titles(q, index: fresh), "without snippets: \(q)", file: file, line: line)
        }
        XCTAssertEqual(run(["check", "--index", old.path]).exitCode, 0, file: file, line: line)

        let corpus = scratch.appendingPathComponent("corpus")
        try FileManager.default.copyItem(at: seeds, to: corpus)
        try write("Extra\nEen derde bericht over de aanval.\n", to: corpus.appendingPathComponent("extra.txt"))
        var r = run(["index", corpus.path, "--index", old.path, "--quiet"])
        XCTAssertEqual(r.exitCode, 0, r.stderr, file: file, line: line)
        XCTAssertEqual(try segmentVersions(old).sorted(), [version, Self.currentVersion], file: file, line: line)
        r = run(["index", corpus.path, "--index", fresh.path, "--quiet"])
        XCTAssertEqual(r.exitCode, 0, r.stderr, file: file, line: line)
        r = run(["merge", "--index", old.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr, file: file, line: line)
        XCTAssertEqual(try segmentVersions(old), [Self.currentVersion], file: file, line: line)
        XCTAssertEqual(run(["check", "--index", old.path]).exitCode, 0, file: file, line: line)
        for q in queries + ["extra"] {
            XCTAssertEqual(try snippets(q, index: old), try snippets(q, index: fresh), "after merge: \(q)", file: file, line: line)
            XCTAssertEqual(try titles(q, index: old), try titles(q, index: fresh), "after merge, without snippets: \(q)", file: file, line: line)
        }
    }

    /// Paths and titles of the hits of `--no-snippet` (titles then come from a prefix of
    /// the stored text alone).
    func titles(_ query: String, index: URL) throws -> [String] {
        let r = run(["search", query, "--json", "--no-snippet", "--index", index.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let hits = try jsonObject(r.stdout)["hits"] as? [[String: Any]] ?? []
        return hits.map { "\($0["path"] ?? "")|\($0["title"] ?? "")" }
    }

    /// A corpus large enough for a dictionary: every document's text comes back whole
    /// (snippets of a query for each document's rarest word), the dictionary is stored,
    /// an incremental run reuses it and `merge` keeps one copy.
    /// 60 generated documents, 185 KB: enough for a dictionary. The fixture
    /// `index-v7-dictionary` is version 7's index of them.
    static func dictionaryCorpus() -> [String: String] {
        var files: [String: String] = [:]
        let words = ["de", "het", "een", "regering", "minister", "aanval", "veiligheidsraad", "sancties",
                     "rusland", "verklaring", "overleg", "bondgenoten", "financiële", "coördinatie"]
        var seed: UInt64 = 7
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        for d in 0..<60 {
            var text = "Bericht \(d)\n"
            for s in 0..<25 {
                var sentence = (0..<12).map { _ in words[next(words.count)] }
                sentence.append("uniekwoord\(d)x\(s)")
                text += sentence.joined(separator: " ") + ". "
            }
            files["doc\(String(format: "%02d", d)).txt"] = text + "\n"
        }
        return files
    }

    func testStoredTextWithDictionaryRoundTripsThroughIncrementalRunsAndMerge() throws {
        let files = Self.dictionaryCorpus()
        XCTAssertGreaterThan(files.values.reduce(0) { $0 + $1.utf8.count }, 64 << 10, "the corpus must be large enough for a dictionary")
        let corpus = try makeCorpus(files)
        let index = scratch.appendingPathComponent("idx")
        var r = run(["index", corpus.path, "--index", index.path, "--quiet"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let dictionary = try storedDictionaryBytes(index)
        XCTAssertGreaterThan(dictionary, 1024, "a run over 64 KiB of text stores a dictionary")
        XCTAssertLessThanOrEqual(dictionary, 8 << 10 + 16 + StoredTextCodeSize.bytes)

        func checkEveryDocument() throws {
            for d in [0, 17, 59] {
                let path = "doc\(String(format: "%02d", d)).txt"
                let hits = try snippets("uniekwoord\(d)x3", index: index)
                XCTAssertEqual(hits.count, 1)
                let parts = hits.first?.split(separator: "|", omittingEmptySubsequences: false) ?? []
                XCTAssertEqual(parts.first.map(String.init), path)
                // The snippet is a passage of the document's own text (white space collapsed).
                let snippet = parts.count > 2 ? String(parts[2]).trimmingCharacters(in: CharacterSet(charactersIn: "… ")) : "<none>"
                let text = files[path]!.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
                XCTAssertGreaterThan(snippet.count, 40)
                XCTAssertTrue(text.contains(snippet), "\(path): \(snippet)")
                XCTAssertTrue(hits.first?.hasSuffix("[\"uniekwoord\(d)x3\"]") ?? false, hits.first ?? "")
            }
        }
        try checkEveryDocument()

        // Change two documents and add one: the new segment uses the index's dictionary.
        for d in [3, 40] { try write("Bericht \(d)\nGewijzigd. " + files["doc\(String(format: "%02d", d)).txt"]!, to: corpus.appendingPathComponent("doc\(String(format: "%02d", d)).txt")) }
        try write("Nieuw\nDe regering en de minister over de aanval.\n", to: corpus.appendingPathComponent("new.txt"))
        r = run(["index", corpus.path, "--index", index.path, "--quiet"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(int(try stats(index)["segments"]), 2)
        XCTAssertEqual(try storedDictionaryBytes(index), 2 * dictionary, "each segment holds the run's dictionary")
        try checkEveryDocument()
        r = run(["merge", "--index", index.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(int(try stats(index)["segments"]), 1)
        XCTAssertEqual(try storedDictionaryBytes(index), dictionary, "merging keeps one copy of a shared dictionary")
        try checkEveryDocument()
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 0)
    }
}

/// A stored dictionary's code as the section holds it (`StoredTextCode.serializedSize`).
enum StoredTextCodeSize {
    static let bytes = 158
}
