import Foundation
import XCTest

/// `searchctl index` + `search` on a small corpus: human output, the JSON contract of
/// SPEC section 4, `--explain` against BM25 of SPEC section 2, paging, `--all`, `--batch`.
final class SearchCommandTests: CLITestCase {
    static let corpus: [String: String] = [
        "appels.txt": "\nAppels en peren\nDe appel valt niet ver van de boom. Appels zijn gezond.\n",
        "peren.txt": "Peren\nEen peer is geen appel, zei de boer.\n",
        "sub/kersen.md": "Kersen\nRode kersen in de zomer; de boom staat vol.\n",
        "notes.text": "Notities\nGifgasaanval in Syrië: de Veiligheidsraad vergadert.\n",
        "ignored.csv": "appel;boom;de\n",
        // Astral scalars before the match: highlights count Unicode scalars, not UTF-16 or bytes.
        "taart.txt": "Taart 🍎🍐\nEen 🍎 appeltaart uit oma’s keuken: appeltaart!\n",
    ]

    var index: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        let folder = try makeCorpus(Self.corpus)
        index = scratch.appendingPathComponent("idx")
        let r = run(["index", folder.path, "--index", index.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stdout, "", "index writes nothing to stdout")
    }

    func search(_ args: [String], stdin: Data? = nil) -> CLIResult {
        run(["search"] + args + ["--index", index.path], stdin: stdin)
    }

    /// SPEC section 3: a bare word of several terms is those terms typed apart, also next
    /// to AND and OR: the operator before it acts on its first term, the one after on its
    /// last (`boer AND appel-boom` is `+boer +appel boom`, not `+boer +appel +boom`).
    func testSplitWordNextToAnOperatorIsItsTermsTypedApart() throws {
        func hits(_ args: [String]) throws -> [String] {
            let r = search(args + ["--json", "--no-snippet"])
            XCTAssertLessThan(r.exitCode, 2, r.stderr)
            return try (jsonObject(r.stdout)["hits"] as? [[String: Any]] ?? []).map { "\($0["path"]!) \($0["score"]!)" }
        }
        let expected = try hits(["boer AND appel boom"])
        XCTAssertEqual(expected.map { $0.split(separator: " ")[0] }, ["peren.txt"])
        XCTAssertEqual(try hits(["boer AND appel-boom"]), expected)
        XCTAssertEqual(try hits(["appel-boer AND peer"]), try hits(["appel boer AND peer"]))
        XCTAssertEqual(try hits(["appel-boer AND peer"]).map { $0.split(separator: " ")[0] }, ["peren.txt"])
        // --all: kersen OR appel-boer = kersen OR appel boer = kersen appel +boer
        let all = try hits(["kersen OR appel boer", "--all"])
        XCTAssertEqual(all.map { $0.split(separator: " ")[0] }, ["peren.txt"])
        XCTAssertEqual(try hits(["kersen OR appel-boer", "--all"]), all)
        // NOT is an operator, not a sign: boom NOT appel-boer = boom -appel boer
        let not = try hits(["boom NOT appel boer"])
        XCTAssertEqual(not.map { $0.split(separator: " ")[0] }, ["sub/kersen.md"])
        XCTAssertEqual(try hits(["boom NOT appel-boer"]), not)
        // A prohibited word stays prohibited before AND: boom NOT appel AND de = boom -appel +de
        XCTAssertEqual(try hits(["boom NOT appel AND de"]), try hits(["boom -appel +de"]))
        XCTAssertEqual(Set(try hits(["boom NOT appel AND de"]).map { $0.split(separator: " ")[0] }), ["sub/kersen.md", "notes.text"])
    }

