// BM25ScoringTests.swift
//
// Hand-computed BM25 (SPEC section 2) on a three-document corpus indexed with the
// real IndexWriter. Every expected number below comes from the SPEC formula applied
// to counts made by hand from the three texts (written as literals), never from the
// code's own `BM25` struct.

import Foundation
import XCTest
import Analysis
import IndexFormat
import Indexer
@testable import Search

final class BM25ScoringTests: XCTestCase {

    // MARK: - The corpus, counted by hand
    //
    // a.txt  "De kat en de hond, de kat!"
    //        positions: de0 kat1 en2 de3 hond4 de5 kat6                         dl = 7
    // b.txt  "De hond zag de aanval op het huis van de kat."
    //        positions: de0 hond1 zag2 de3 aanval4 op5 het6 huis7 van8 de9 kat10 dl = 11
    // c.txt  "Aanvallen op huizen in Rusland en Iran."
    //        positions: aanval0 (aanvallen) op1 huis2 (huizen) in3 rusland4 en5 iran6  dl = 7
    //
    // N = 3, sum dl = 7 + 11 + 7 = 25, avgdl = 25 / 3
    //
    // term     df   tf in a  tf in b  tf in c
    // de       2    3        3        -
    // kat      2    2        1        -
    // en       2    1        -        1
    // hond     2    1        1        -
    // aanval   2    -        1        1
    // op       2    -        1        1
    // huis     2    -        1        1
    // zag      1    -        1        -
    // het      1    -        1        -
    // van      1    -        1        -
    // in       1    -        -        1
    // rusland  1    -        -        1
    // iran     1    -        -        1

    static let texts: [(String, String)] = [
        ("a.txt", "De kat en de hond, de kat!"),
        ("b.txt", "De hond zag de aanval op het huis van de kat."),
        ("c.txt", "Aanvallen op huizen in Rusland en Iran."),
    ]

    static let n = 3.0
    static let avgdl = 25.0 / 3.0
    static let dlA = 7.0, dlB = 11.0, dlC = 7.0

    /// SPEC: idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))
    static func idf(df: Double) -> Double {
        Foundation.log(1 + (n - df + 0.5) / (df + 0.5))
    }

