// SnippetTests.swift
//
// Snippets and their highlights (SPEC section 4, JSON contract): `highlights` are
// `[start, end)` offsets in Unicode scalars into `snippet`, and each covers exactly
// one word of the document whose term the query matches; every such word shown in
// the snippet is highlighted. Non-BMP characters (emoji, mathematical letters)
// before or inside a match must not shift the offsets (UTF-16 vs scalars).

import Foundation
import XCTest
import Analysis
import IndexFormat
import Indexer
@testable import Search

final class SnippetTests: XCTestCase {

    // MARK: - Helpers

    /// What a query highlights: its non-prohibited terms and prefixes (computed here
    /// with the analyzer, not with the planner).
    struct Highlighted {
        var terms: Set<String> = []
        var prefixes: [String] = []

        func matches(_ term: String) -> Bool {
            terms.contains(term) || prefixes.contains { term.hasPrefix($0) }
        }
    }

    /// Scalar ranges of the analyzed tokens of `text`.
    static func tokenScalarRanges(_ text: String, analyzer: Analyzer) throws -> [(range: Range<Int>, token: Token)] {
        let units = Array(text.utf16)
        // scalar index of each UTF-16 offset
        var scalarAt = [Int](repeating: 0, count: units.count + 1)
        var s = 0
        var i = 0
        while i < units.count {
            scalarAt[i] = s
            if units[i] & 0xFC00 == 0xD800, i + 1 < units.count, units[i + 1] & 0xFC00 == 0xDC00 {
                scalarAt[i + 1] = s
                i += 2
            } else {
                i += 1
            }
            s += 1
        }
        scalarAt[units.count] = s
        return try analyzer.tokens(of: text).map { (scalarAt[$0.range.lowerBound]..<scalarAt[$0.range.upperBound], $0) }
    }