    func testHumanOutputShowsRankScorePathAndTitle() throws {
        let r = search(["appel"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // Both documents holding `appel`/`Appels`, each with its rank, path and title.
        guard let first = lines.firstIndex(where: { $0.hasPrefix("1.") }),
              let second = lines.firstIndex(where: { $0.hasPrefix("2.") }) else {
            return XCTFail("no ranks 1. and 2. in:\n\(r.stdout)")
        }
        XCTAssertFalse(lines.contains { $0.hasPrefix("3.") }, r.stdout)
        let paths = [lines[first], lines[second]].map { line in ["appels.txt", "peren.txt"].first { line.contains($0) } }
        XCTAssertEqual(Set(paths.compactMap { $0 }), ["appels.txt", "peren.txt"], r.stdout)
        for line in [lines[first], lines[second]] {
            // rank, score, path
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            XCTAssertGreaterThanOrEqual(fields.count, 3, line)
            XCTAssertNotNil(Double(fields[1]), "a score after the rank: \(line)")
        }
        XCTAssertTrue(r.stdout.contains("Appels en peren"), "title of appels.txt (its first non-empty line):\n\(r.stdout)")
        XCTAssertTrue(r.stdout.contains("Peren\n") || r.stdout.contains("Peren "), r.stdout)
        XCTAssertTrue(r.stdout.contains("appel"), "a snippet with the match")
        XCTAssertFalse(r.stdout.contains("\u{1B}["), "no terminal escapes when stdout is not a terminal")
        XCTAssertFalse(r.stdout.contains("ignored.csv"), "*.csv is not in the default includes")
    }

    /// A query may start with `-` (SPEC section 3: `-"noord-korea"`), before or after the
    /// options, without `--`; an unknown `--option` is still a usage error.
    func testQueryStartingWithMinusIsAQuery() throws {
        func paths(_ r: CLIResult) throws -> [String] {
            try (jsonObject(r.stdout)["hits"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }.sorted()
        }
        var r = search(["-appel", "--json"])
        XCTAssertEqual(r.exitCode, 1, "only excluded clauses match nothing: \(r.stderr)")
        XCTAssertEqual(int(try jsonObject(r.stdout)["total"]), 0)
        r = search(["--json", "-appel boom"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(try paths(r), ["sub/kersen.md"])
        r = search(["-\"de boom\" de", "--json", "--limit", "10"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(try paths(r), ["notes.text", "peren.txt"], "documents with `de` but not the phrase `de boom`")
        XCTAssertEqual(try paths(run(["search", "--json", "--index", index.path, "--", "-appel boom"])), ["sub/kersen.md"], "an explicit -- still works")
        r = search(["--limt", "3", "appel"])
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("--limt"), r.stderr)
        r = run(["analyze", "-Noord-Korea", "--json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(try tokens(r.stdout).map(\.term), ["noord", "korea"])
    }

    func testHumanScoresKeepSixSignificantDigits() throws {
        // `het` in 29 of 30 documents: idf ≈ 0.05, so scores are below 0.1.
        var files: [String: String] = [:]
        for i in 0..<30 { files["doc-\(i).txt"] = i == 0 ? "de boom \(i)" : "de het boom nummer \(i)" }
        let folder = try makeCorpus(files, name: "small-scores")
        let small = scratch.appendingPathComponent("small-idx")
        XCTAssertEqual(run(["index", folder.path, "--index", small.path]).exitCode, 0)
        let r = run(["search", "het", "--index", small.path, "--no-snippet"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let scores = r.stdout.split(separator: "\n").filter { $0.first?.isNumber == true && $0.contains(". ") }
            .map { String($0.split(separator: " ")[1]) }
        XCTAssertEqual(scores.count, 10, r.stdout)
        for score in scores {
            XCTAssertLessThan(Double(score) ?? 1, 0.1, score)
            // Significant digits: those after the leading zeros.
            let digits = score.filter(\.isNumber).drop { $0 == "0" }
            XCTAssertGreaterThanOrEqual(digits.count, 6, "SPEC: at least 6 significant digits: \(score)")
        }
    }

    func testJSONHasExactlyTheContractKeys() throws {
        let r = search(["appel", "--json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stdout.filter { $0 == "\n" }.count, 1, "one object on one line")
        let o = try jsonObject(r.stdout)
        XCTAssertEqual(Set(o.keys), ["query", "total", "took_ms", "hits"])
        XCTAssertEqual(o["query"] as? String, "appel")
        XCTAssertEqual(int(o["total"]), 2)
        XCTAssertNotNil(double(o["took_ms"]))
        XCTAssertGreaterThanOrEqual(double(o["took_ms"]) ?? -1, 0)
        let hits = o["hits"] as? [[String: Any]] ?? []
        XCTAssertEqual(hits.count, 2)
        var previous = Double.infinity
        for (i, hit) in hits.enumerated() {
            XCTAssertEqual(Set(hit.keys), ["rank", "path", "score", "title", "snippet", "highlights"])
            XCTAssertEqual(int(hit["rank"]), i + 1)
            let score = double(hit["score"]) ?? .nan
            XCTAssertTrue(score > 0 && score <= previous, "scores descend: \(score) after \(previous)")
            previous = score
            let path = hit["path"] as? String ?? ""
            XCTAssertEqual(hit["title"] as? String, ["appels.txt": "Appels en peren", "peren.txt": "Peren"][path], path)
            let snippet = Array((hit["snippet"] as? String ?? "").unicodeScalars)
            let highlights = hit["highlights"] as? [[Int]] ?? [[-1]]
            XCTAssertFalse(highlights.isEmpty, "\(hit)")
            for h in highlights {
                XCTAssertEqual(h.count, 2)
                guard h.count == 2, 0 <= h[0], h[0] < h[1], h[1] <= snippet.count else {
                    XCTFail("highlight \(h) outside the snippet of \(snippet.count) scalars")
                    continue
                }
                let marked = String(String.UnicodeScalarView(snippet[h[0]..<h[1]])).lowercased()
                XCTAssertTrue(marked.hasPrefix("appel"), "highlight [\(h[0]), \(h[1])) marks '\(marked)'")
            }
        }
    }

    func testHighlightsCountUnicodeScalars() throws {
        let r = search(["appeltaart", "--json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let hit = (try jsonObject(r.stdout)["hits"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(hit["path"] as? String, "taart.txt")
        XCTAssertEqual(hit["title"] as? String, "Taart 🍎🍐")
        let snippet = Array((hit["snippet"] as? String ?? "").unicodeScalars)
        let highlights = hit["highlights"] as? [[Int]] ?? []
        XCTAssertFalse(highlights.isEmpty, "\(hit)")
        for h in highlights {
            guard h.count == 2, 0 <= h[0], h[0] < h[1], h[1] <= snippet.count else {
                XCTFail("highlight \(h) outside the snippet of \(snippet.count) scalars")
                continue
            }
            XCTAssertEqual(String(String.UnicodeScalarView(snippet[h[0]..<h[1]])), "appeltaart", "\(h) in \(hit)")
        }
    }

    func testJSONPathsAreRelativeWithSlashes() throws {
        let r = search(["kersen", "--json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let hits = try jsonObject(r.stdout)["hits"] as? [[String: Any]] ?? []
        XCTAssertEqual(hits.map { $0["path"] as? String }, ["sub/kersen.md"])
        XCTAssertEqual(hits.first?["title"] as? String, "Kersen")
    }

    func testJSONEscapesAndUnicodeQuery() throws {
        let r = search(["syrië \"veiligheidsraad\"", "--json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let o = try jsonObject(r.stdout)
        XCTAssertEqual(o["query"] as? String, "syrië \"veiligheidsraad\"")
        XCTAssertEqual((o["hits"] as? [[String: Any]])?.first?["path"] as? String, "notes.text")
    }

    /// Quotes, backslashes and tabs in paths, titles, snippets and the query come back
    /// from `--json` as they were, wherever they stand in a string (the writer looks at
    /// eight bytes at a time, so each of the 16 offsets is tried, and a string's tail).
    func testJSONEscapesAtEveryOffset() throws {
        var files: [String: String] = [:]
        var titles: [String: String] = [:]
        for k in 0..<16 {
            let special = ["\"", "\\", "\t"][k % 3]
            let title = String(repeating: "a", count: k) + special + "b" + String(repeating: "é", count: k % 5) + (k % 2 == 0 ? "\\\"" : "")
            let path = "d\(k)" + (k % 4 == 0 ? "\"q" : k % 4 == 1 ? "\\b" : "") + ".txt"
            files[path] = title + "\nkattenkwaad " + special + " staart\n"
            titles[path] = title
        }
        let folder = try makeCorpus(files, name: "escapes")
        let idx = scratch.appendingPathComponent("escapes-idx")
        XCTAssertEqual(run(["index", folder.path, "--index", idx.path]).exitCode, 0)
        let query = "kattenkwaad \"staart\""
        let r = run(["search", query, "--json", "--limit", "50", "--index", idx.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let o = try jsonObject(r.stdout)
        XCTAssertEqual(o["query"] as? String, query)
        let hits = o["hits"] as? [[String: Any]] ?? []
        XCTAssertEqual(hits.count, 16)
        for hit in hits {
            let path = hit["path"] as? String ?? ""
            XCTAssertEqual(hit["title"] as? String, titles[path], path)
            let snippet = (hit["snippet"] as? String) ?? ""
            XCTAssertTrue(snippet.contains("kattenkwaad"), snippet)
        }
        XCTAssertEqual(Set(hits.compactMap { $0["path"] as? String }), Set(titles.keys))
    }

    func testNoSnippetKeepsTheKeys() throws {
        let r = search(["appel", "--json", "--no-snippet"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        for hit in try jsonObject(r.stdout)["hits"] as? [[String: Any]] ?? [] {
            XCTAssertEqual(Set(hit.keys), ["rank", "path", "score", "title", "snippet", "highlights"])
        }
    }

    /// `--explain`: per clause tf, df, idf, dl, avgdl and score, which follow SPEC section 2
    /// and add up to the hit's score.
    func testExplainFollowsBM25() throws {
        let n = Double(int(try stats(index)["documents"]) ?? 0)
        XCTAssertEqual(n, 5)
        for (extra, k1, b) in [([String](), 0.9, 0.4), (["--k1", "1.2", "--b", "0.75"], 1.2, 0.75)] {
            let r = search(["appel boom", "--json", "--explain"] + extra)
            XCTAssertEqual(r.exitCode, 0, r.stderr)
            let hits = try jsonObject(r.stdout)["hits"] as? [[String: Any]] ?? []
            XCTAssertEqual(hits.count, 3)
            for hit in hits {
                XCTAssertEqual(Set(hit.keys), ["rank", "path", "score", "title", "snippet", "highlights", "explain"])
                let clauses = hit["explain"] as? [[String: Any]] ?? []
                XCTAssertFalse(clauses.isEmpty)
                var sum = 0.0
                for c in clauses {
                    XCTAssertTrue(Set(c.keys).isSuperset(of: ["tf", "df", "idf", "dl", "avgdl", "score"]), "\(c.keys)")
                    let tf = double(c["tf"]) ?? .nan, df = double(c["df"]) ?? .nan, idf = double(c["idf"]) ?? .nan
                    let dl = double(c["dl"]) ?? .nan, avgdl = double(c["avgdl"]) ?? .nan, score = double(c["score"]) ?? .nan
                    XCTAssertEqual(idf, log(1 + (n - df + 0.5) / (df + 0.5)), accuracy: 1e-9, "\(c)")
                    XCTAssertEqual(score, idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)), accuracy: 1e-9, "\(c)")
                    sum += score
                }
                XCTAssertEqual(double(hit["score"]) ?? .nan, sum, accuracy: 1e-9, "the hit's score is the sum of its clauses")
            }
            // appels.txt holds both terms; `boom` and `appel` are in 2 documents each.
            XCTAssertEqual(hits.first?["path"] as? String, "appels.txt")
        }
        let human = search(["appel", "--explain"])
        XCTAssertEqual(human.exitCode, 0, human.stderr)
        XCTAssertTrue(human.stdout.contains("idf") && human.stdout.contains("avgdl"), human.stdout)
    }

    func testLimitAndOffset() throws {
        let all = try searchHits("de", index: index)
        XCTAssertEqual(all.hits.count, 4, "`de` is in four of the five documents")
        func page(_ args: [String]) throws -> (total: Int?, paths: [String], ranks: [Int]) {
            let r = search(["de", "--json"] + args)
            XCTAssertEqual(r.exitCode, 0, "\(args): \(r.stderr)")
            let o = try jsonObject(r.stdout)
            let hits = o["hits"] as? [[String: Any]] ?? []
            return (int(o["total"]), hits.map { $0["path"] as? String ?? "" }, hits.map { int($0["rank"]) ?? -1 })
        }
        let p1 = try page(["--limit", "2"])
        XCTAssertEqual(p1.total, 4)
        XCTAssertEqual(p1.paths, all.hits.prefix(2).map(\.path))
        XCTAssertEqual(p1.ranks, [1, 2])
        let p2 = try page(["--limit", "2", "--offset", "1"])
        XCTAssertEqual(p2.total, 4)
        XCTAssertEqual(p2.paths, Array(all.hits[1..<3]).map(\.path))
        XCTAssertEqual(p2.ranks, [2, 3])
        let p3 = try page(["--offset", "3"])
        XCTAssertEqual(p3.paths, [all.hits[3].path])
        XCTAssertEqual(p3.ranks, [4])
        let beyond = try page(["--offset", "10"])
        XCTAssertEqual(beyond.total, 4)
        XCTAssertEqual(beyond.paths, [])
        let human = search(["de", "--limit", "1"])
        XCTAssertEqual(human.exitCode, 0)
        XCTAssertTrue(human.stdout.contains("1."), human.stdout)
        XCTAssertFalse(human.stdout.contains("\n2."), human.stdout)
        // The default limit is 10.
        XCTAssertEqual(try page([]).paths.count, 4)
    }

    func testAllMakesEveryClauseRequired() throws {
        let or = try searchHits("appel boom", index: index)
        XCTAssertEqual(Set(or.hits.map(\.path)), ["appels.txt", "peren.txt", "sub/kersen.md"])
        let and = try searchHits("appel boom", index: index, extra: ["--all"])
        XCTAssertEqual(and.hits.map(\.path), ["appels.txt"])
        let none = try searchHits("appel zomer", index: index, extra: ["--all"])
        XCTAssertEqual(none.code, 1)
        XCTAssertEqual(none.hits.count, 0)
    }

    func testPhraseAndOperatorsThroughTheCLI() throws {
        XCTAssertEqual(try searchHits("\"de boom\"", index: index).hits.map(\.path).sorted(), ["appels.txt", "sub/kersen.md"])
        XCTAssertEqual(try searchHits("+appel -boer", index: index).hits.map(\.path), ["appels.txt"])
        XCTAssertEqual(try searchHits("gifgas*", index: index).hits.map(\.path), ["notes.text"])
    }

    /// Phrases of common words only ("van de", "is van de"), which the index answers from
    /// its lists of pairs of common words: the documents and tf counted here on the words,
    /// across sentence ends, and `check` finds the lists equal to what the texts give.
    func testPhrasesOfCommonWordsThroughTheCLI() throws {
        let texts = [
            "a.txt": "Het huis van de buren is van de gemeente.",
            "b.txt": "De kat van de buren. Van het dorp is de kat.",
            "c.txt": "De van. De kat is van het dorp, van de stad.",
            "d.txt": "Van het huis de buren, de van de van de van de.",
            "e.txt": "Van. De! Is van de? Van de.",
        ]
        let folder = try makeCorpus(texts, name: "common")
        let common = scratch.appendingPathComponent("common-idx")
        XCTAssertEqual(run(["index", folder.path, "--index", common.path]).exitCode, 0)
        let check = run(["check", "--index", common.path])
        XCTAssertEqual(check.exitCode, 0, check.stdout + check.stderr)
        let words = texts.mapValues { $0.lowercased().split { !$0.isLetter }.map(String.init) }
        for phrase in ["van de", "is van de", "de van de", "van de van de", "de de", "het dorp"] {
            let p = phrase.split(separator: " ").map(String.init)
            var expected: [String: Int] = [:]
            for (path, w) in words {
                let tf = w.count < p.count ? 0 : (0...(w.count - p.count)).filter { Array(w[$0..<($0 + p.count)]) == p }.count
                if tf > 0 { expected[path] = tf }
            }
            let r = run(["search", "\"\(phrase)\"", "--json", "--explain", "--index", common.path])
            XCTAssertEqual(r.exitCode, expected.isEmpty ? 1 : 0, phrase + r.stderr)
            let hits = try jsonObject(r.stdout)["hits"] as? [[String: Any]] ?? []
            var got: [String: Int] = [:]
            for hit in hits {
                let clauses = hit["explain"] as? [[String: Any]] ?? []
                XCTAssertEqual(clauses.count, 1, phrase)
                got[hit["path"] as? String ?? ""] = int(clauses.first?["tf"])
            }
            XCTAssertEqual(got, expected, phrase)
        }
    }

    func testBatchAnswersEveryLineAndReportsBadOnes() throws {
        let input = "appel\n\"kapot\nzzzyyy\nkersen\n"
        let r = search(["--batch", "--no-snippet"], stdin: Data(input.utf8))
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, r.stdout)
        guard lines.count == 4 else { return }
        let objects = try lines.map { try jsonObject($0) }
        XCTAssertEqual(Set(objects[0].keys), ["query", "total", "took_ms", "hits"])
        XCTAssertEqual(objects[0]["query"] as? String, "appel")
        XCTAssertEqual(int(objects[0]["total"]), 2)
        XCTAssertEqual(Set(objects[1].keys), ["query", "error"])
        XCTAssertEqual(objects[1]["query"] as? String, "\"kapot")
        XCTAssertTrue((objects[1]["error"] as? String ?? "").contains("column"), "\(objects[1])")
        XCTAssertEqual(objects[2]["query"] as? String, "zzzyyy")
        XCTAssertEqual(int(objects[2]["total"]), 0)
        XCTAssertEqual((objects[2]["hits"] as? [Any])?.count, 0)
        XCTAssertEqual(objects[3]["query"] as? String, "kersen")
        XCTAssertEqual(((objects[3]["hits"] as? [[String: Any]])?.first)?["path"] as? String, "sub/kersen.md")
        // The same answers as one query at a time.
        let single = try jsonObject(search(["appel", "--json", "--no-snippet"]).stdout)
        XCTAssertEqual((single["hits"] as? [[String: Any]])?.map { $0["path"] as? String },
                       (objects[0]["hits"] as? [[String: Any]])?.map { $0["path"] as? String })
    }

    /// One object per input line, so answers line up with queries: blank lines included,
    /// CRLF line ends and a last line without a newline too.
    func testBatchAnswersLineUpWithQueries() throws {
        let r = search(["--batch", "--no-snippet"], stdin: Data("appel\n\n   \r\nkersen\r\nboom".utf8))
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let objects = try r.stdout.split(separator: "\n").map { try jsonObject(String($0)) }
        XCTAssertEqual(objects.map { $0["query"] as? String }, ["appel", "", "   ", "kersen", "boom"], r.stdout)
        XCTAssertEqual(objects.map { $0["error"] != nil }, [false, true, true, false, false], r.stdout)
        XCTAssertEqual(objects.map { int($0["total"]) }, [2, nil, nil, 1, 2], r.stdout)
    }

    /// A program may keep one `--batch` process open: it writes a query, reads its
    /// answer, then writes the next (the answer comes before the input ends).
    func testBatchAnswersEachLineBeforeTheNextArrives() throws {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["search", "--batch", "--no-snippet", "--index", index.path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Reads one line of the answer, waiting at most 20 s (a process that waits for the
        // end of its input never answers: the test fails instead of hanging).
        var pending = Data()
        func answer() -> String? {
            let deadline = Date().addingTimeInterval(20)
            while true {
                if let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    return line
                }
                let got = DispatchSemaphore(value: 0)
                nonisolated(unsafe) var chunk = Data()
                DispatchQueue.global().async {
                    chunk = output.fileHandleForReading.availableData
                    got.signal()
                }
                if got.wait(timeout: .now() + deadline.timeIntervalSinceNow) == .timedOut || chunk.isEmpty { return nil }
                pending.append(chunk)
            }
        }
        for (query, total) in [("appel", 2), ("kersen", 1), ("\"kapot", -1), ("boom", 2)] {
            input.fileHandleForWriting.write(Data((query + "\n").utf8))
            guard let line = answer() else {
                process.terminate()
                return XCTFail("no answer to \(query) while the input stays open")
            }
            let object = try jsonObject(line)
            XCTAssertEqual(object["query"] as? String, query)
            if total >= 0 {
                XCTAssertEqual(int(object["total"]), total, line)
            } else {
                XCTAssertNotNil(object["error"], line)
            }
        }
        // A last line without a newline is answered once the input ends.
        input.fileHandleForWriting.write(Data("appel".utf8))
        try input.fileHandleForWriting.close()
        let last = try jsonObject(answer() ?? "")
        XCTAssertEqual(int(last["total"]), 2)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    /// The README's demo query on the demo corpus: each hit's snippet is the window with
    /// the most matches and shows every one of them, not only those left after its start
    /// moved back a few words for context (each seed has "Syrië" twice within 24 words).
    func testDemoQuerySnippetsShowTheirWindowsMatches() throws {
        let corpus = scratch.appendingPathComponent("seeds-corpus")
        try FileManager.default.copyItem(at: Self.repoRoot.appendingPathComponent("seeds"), to: corpus)
        let idx = scratch.appendingPathComponent("seeds-idx")
        XCTAssertEqual(run(["index", corpus.path, "--index", idx.path, "--quiet"]).exitCode, 0)
        let r = run(["search", "aanval syrië", "--index", idx.path, "--json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let hits = try XCTUnwrap(try jsonObject(r.stdout)["hits"] as? [[String: Any]])
        XCTAssertEqual(hits.count, 2)
        for hit in hits {
            let snippet = try XCTUnwrap(hit["snippet"] as? String)
            let scalars = Array(snippet.unicodeScalars)
            let words = (hit["highlights"] as? [[Int]] ?? []).map { h in
                String(String.UnicodeScalarView(scalars[h[0]..<h[1]]))
            }
            XCTAssertEqual(words, ["Syrië", "Syrië"], snippet)
        }
    }

    func testBatchWithoutAnyHitExitsOne() throws {
        let r = search(["--batch"], stdin: Data("zzzyyy\nqqqxxx\n".utf8))
        XCTAssertEqual(r.exitCode, 1, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 2)
    }

    /// Equal scores rank by path in Unicode code point order (SPEC section 2); titles are
    /// the first non-empty line, without a BOM or a CR; --include/--exclude choose files.
    func testTiesTitlesAndGlobs() throws {
        var files: [String: String] = [
            "crlf.txt": "Titel CRLF\r\nTekst met kiwi\r\n",
            "bom.txt": "\u{FEFF}BOM titel\nkiwi tekst\n",
            "ws.txt": "   \n\t\nNa witregels\nkiwi\n",
        ]
        let names = ["b.txt", "a.txt", "Z.txt", "é.txt", "sub/x.txt", "map met spatie/c.txt", "e.md"]
        for n in names { files[n] = "Zelfde\nidentiek woord mango\n" }
        let folder = try makeCorpus(files, name: "ties")
        let idx = scratch.appendingPathComponent("ties-idx")
        XCTAssertEqual(run(["index", folder.path, "--index", idx.path]).exitCode, 0)
        let mango = try searchHits("mango", index: idx)
        XCTAssertEqual(mango.hits.map(\.path), ["Z.txt", "a.txt", "b.txt", "e.md", "map met spatie/c.txt", "sub/x.txt", "é.txt"])
        XCTAssertEqual(Set(mango.hits.map(\.score)).count, 1)
        let kiwi = try jsonObject(run(["search", "kiwi", "--json", "--index", idx.path]).stdout)
        let titles = Dictionary(uniqueKeysWithValues: (kiwi["hits"] as? [[String: Any]] ?? []).map {
            ($0["path"] as? String ?? "", $0["title"] as? String ?? "")
        })
        XCTAssertEqual(titles, ["crlf.txt": "Titel CRLF", "bom.txt": "BOM titel", "ws.txt": "Na witregels"])

        let globbed = scratch.appendingPathComponent("glob-idx")
        let r = run(["index", folder.path, "--index", globbed.path, "--include", "*.md", "é*", "--exclude", "sub", "--quiet"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(try searchHits("mango", index: globbed).hits.map(\.path), ["e.md", "é.txt"])
    }

    /// Titles come from the stored text (not stored apart): the same with and without
    /// snippets (without, from a prefix of the text), also when the first non-empty line
    /// lies or ends past that prefix, or is long (300 characters, then "…").
    func testTitlesFromStoredTextWithAndWithoutSnippets() throws {
        let long = (0..<400).map { "w\($0 % 10)" }.joined(separator: " ")  // 1,199 characters
        let files: [String: String] = [
            "late.txt": String(repeating: " \n", count: 700) + "Laat begin\nkiwi\n",
            "long.txt": long + "\nkiwi\n",
            "wide.txt": "   " + String(repeating: "é", count: 600) + "  \r\nkiwi\n",
            "one.txt": "kiwi",
            "cr.txt": "\r\r  Oud Mac-einde \rkiwi\r",
        ]
        let folder = try makeCorpus(files, name: "titles")
        let idx = scratch.appendingPathComponent("titles-idx")
        XCTAssertEqual(run(["index", folder.path, "--index", idx.path, "--quiet"]).exitCode, 0)
        let expected = [
            "late.txt": "Laat begin",
            "long.txt": String(long.prefix(300)) + "…",
            "wide.txt": String(repeating: "é", count: 300) + "…",
            "one.txt": "kiwi",
            "cr.txt": "Oud Mac-einde",
        ]
        for flags in [[], ["--no-snippet"]] {
            let result = try jsonObject(run(["search", "kiwi", "--json", "--index", idx.path] + flags).stdout)
            let titles = Dictionary(uniqueKeysWithValues: (result["hits"] as? [[String: Any]] ?? []).map {
                ($0["path"] as? String ?? "", $0["title"] as? String ?? "")
            })
            XCTAssertEqual(titles, expected, "\(flags)")
        }
    }
}