    /// SPEC: idf · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))
    static func score(idf: Double, tf: Double, dl: Double, k1: Double = 0.9, b: Double = 0.4) -> Double {
        idf * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * dl / avgdl))
    }

    /// idf of a term in 2 of the 3 documents: ln(1 + 1.5/2.5) = ln 1.6
    static let idf2 = idf(df: 2)
    /// idf of a term in 1 of the 3 documents: ln(1 + 2.5/1.5) = ln(8/3)
    static let idf1 = idf(df: 1)

    nonisolated(unsafe) static var corpus: TemporaryCorpus!
    nonisolated(unsafe) static var searcher: Searcher!

    override class func setUp() {
        super.setUp()
        do {
            let c = try TemporaryCorpus(name: "bm25")
            for (path, text) in texts { try c.write(path, text) }
            try c.indexDocuments()
            corpus = c
            searcher = try c.searcher()
        } catch {
            XCTFail("cannot build the corpus: \(error)")
        }
    }

    override class func tearDown() {
        searcher = nil
        corpus?.remove()
        corpus = nil
        super.tearDown()
    }

    // MARK: - Helpers

    /// Sorts hand-computed hits by the SPEC order: score descending, then path ascending.
    func ranked(_ hits: [(String, Double)]) -> [(String, Double)] {
        hits.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
    }

    func check(_ query: String, _ expected: [(String, Double)], options: SearchOptions = .with(),
               total: Int? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let searcher = try! XCTUnwrap(Self.searcher)
        let result: SearchResult
        do {
            result = try searcher.search(query, options: options)
        } catch {
            XCTFail("\(query): \(error)", file: file, line: line)
            return
        }
        XCTAssertEqual(result.total, total ?? expected.count, "total of \(query)", file: file, line: line)
        XCTAssertEqual(result.hits.map(\.path), expected.map(\.0), "ranking of \(query)", file: file, line: line)
        for (hit, (path, score)) in zip(result.hits, expected) where hit.path == path {
            XCTAssertEqual(hit.score, score, accuracy: 1e-9, "score of \(path) for \(query)", file: file, line: line)
        }
        for (i, hit) in result.hits.enumerated() {
            XCTAssertEqual(hit.rank, options.offset + i + 1, "rank in \(query)", file: file, line: line)
        }
    }

    // MARK: - Sanity of the hand counts (the analyzer agrees with the table above)

    /// `BM25.score` evaluates SPEC section 2's formula as written, left to right
    /// (`b·dl/avgdl` is `(b·dl)/avgdl`), bit for bit, so that scores an independent
    /// implementation of the formula computes are the same doubles (and ties between
    /// documents order the same way).
    func testScoreIsTheFormulaEvaluatedLeftToRight() {
        var differsFromOtherGrouping = 0
        for (k1, b) in [(0.9, 0.4), (1.2, 0.75), (0.5, 1.0)] {
            for (n, tokens) in [(3, 25), (1000, 287_123), (17, 4_000)] {
                let avgdl = Double(tokens) / Double(n)
                let bm25 = BM25(k1: k1, b: b, documentCount: n, averageLength: avgdl)
                for df in [1, 2, n / 2, n] {
                    let idf = log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5))
                    XCTAssertEqual(bm25.idf(documentFrequency: df), idf)
                    for tf in 1...4 {
                        for dl in stride(from: 1, through: 3_000, by: 7) {
                            let t = Double(tf), l = Double(dl)
                            let literal = idf * t * (k1 + 1) / (t + k1 * (1 - b + b * l / avgdl))
                            XCTAssertEqual(bm25.score(idf: idf, tf: tf, length: dl), literal, "k1 \(k1) b \(b) tf \(tf) dl \(dl)")
                            if literal != idf * t * (k1 + 1) / (t + k1 * (1 - b + b * (l / avgdl))) { differsFromOtherGrouping += 1 }
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(differsFromOtherGrouping, 0, "the cases must tell the two groupings apart")
    }

    func testHandCountsMatchTheAnalyzer() throws {
        let analyzer = try Analyzer()
        XCTAssertEqual(try analyzer.tokens(of: Self.texts[0].1).map(\.term), ["de", "kat", "en", "de", "hond", "de", "kat"])
        XCTAssertEqual(try analyzer.tokens(of: Self.texts[1].1).map(\.term),
                       ["de", "hond", "zag", "de", "aanval", "op", "het", "huis", "van", "de", "kat"])
        XCTAssertEqual(try analyzer.tokens(of: Self.texts[2].1).map(\.term),
                       ["aanval", "op", "huis", "in", "rusland", "en", "iran"])
        let snapshot = try Self.corpus.snapshot()
        XCTAssertEqual(snapshot.documentCount, 3)
        XCTAssertEqual(snapshot.tokenCount, 25)
    }

    // MARK: - Term queries

    func testTermQuery() {
        // kat: df 2; a tf 2 dl 7, b tf 1 dl 11
        check("kat", [("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
                      ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB))])
        // rusland: df 1, only c (tf 1, dl 7)
        check("Rusland", [("c.txt", Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC))])
        // absent term
        check("olifant", [])
    }

    func testTermQueryNumbers() {
        // The same as testTermQuery, with the arithmetic written out once:
        // idf = ln 1.6 = 0.47000362924573558
        // a: 0.47000362924573558 · 2·1.9 / (2 + 0.9·(0.6 + 0.4·7/(25/3))) = 0.47000362924573558 · 3.8 / 2.8424
        XCTAssertEqual(Self.idf2, 0.47000362924573558, accuracy: 1e-15)
        let a = 0.47000362924573558 * 3.8 / (2 + 0.9 * (0.6 + 0.4 * 0.84))
        check("kat", [("a.txt", a), ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB))])
    }

    func testOrOfTerms() {
        // kat OR iran: a kat(a); b kat(b); c iran(c)
        check("kat iran", ranked([("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
                                  ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB)),
                                  ("c.txt", Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC))]))
        // de hond zag: a de(3)+hond(1); b de(3)+hond(1)+zag(1)
        let a = Self.score(idf: Self.idf2, tf: 3, dl: Self.dlA) + Self.score(idf: Self.idf2, tf: 1, dl: Self.dlA)
        let b = Self.score(idf: Self.idf2, tf: 3, dl: Self.dlB) + Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB)
            + Self.score(idf: Self.idf1, tf: 1, dl: Self.dlB)
        check("de hond zag", ranked([("a.txt", a), ("b.txt", b)]))
    }

    // MARK: - Phrases

    func testPhrase() {
        // "de kat": a: starts de0→kat1 ✓, de3→kat6 ✗ (2 extra), de5→kat6 ✓ → tf 2
        //           b: de0→kat10 ✗, de3→kat10 ✗, de9→kat10 ✓ → tf 1
        // idf = idf(de) + idf(kat) = 2 · ln 1.6
        let idf = Self.idf2 + Self.idf2
        check("\"de kat\"", [("a.txt", Self.score(idf: idf, tf: 2, dl: Self.dlA)),
                             ("b.txt", Self.score(idf: idf, tf: 1, dl: Self.dlB))])
        // Order matters: "kat de" — a: kat1→de3 ✗, kat6→(no de after) → none; b: kat10 → none
        check("\"kat de\"", [])
        // "hond kat": a hond4→kat6 is one extra position: no exact match; b hond1→kat10 ✗
        check("\"hond kat\"", [])
        // A phrase across a dropped-nothing boundary: "aanvallen op huizen" = c at 0,1,2, tf 1
        let c = Self.score(idf: Self.idf2 * 3, tf: 1, dl: Self.dlC)
        check("\"Aanvallen op huizen\"", [("c.txt", c)])
        // The stemmed forms match the same phrase
        check("\"aanval op huis\"", [("c.txt", c)])
        // "op het huis": b only (op5 het6 huis7), idf = 2·ln1.6 + ln(8/3)
        check("\"op het huis\"", [("b.txt", Self.score(idf: Self.idf2 * 2 + Self.idf1, tf: 1, dl: Self.dlB))])
    }

    func testSloppyPhrase() {
        let idf = Self.idf2 + Self.idf2
        // "de kat"~2: a: de0→kat1 (0 extra) ✓, de3→kat6 (2 extra) ✓, de5→kat6 ✓ → tf 3
        //             b: de0→kat10 (9) ✗, de3→kat10 (6) ✗, de9→kat10 ✓ → tf 1
        check("\"de kat\"~2", [("a.txt", Self.score(idf: idf, tf: 3, dl: Self.dlA)),
                               ("b.txt", Self.score(idf: idf, tf: 1, dl: Self.dlB))])
        // "hond kat"~1: a: hond4→kat6 (1 extra) ✓ → tf 1; b: hond1→kat10 (8) ✗
        check("\"hond kat\"~1", [("a.txt", Self.score(idf: idf, tf: 1, dl: Self.dlA))])
        // "kat hond"~2: a: kat1→hond4 (2 extra) ✓, kat6→ no hond after → tf 1; b: kat10 → none
        check("\"kat hond\"~2", [("a.txt", Self.score(idf: idf, tf: 1, dl: Self.dlA))])
        // "kat hond"~1: a: kat1→hond4 is 2 extra ✗
        check("\"kat hond\"~1", [])
        // Repeated term: "de kat de"~1: a: de0→kat1→de3 (1 extra) ✓, de3→kat6→none; tf 1
        //   b: de0→kat10→none. idf = idf(de) + idf(kat) (distinct terms only)
        check("\"de kat de\"~1", [("a.txt", Self.score(idf: idf, tf: 1, dl: Self.dlA))])
        check("\"de kat de\"", [])
        // "de de"~3: a: de0→de3 (2 extra) ✓, de3→de5 (1) ✓, de5→none → tf 2
        //            b: de0→de3 (2) ✓, de3→de9 (5) ✗, de9→none → tf 1
        //   idf = idf(de) once
        check("\"de de\"~3", [("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
                              ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB))])
    }

    // MARK: - + and - clauses

    func testRequiredAndProhibited() {
        // +op kat: op in b, c; kat adds to b only
        let b = Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB) + Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB)
        let c = Self.score(idf: Self.idf2, tf: 1, dl: Self.dlC)
        check("+op kat", ranked([("b.txt", b), ("c.txt", c)]))
        // +kat -zag: a only
        check("+kat -zag", [("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA))])
        // kat -zag: the same (should clause, b removed)
        check("kat -zag", [("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA))])
        // only - clauses: nothing
        check("-kat", [])
        check("-kat -iran", [])
        // +kat +iran: no document has both
        check("+kat +iran", [])
        // - on a phrase: hond -"hond kat"~1 removes a
        check("hond -\"hond kat\"~1", [("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB))])
        // -"de kat" hond: both hond documents hold the phrase
        check("-\"de kat\" hond", [])
    }

    func testSplitWords() {
        // de-kat without a modifier: the terms de and kat, each its own clause
        let a = Self.score(idf: Self.idf2, tf: 3, dl: Self.dlA) + Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)
        let b = Self.score(idf: Self.idf2, tf: 3, dl: Self.dlB) + Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB)
        check("de-kat", ranked([("a.txt", a), ("b.txt", b)]))
        // +de-kat: one phrase clause "de kat" (a tf 2, b tf 1)
        let idf = Self.idf2 + Self.idf2
        check("+de-kat", [("a.txt", Self.score(idf: idf, tf: 2, dl: Self.dlA)),
                          ("b.txt", Self.score(idf: idf, tf: 1, dl: Self.dlB))])
        // -hond-kat: the phrase "hond kat" matches nowhere exactly, so nothing is removed
        check("kat -hond-kat", [("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
                                ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB))])
    }

    /// A split word next to AND or OR is its terms typed apart: the operator before it
    /// acts on its first term, the one after it on its last.
    func testSplitWordsNextToOperators() {
        // zag AND de-iran = zag AND de iran = +zag +de iran: b (iran only adds score),
        // not +zag +de +iran (nothing)
        let zagDeB = Self.score(idf: Self.idf1, tf: 1, dl: Self.dlB) + Self.score(idf: Self.idf2, tf: 3, dl: Self.dlB)
        check("zag AND de-iran", [("b.txt", zagDeB)])
        check("zag AND de iran", [("b.txt", zagDeB)])
        // iran-de AND zag = iran +de +zag: b
        let deZagB = Self.score(idf: Self.idf2, tf: 3, dl: Self.dlB) + Self.score(idf: Self.idf1, tf: 1, dl: Self.dlB)
        check("iran-de AND zag", [("b.txt", deZagB)])
        // --all: kat OR hond-iran = kat OR hond iran = kat hond +iran: c only
        let iranC = Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC)
        check("kat OR hond-iran", [("c.txt", iranC)], options: .with(requireAll: true))
        check("kat OR hond iran", [("c.txt", iranC)], options: .with(requireAll: true))
        // --all: iran-hond OR kat = +iran hond kat: c
        check("iran-hond OR kat", [("c.txt", iranC)], options: .with(requireAll: true))
        // A three-part word: zag AND de-op-iran = +zag +de op iran: b
        let zagDeOpB = zagDeB + Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB)
        check("zag AND de-op-iran", [("b.txt", zagDeOpB)])
        // A first part whose term is dropped (over 255 bytes) takes the AND with it, as a
        // clause of only dropped terms typed apart would: zag AND aaa…-iran = +zag iran
        let long = String(repeating: "a", count: 300)
        check("zag AND \(long)-iran", [("b.txt", Self.score(idf: Self.idf1, tf: 1, dl: Self.dlB))])
        // NOT is an operator, not a sign: kat NOT hond-iran = kat NOT hond iran =
        // kat -hond iran: c (a and b hold hond); with - it is the phrase "hond iran"
        check("kat NOT hond-iran", [("c.txt", iranC)])
        check("kat NOT hond iran", [("c.txt", iranC)])
        check("kat -hond-iran", ranked([("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
                                        ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB))]))
        // A prohibited word stays prohibited when AND (or, with --all, OR) follows:
        // kat NOT hond AND iran = kat -hond +iran: c; NOT hond-op AND iran = -hond +op +iran: c
        check("kat NOT hond AND iran", [("c.txt", iranC)])
        let opIranC = Self.score(idf: Self.idf2, tf: 1, dl: Self.dlC) + iranC
        check("kat NOT hond-op AND iran", [("c.txt", opIranC)])
        check("iran NOT hond OR zag", [("c.txt", iranC)], options: .with(requireAll: true))
        // With + in front, still one phrase clause: +zag AND +de-iran matches nothing
        check("zag AND +de-iran", [])
    }

    // MARK: - Boolean operators

    func testBooleanOperators() {
        // op AND (huis OR iran) NOT zag: op {b,c}; (huis OR iran) {b,c}; NOT zag removes b
        let c = Self.score(idf: Self.idf2, tf: 1, dl: Self.dlC) + Self.score(idf: Self.idf2, tf: 1, dl: Self.dlC)
            + Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC)
        check("op AND (huis OR iran) NOT zag", [("c.txt", c)])
        // (kat OR rusland) NOT van: a kat(a), c rusland(c); b removed
        check("(kat OR rusland) NOT van", ranked([("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
                                                  ("c.txt", Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC))]))
        // hond AND kat: a and b, both terms
        check("hond AND kat", ranked([
            ("a.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlA) + Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
            ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB) + Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB)),
        ]))
        // en AND (rusland OR zag): only c (en, rusland)
        check("en AND (rusland OR zag)", [("c.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlC)
                                                  + Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC))])
        // nested: (hond AND (zag OR iran)) OR rusland: b hond+zag; c rusland
        check("(hond AND (zag OR iran)) OR rusland", ranked([
            ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB) + Self.score(idf: Self.idf1, tf: 1, dl: Self.dlB)),
            ("c.txt", Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC)),
        ]))
        // a group of only NOT matches nothing on its own
        check("+(NOT kat)", [])
    }

    func testRequireAll() {
        // --all: hond kat = +hond +kat
        check("hond kat", ranked([
            ("a.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlA) + Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
            ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB) + Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB)),
        ]), options: .with(requireAll: true))
        check("kat iran", [], options: .with(requireAll: true))
        // --all with OR: kat OR iran is back to optional
        check("kat OR iran", ranked([("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA)),
                                     ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB)),
                                     ("c.txt", Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC))]),
              options: .with(requireAll: true))
    }

    // MARK: - Duplicates after stemming

    func testDuplicateClausesCountOnce() {
        // aanval aanvallen → one clause aanval (df 2): b tf 1 dl 11, c tf 1 dl 7
        let expected = [("c.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlC)),
                        ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB))]
        check("aanval aanvallen", expected)
        check("aanvallen AANVAL aanval", expected)
        check("aanval", expected)
        // the same phrase twice counts once
        let idf = Self.idf2 + Self.idf2
        check("\"de kat\" \"De Kat\"", [("a.txt", Self.score(idf: idf, tf: 2, dl: Self.dlA)),
                                        ("b.txt", Self.score(idf: idf, tf: 1, dl: Self.dlB))])
    }

    // MARK: - Prefix

    func testPrefixQueryHasConstantScore() {
        // hon*: the term hond, in a and b: 1.0 each, tie → path order
        check("hon*", [("a.txt", 1.0), ("b.txt", 1.0)])
        // aanval*: b and c (c wrote "Aanvallen", indexed as aanval)
        check("aanval*", [("b.txt", 1.0), ("c.txt", 1.0)])
        // case folded: HUI* = hui*: huis in b, c; rusland adds to c
        check("HUI* rusland", [("c.txt", 1.0 + Self.score(idf: Self.idf1, tf: 1, dl: Self.dlC)), ("b.txt", 1.0)])
        // a prefix matching several terms of one document still scores 1.0 (h*: hond, het, huis)
        check("h*", [("a.txt", 1.0), ("b.txt", 1.0), ("c.txt", 1.0)])
        check("+hui* -zag", [("c.txt", 1.0)])
        check("xyz*", [])
    }

    // MARK: - Ties

    func testTiesAreOrderedByPath() {
        // en: a and c both tf 1, dl 7 → exactly equal scores; a before c
        let s = Self.score(idf: Self.idf2, tf: 1, dl: Self.dlA)
        check("en", [("a.txt", s), ("c.txt", s)])
        check("en", [("a.txt", s)], options: .with(limit: 1), total: 2)
        check("en", [("c.txt", s)], options: .with(limit: 1, offset: 1), total: 2)
        check("h*", [("b.txt", 1.0)], options: .with(limit: 1, offset: 1), total: 3)
    }

    func testLimitAndOffsetExtremes() {
        // limit 0: only the total; offset past the end: no hits; huge limit + offset must
        // not overflow (the CLI accepts any non-negative --limit and --offset).
        check("h*", [], options: .with(limit: 0), total: 3)
        check("h*", [], options: .with(limit: 10, offset: 3), total: 3)
        check("h*", [("b.txt", 1.0), ("c.txt", 1.0)], options: .with(limit: Int.max, offset: 1), total: 3)
        check("h*", [], options: .with(limit: Int.max, offset: Int.max), total: 3)
        check("\"de kat\"", [("b.txt", Self.score(idf: Self.idf2 + Self.idf2, tf: 1, dl: Self.dlB))],
              options: .with(limit: Int.max, offset: 1), total: 2)
    }

    // MARK: - k1 and b

    func testK1AndB() {
        for (k1, b) in [(1.2, 0.75), (2.0, 0.0), (0.5, 1.0), (0.0, 0.4)] {
            check("kat", [("a.txt", Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA, k1: k1, b: b)),
                          ("b.txt", Self.score(idf: Self.idf2, tf: 1, dl: Self.dlB, k1: k1, b: b))],
                  options: .with(k1: k1, b: b))
            let idf = Self.idf2 + Self.idf2
            check("\"de kat\"~2", [("a.txt", Self.score(idf: idf, tf: 3, dl: Self.dlA, k1: k1, b: b)),
                                   ("b.txt", Self.score(idf: idf, tf: 1, dl: Self.dlB, k1: k1, b: b))],
                  options: .with(k1: k1, b: b))
        }
        // b = 0: no length normalization; k1 = 2: kat in a = ln1.6 · 2·3 / (2 + 2)
        check("kat", [("a.txt", Self.idf2 * 6 / 4), ("b.txt", Self.idf2 * 3 / 3)], options: .with(k1: 2, b: 0))
        // k1 = 0: score = idf, whatever tf and dl: a tie between a and b
        check("kat", [("a.txt", Self.idf2), ("b.txt", Self.idf2)], options: .with(k1: 0, b: 0.4))
    }

    // MARK: - explain

    func testExplainFigures() throws {
        var options = SearchOptions.with()
        options.explain = true
        let result = try XCTUnwrap(Self.searcher).search("kat rusland", options: options)
        let a = try XCTUnwrap(result.hits.first { $0.path == "a.txt" })
        let e = try XCTUnwrap(a.explanation)
        XCTAssertEqual(e.count, 1)
        XCTAssertEqual(e.first?.tf, 2)
        XCTAssertEqual(e.first?.df, 2)
        XCTAssertEqual(e.first?.dl, 7)
        XCTAssertEqual(e.first?.avgdl ?? 0, 25.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(e.first?.idf ?? 0, Self.idf2, accuracy: 1e-12)
        XCTAssertEqual(e.first?.score ?? 0, Self.score(idf: Self.idf2, tf: 2, dl: Self.dlA), accuracy: 1e-9)
    }
}