    /// Checks `snippet` of a document whose stored text is `document`.
    func checkSnippet(_ snippet: Snippet, document: String, highlighted: Highlighted, expectHighlight: Bool = true,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let analyzer = try Analyzer()
        let scalars = Array(snippet.text.unicodeScalars)
        // Words of the document (surface forms, soft hyphens aside) whose term matches.
        let documentWords = Set(try analyzer.tokens(of: document).filter { highlighted.matches($0.term) }
            .map { $0.text.replacingOccurrences(of: "\u{AD}", with: "") })
        var previousEnd = 0
        for h in snippet.highlights {
            guard h.count == 2, 0 <= h[0], h[0] < h[1], h[1] <= scalars.count else {
                XCTFail("bad highlight \(h) in \(snippet.text.debugDescription) (\(scalars.count) scalars)", file: file, line: line)
                continue
            }
            XCTAssertGreaterThanOrEqual(h[0], previousEnd, "highlights overlap or are out of order: \(snippet.highlights)", file: file, line: line)
            previousEnd = h[1]
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[h[0]..<h[1]])
            let word = String(view)
            XCTAssertTrue(documentWords.contains(word),
                          "highlight \(h) = \(word.debugDescription) is not a matching word of the document \(documentWords)",
                          file: file, line: line)
            let tokens = try analyzer.tokens(of: word)
            XCTAssertEqual(tokens.count, 1, "highlight \(word.debugDescription) is not one word", file: file, line: line)
            if let t = tokens.first {
                XCTAssertEqual(t.range, 0..<word.utf16.count, "highlight \(word.debugDescription) is not exactly one word", file: file, line: line)
                XCTAssertTrue(highlighted.matches(t.term), "highlight \(word.debugDescription) has term \(t.term)", file: file, line: line)
            }
        }
        // Every matching word shown is highlighted.
        let shown = try Self.tokenScalarRanges(snippet.text, analyzer: analyzer).filter { highlighted.matches($0.token.term) }
        let ranges = Set(snippet.highlights.map { $0 })
        for (range, token) in shown {
            XCTAssertTrue(ranges.contains([range.lowerBound, range.upperBound]),
                          "matching word \(token.text.debugDescription) at \(range) is not highlighted in \(snippet.text.debugDescription): \(snippet.highlights)",
                          file: file, line: line)
        }
        if expectHighlight {
            XCTAssertFalse(snippet.highlights.isEmpty, "no highlight in \(snippet.text.debugDescription)", file: file, line: line)
        }
    }

    /// Indexes `documents`, runs `query` and returns the snippet of each hit.
    func snippets(_ documents: [(String, String)], query: String) throws -> [String: Snippet] {
        let corpus = try TemporaryCorpus(name: "snippet")
        defer { corpus.remove() }
        for (path, text) in documents { try corpus.write(path, text) }
        try corpus.indexDocuments()
        let result = try corpus.searcher().search(query, options: .with(snippets: true))
        var out: [String: Snippet] = [:]
        for hit in result.hits { out[hit.path] = try XCTUnwrap(hit.snippet, "no snippet for \(hit.path)") }
        return out
    }

    /// The terms of `text` per the analyzer.
    func terms(_ text: String) throws -> Set<String> {
        Set(try Analyzer().tokens(of: text).map(\.term))
    }

    func scalarsOf(_ s: Snippet, _ h: [Int]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: Array(s.text.unicodeScalars)[h[0]..<h[1]])
        return String(view)
    }

    // MARK: - Fixed cases

    func testPlainHighlight() throws {
        let text = "De kat zit op de mat."
        let s = try XCTUnwrap(try snippets([("a.txt", text)], query: "kat")["a.txt"])
        XCTAssertEqual(s.text, "De kat zit op de mat.")
        XCTAssertEqual(s.highlights, [[3, 6]])
        try checkSnippet(s, document: text, highlighted: Highlighted(terms: ["kat"]))
    }

    func testEmojiBeforeTheMatch() throws {
        // 🎉 and 🐈 are outside the BMP: two UTF-16 units, one scalar each.
        let text = "🎉🎉 De kat 🐈 zit op de mat."
        let s = try XCTUnwrap(try snippets([("a.txt", text)], query: "kat mat")["a.txt"])
        XCTAssertEqual(s.text, text)
        // 🎉0 🎉1 ␠2 D3 e4 ␠5 k6 a7 t8 ␠9 🐈10 ␠11 z12 i13 t14 ␠15 o16 p17 ␠18 d19 e20 ␠21 m22 a23 t24 .25
        XCTAssertEqual(s.highlights, [[6, 9], [22, 25]])
        XCTAssertEqual(s.highlights.map { scalarsOf(s, $0) }, ["kat", "mat"])
        try checkSnippet(s, document: text, highlighted: Highlighted(terms: try terms("kat mat")))
    }

    func testNonBMPLettersInsideTheMatch() throws {
        // Mathematical fraktur letters fold (NFKC) to "kat": the highlight covers the
        // three non-BMP scalars (six UTF-16 units).
        let text = "Een 😀 en 𝔨𝔞𝔱 en katten."
        let s = try XCTUnwrap(try snippets([("a.txt", text)], query: "kat")["a.txt"])
        XCTAssertEqual(s.text, text)
        // E0 e1 n2 ␠3 😀4 ␠5 e6 n7 ␠8 𝔨9 𝔞10 𝔱11 ␠12 e13 n14 ␠15 k16 … n21
        XCTAssertEqual(s.highlights, [[9, 12], [16, 22]])
        XCTAssertEqual(s.highlights.map { scalarsOf(s, $0) }, ["𝔨𝔞𝔱", "katten"])
        try checkSnippet(s, document: text, highlighted: Highlighted(terms: ["kat"]))
    }

    func testCombiningMarksAndStems() throws {
        // "café" written decomposed (e + U+0301): five scalars; "aanvallen" matches aanval.
        let text = "Het cafe\u{301} na de aanvallen in Syrië."
        let s = try XCTUnwrap(try snippets([("a.txt", text)], query: "café aanval syrie")["a.txt"])
        XCTAssertEqual(s.highlights.map { scalarsOf(s, $0) }, ["cafe\u{301}", "aanvallen", "Syrië"])
        try checkSnippet(s, document: text, highlighted: Highlighted(terms: try terms("café aanval syrie")))
    }

    func testWhiteSpaceIsCollapsed() throws {
        let text = "Titel\n\n   De\t\tkat  \n zit."
        let s = try XCTUnwrap(try snippets([("a.txt", text)], query: "kat")["a.txt"])
        XCTAssertEqual(s.text, "Titel De kat zit.")
        XCTAssertEqual(s.highlights, [[9, 12]])
        try checkSnippet(s, document: text, highlighted: Highlighted(terms: ["kat"]))
    }

    func testSoftHyphens() throws {
        // U+00AD inside and at the end of a word: ICU keeps it in the word, nfkc_cf
        // removes it; the snippet drops it, and the highlight still covers the word.
        let text = "Een ka\u{AD}t en een hond\u{AD} en een muis."
        let s = try XCTUnwrap(try snippets([("a.txt", text)], query: "kat hond")["a.txt"])
        XCTAssertEqual(s.text, "Een kat en een hond en een muis.")
        XCTAssertEqual(s.highlights.map { scalarsOf(s, $0) }, ["kat", "hond"])
        try checkSnippet(s, document: text, highlighted: Highlighted(terms: ["kat", "hond"]))
    }

    func testLongDocumentWindowWithEmoji() throws {
        // The match is far from the start: the snippet starts with "… ", and emoji in
        // the window before the match must not shift the offsets.
        var words: [String] = []
        for i in 0..<200 { words.append(i % 3 == 0 ? "🙂" : "woord\(i % 7)") }
        words.insert(contentsOf: ["🎉", "𝔄", "gifgasaanval", "🐈", "in", "Syrië"], at: 120)
        let text = words.joined(separator: " ")
        let s = try XCTUnwrap(try snippets([("a.txt", text)], query: "gifgasaanval syrië")["a.txt"])
        XCTAssertTrue(s.text.hasPrefix("… "), s.text)
        XCTAssertTrue(s.text.hasSuffix(" …"), s.text)
        XCTAssertEqual(s.highlights.map { scalarsOf(s, $0) }, ["gifgasaanval", "Syrië"])
        try checkSnippet(s, document: text, highlighted: Highlighted(terms: try terms("gifgasaanval syrië")))
    }

    /// The window holding the most matches keeps all of them when it starts a few tokens
    /// early for context: two matches 23 tokens apart fill a window of 24 from the first,
    /// so it starts at the first (before, it started 3 tokens earlier and lost the second).
    func testContextBeforeTheWindowKeepsItsLastMatch() throws {
        let before = (0..<10).map { "voor\($0 % 5)" }.joined(separator: " ")
        let between = (0..<22).map { "tussen\($0 % 7)" }.joined(separator: " ")
        let after = (0..<30).map { "na\($0 % 6)" }.joined(separator: " ")
        let text = "Titel\n\(before) kat \(between) kat \(after)\n"
        for query in ["kat", "ka*"] {
            let s = try XCTUnwrap(try snippets([("a.txt", text)], query: query)["a.txt"], query)
            XCTAssertEqual(s.highlights.map { scalarsOf(s, $0) }, ["kat", "kat"], "\(query): \(s.text)")
            XCTAssertTrue(s.text.hasPrefix("… kat tussen0"), "\(query): \(s.text)")
        }
        // With room to spare, the window from the positions in the index still starts 3
        // tokens before its first match.
        let near = "Titel\n\(before) kat tussen0 kat \(after)\n"
        let s = try XCTUnwrap(try snippets([("a.txt", near)], query: "kat")["a.txt"])
        XCTAssertTrue(s.text.hasPrefix("… voor2 voor3 voor4 kat"), s.text)
        XCTAssertEqual(s.highlights.count, 2, s.text)
    }

    func testMatchFarIntoALongDocument() throws {
        // Thousands of UTF-16 units (many of them surrogate pairs) before the match, and
        // words separated by tabs and no-break spaces as well as spaces.
        var text = "Titel\n"
        for i in 0..<1500 { text += ["🙂", "𝔄𝔟𝔠", "woord", "x"][i % 4] + ["\t", " ", "\u{A0}", " "][i % 4] }
        text += "de 🐈 katten\tzien 😀 de hond.\n"
        for i in 0..<300 { text += "nawoord\(i % 5) " }
        let s = try XCTUnwrap(try snippets([("a.txt", text)], query: "kat hond")["a.txt"])
        XCTAssertTrue(s.text.hasPrefix("… "), s.text)
        XCTAssertEqual(s.highlights.map { scalarsOf(s, $0) }, ["katten", "hond"])
        try checkSnippet(s, document: text, highlighted: Highlighted(terms: try terms("kat hond")))
    }

    func testPhrasePrefixAndProhibitedTerms() throws {
        let text = "🎉 De hond ziet de kat, de katten zien de hond niet."
        let docs = [("a.txt", text)]
        // phrase: both its terms are highlighted wherever they occur in the window
        let p = try XCTUnwrap(try snippets(docs, query: "\"de kat\"")["a.txt"])
        try checkSnippet(p, document: text, highlighted: Highlighted(terms: ["de", "kat"]))
        XCTAssertEqual(p.highlights.count, 6) // De, de, kat, de, katten, de
        // prefix: every word whose term starts with it (kat, katten)
        let x = try XCTUnwrap(try snippets(docs, query: "ka*")["a.txt"])
        try checkSnippet(x, document: text, highlighted: Highlighted(prefixes: ["ka"]))
        XCTAssertEqual(x.highlights.map { scalarsOf(x, $0) }, ["kat", "katten"])
        // a prohibited clause is not highlighted
        let n = try XCTUnwrap(try snippets(docs + [("b.txt", "de muis")], query: "hond -muis")["a.txt"])
        try checkSnippet(n, document: text, highlighted: Highlighted(terms: ["hond"]))
        XCTAssertEqual(n.highlights.map { scalarsOf(n, $0) }, ["hond", "hond"])
    }

    // MARK: - Randomized

    func testRandomizedSnippets() throws {
        var rng = SeededGenerator(seed: 42)
        let pieces = ["de", "kat", "katten", "hond", "🎉", "😀🐈", "𝔨𝔞𝔱", "Syrië", "cafe\u{301}", "aanvallen",
                      "aanval", "huis", "huizen", "𝔄𝔟", "zo'n", "3,5", "Noord-Korea", "中文", "ka\u{AD}t", "…", "!!"]
        let separators = [" ", " ", " ", "  ", "\n", ", ", "\t", " 🙂 "]
        var documents: [(String, String)] = []
        for i in 0..<40 {
            var text = ""
            for j in 0..<Int.random(in: 1...120, using: &rng) {
                if j > 0 { text += separators.randomElement(using: &rng)! }
                text += pieces.randomElement(using: &rng)!
            }
            if i % 5 == 0 { text += " olifant" }
            documents.append(("d\(i).txt", text))
        }
        let corpus = try TemporaryCorpus(name: "randomsnippets")
        defer { corpus.remove() }
        // Two index runs: two segments, whose hits interleave in rank order.
        for (path, text) in documents.prefix(20) { try corpus.write(path, text) }
        try corpus.indexDocuments()
        for (path, text) in documents.dropFirst(20) { try corpus.write(path, text) }
        try corpus.indexDocuments()
        XCTAssertEqual(try corpus.snapshot().segments.count, 2)
        let searcher = try corpus.searcher()
        let byPath = Dictionary(uniqueKeysWithValues: documents)
        let queries: [(String, Highlighted)] = [
            ("kat", Highlighted(terms: try terms("kat"))),
            ("aanval huis", Highlighted(terms: try terms("aanval huis"))),
            ("syrie \"noord korea\"", Highlighted(terms: try terms("syrie noord korea"))),
            ("+hond ab*", Highlighted(terms: try terms("hond"), prefixes: ["ab"])),
            ("cafe -olifant", Highlighted(terms: try terms("cafe"))),
            ("中文 zo'n 3,5", Highlighted(terms: try terms("中文 zo'n 3,5"))),
        ]
        var checked = 0
        for (query, highlighted) in queries {
            // Hits decorated on one thread, and on two (each taking the next hit in segment
            // and document order).
            var made: [[String]] = []
            for (threads, settles) in [(1, false), (2, false), (2, true)] {
                var options = SearchOptions.with(limit: 100, snippets: true)
                options.threads = threads
                // Last, the hits made while matching goes on (see `AheadHits`), all of them.
                searcher.settlesAhead = settles
                let result = try searcher.search(query, options: options)
                XCTAssertGreaterThan(result.hits.count, 0, query)
                for hit in result.hits {
                    let snippet = try XCTUnwrap(hit.snippet)
                    try checkSnippet(snippet, document: byPath[hit.path]!, highlighted: highlighted)
                    checked += 1
                }
                made.append(result.hits.map { "\($0.path) \($0.title) \($0.snippet!.text) \($0.snippet!.highlights)" })
            }
            XCTAssertEqual(made[0], made[1], query)
            XCTAssertEqual(made[0], made[2], query)
        }
        XCTAssertGreaterThan(checked, 120)
        XCTAssertGreaterThan(searcher.hitsMadeAhead, 60)
    }

    /// A snippet made from a prefix of the text (as search does when the checkpoints
    /// show the window well before the end of a long document) is the snippet of the
    /// whole text, or `nil` (then search reads the whole text); on long documents with
    /// multi-byte characters, random query terms and prefixes cut anywhere.
    func testSnippetFromATextPrefixIsTheWholeTextsSnippet() throws {
        let analyzer = try Analyzer()
        let words = ["de", "het", "één", "café", "coördinatie", "overleg", "rusland", "sancties", "𝔘nicode", "🍎appel",
                     "naïef", "minister", "regering", "zeeën", "aanval", "verklaring", "België", "financiële"]
        var state: UInt64 = 99
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int((state >> 33) % UInt64(n)) }
        var fromPrefix = 0
        var cases = 0
        for _ in 0..<60 {
            var text = "Titel \(next(1000))\n\n"
            for w in 0..<(200 + next(1200)) {
                text += words[next(words.count)] + (w % 13 == 12 ? ".\n" : next(9) == 0 ? ",  " : " ")
            }
            let utf8 = Array(text.utf8)
            let tokens = try analyzer.tokens(of: text)
            var checkpoints: [StoredDocument.Checkpoint] = []
            for t in tokens where t.position >= checkpoints.count * StoredDocument.checkpointInterval {
                checkpoints.append(.init(position: Int32(t.position), offset: Int32(t.range.lowerBound)))
            }
            for _ in 0..<4 {
                let query = Set((0..<(1 + next(3))).map { _ in tokens[next(tokens.count)].term })
                let terms = Array(query)
                let maker = SnippetMaker(analyzer: analyzer, terms: terms.map { Array($0.utf8) }, prefixes: [])
                let matches = tokens.compactMap { t in terms.firstIndex(of: t.term).map { SnippetMaker.MatchPosition(position: Int32(t.position), term: $0) } }
                let window = SnippetMaker.Window(matches, windowTokens: maker.windowTokens)
                let whole = try XCTUnwrap(maker.make(utf8: utf8, complete: true, checkpoints: checkpoints, window: window))
                guard let needed = maker.textNeeded(checkpoints: checkpoints, window: window), needed < utf8.count else { continue }
                // The shortest start holding `needed` UTF-16 units (what the reader inflates)
                // gives the snippet; any other start gives it or nothing.
                var units = 0
                let shortest = utf8.firstIndex { units += ($0 & 0xC0 != 0x80 ? 1 : 0) + ($0 >= 0xF0 ? 1 : 0); return units >= needed }.map { $0 + 1 } ?? utf8.count
                if shortest < utf8.count {
                    XCTAssertEqual(maker.make(utf8: Array(utf8[0..<shortest]), complete: false, checkpoints: checkpoints, window: window), whole,
                                   "the shortest prefix of \(needed) units, terms \(terms)")
                }
                for cutAt in [needed, needed - 1, needed - 2, needed / 2, needed / 4, shortest - 1, shortest + 1] where cutAt > 0 && cutAt < utf8.count {
                    cases += 1
                    guard let part = maker.make(utf8: Array(utf8[0..<cutAt]), complete: false, checkpoints: checkpoints, window: window) else { continue }
                    fromPrefix += 1
                    XCTAssertEqual(part, whole, "prefix of \(cutAt) of \(utf8.count) bytes, terms \(terms)")
                }
            }
        }
        XCTAssertGreaterThan(fromPrefix, cases / 4, "the prefix path is taken (\(fromPrefix) of \(cases))")
    }

    /// Stored text to UTF-16: what ICU's decoder (`TextDecoder`) gives for valid UTF-8,
    /// a leading BOM dropped, and the standard library's repair for anything else.
    func testStoredTextToUTF16MatchesTheReferenceDecoders() throws {
        var state: UInt64 = 7
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int((state >> 33) % UInt64(n)) }
        let pieces: [[UInt8]] = ["De kat zit op de mat. ", "één", "café", "€", "𝔘", "🍎", "\u{FEFF}", "\n", "abcdefghij"].map { Array($0.utf8) }
            + [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xFF], [0xF0, 0x9F, 0x8D]]
        var invalid = 0
        var splits = 0
        for round in 0..<3000 {
            var bytes: [UInt8] = next(5) == 0 ? [0xEF, 0xBB, 0xBF] : []
            for _ in 0..<next(40) {
                let piece = pieces[next(pieces.count)]
                if piece.first.map({ $0 >= 0x80 && piece.count < 5 && !String(decoding: piece, as: UTF8.self).utf8.elementsEqual(piece) }) == true {
                    if next(4) != 0 { continue }   // ill-formed pieces in a quarter of the texts' draws
                }
                bytes += piece
            }
            let got = SnippetMaker.utf16(bytes)
            if let decoded = try? TextDecoder.decode(bytes), decoded.detectedCharset == nil {
                XCTAssertEqual(got, decoded.utf16, "round \(round)")
            } else {
                invalid += 1
                XCTAssertEqual(got, Array(String(decoding: bytes, as: UTF8.self).utf16), "round \(round)")
            }
            // From a unit on: the units after it, or (not splittable there) all of them.
            let unit = next(got.count + 3)
            let (tail, base) = SnippetMaker.utf16(bytes, from: unit)
            if base > 0 {
                splits += 1
                XCTAssertEqual(base, unit, "round \(round)")
                XCTAssertEqual(tail, Array(got[unit...]), "round \(round) from \(unit)")
            } else {
                XCTAssertEqual(tail, got, "round \(round) from \(unit)")
                // Only where the text is ill-formed, `unit` is 0 or past the end, or it
                // falls between the two units of a surrogate pair.
                let splittable = unit > 0 && unit <= got.count && !(unit < got.count && got[unit] & 0xFC00 == 0xDC00)
                XCTAssertFalse(splittable && SnippetMaker.utf16(bytes) == (try? TextDecoder.decode(bytes))?.utf16, "round \(round) from \(unit)")
            }
        }
        XCTAssertGreaterThan(invalid, 100)
        XCTAssertLessThan(invalid, 2900)
        XCTAssertGreaterThan(splits, 300)
    }

}
