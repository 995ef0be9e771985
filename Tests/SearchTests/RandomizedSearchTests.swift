// RandomizedSearchTests.swift
//
// A few hundred generated Dutch-ish documents, indexed in three incremental runs
// (adds, changes and deletions, so the index has several segments with deleted
// documents), queried with every kind of query the language has. Each result is
// compared with a brute-force model written here from SPEC sections 1–3: it
// re-analyzes each live document with `Analyzer`, counts N, df, dl and avgdl over
// the live documents, matches phrases by the SPEC chaining rule, scores BM25 and
// ranks by score descending, then path ascending.

import Foundation
import XCTest
import Analysis
import IndexFormat
import Indexer
@testable import Search

/// SplitMix64: a small seeded generator, so every run sees the same corpus.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class RandomizedSearchTests: XCTestCase {

    // MARK: - Vocabulary

    /// Surface forms, the most frequent first (drawn with a skewed distribution so that
    /// terms repeat within documents). Several forms share a stem (kat/katten,
    /// aanval/aanvallen, huis/huizen, lopen/gelopen/loop, financiële/financiele,
    /// auto's/auto’s, raad/raden), `Noord-Korea` is two tokens, and the last word is
    /// dropped by the analyzer but leaves a gap in the positions (also inside phrases).
    static let vocabulary = [
        "de", "het", "een", "en", "kat", "in", "de", "op", "van", "hond", "is", "huis",
        "aanval", "katten", "honden", "huizen", "aanvallen", "stad", "dorp", "boek", "boeken",
        "rood", "groen", "zee", "water", "man", "mannen", "vrouw", "vrouwen", "kind", "tafel",
        "stoel", "deur", "weg", "brug", "bruggen", "lopen", "gelopen", "loop", "rusland", "iran",
        "veto", "raad", "raden", "zwart", "zwarte", "financiële", "financiele", "Syrië",
        "auto's", "auto’s", "Noord-Korea", "IJsselmeer", "ijsselmeer", "3,5",
        // longer than 255 UTF-8 bytes: not indexed, but it takes a position (SPEC 1.7)
        String(repeating: "lang", count: 70),
    ]

    static let separators = [" ", " ", " ", " ", " ", ", ", ". ", "\n", " — ", "; "]

    static func word(_ rng: inout SeededGenerator) -> String {
        let u = Double.random(in: 0..<1, using: &rng)
        var w = vocabulary[min(vocabulary.count - 1, Int(Double(vocabulary.count) * u * u))]
        if Int.random(in: 0..<8, using: &rng) == 0 { w = w.prefix(1).uppercased() + w.dropFirst() }
        return w
    }

    static func documentText(_ rng: inout SeededGenerator) -> String {
        let count = Int.random(in: 3...60, using: &rng)
        var text = ""
        for i in 0..<count {
            if i > 0 { text += separators.randomElement(using: &rng)! }
            text += word(&rng)
        }
        return text + "."
    }

    static let folders = ["", "a/", "B/", "c/d/", "ä/"]

    static func path(_ i: Int, _ rng: inout SeededGenerator) -> String {
        folders.randomElement(using: &rng)! + "doc-\(String(i, radix: 7)).txt"
    }

    // MARK: - The brute-force model

    struct ModelDocument {
        var path: String
        var dl: Int
        /// term → its positions, ascending
        var positions: [String: [Int]]
    }

    /// A node of the model's own query tree, rendered to query text by `render`.
    indirect enum QNode {
        case word(String)
        case phrase(String, slop: Int)
        case prefix(String)
        case group([QClause], style: GroupStyle)
    }

    enum GroupStyle { case modifiers, operators }

    struct QClause {
        var occur: Occur
        var node: QNode
    }

    /// The analyzed query: what is matched.
    indirect enum MNode: Hashable {
        case term(String)
        case phrase([String], [Int], Int)
        case prefix(String)
        case group([MClause])
    }

    struct MClause: Hashable {
        var occur: Occur
        var node: MNode
    }

    struct Ambiguous: Error {}

    final class Model {
        let analyzer: Analyzer
        var documents: [ModelDocument] = []
        var df: [String: Int] = [:]
        var avgdl = 0.0
        var k1 = 0.9
        var b = 0.4

        init(texts: [String: String]) throws {
            analyzer = try Analyzer()
            for (path, text) in texts {
                let units = Array(text.utf16)
                var positions: [String: [Int]] = [:]
                let dl = try units.withUnsafeBufferPointer { (buffer) throws(AnalysisError) in
                    try analyzer.analyze(buffer) { token in
                        positions[String(decoding: token.term, as: UTF8.self), default: []].append(Int(token.position))
                    }
                }
                documents.append(ModelDocument(path: path, dl: dl, positions: positions))
                for term in positions.keys { df[term, default: 0] += 1 }
            }
            avgdl = Double(documents.reduce(0) { $0 + $1.dl }) / Double(documents.count)
        }

        // SPEC section 2
        func idf(_ term: String) -> Double {
            let n = Double(documents.count), d = Double(df[term] ?? 0)
            return Foundation.log(1 + (n - d + 0.5) / (d + 0.5))
        }

        func bm25(idf: Double, tf: Int, dl: Int) -> Double {
            let t = Double(tf)
            return idf * t * (k1 + 1) / (t + k1 * (1 - b + b * Double(dl) / avgdl))
        }

        // SPEC section 3: analysis of the query
        func plan(_ clauses: [QClause], requireAll: Bool, explicit: (QClause) -> Bool) throws -> [MClause] {
            var entries: [MClause] = []
            for c in clauses {
                var occur = c.occur
                if requireAll && occur == .should { occur = .must }
                switch c.node {
                case .word(let text):
                    let tokens = try analyzer.tokens(of: text)
                    if tokens.isEmpty { continue }
                    if tokens.count == 1 {
                        entries.append(MClause(occur: occur, node: .term(tokens[0].term)))
                    } else if explicit(c) {
                        entries.append(MClause(occur: occur, node: phrase(tokens, slop: 0)))
                    } else {
                        for t in tokens { entries.append(MClause(occur: occur, node: .term(t.term))) }
                    }
                case let .phrase(text, slop):
                    let tokens = try analyzer.tokens(of: text)
                    if tokens.isEmpty { continue }
                    entries.append(MClause(occur: occur, node: tokens.count == 1 ? .term(tokens[0].term) : phrase(tokens, slop: slop)))
                case .prefix(let text):
                    // The generator writes ASCII prefixes: folding is lower-casing.
                    entries.append(MClause(occur: occur, node: .prefix(text.lowercased())))
                case let .group(inner, _):
                    let group = try plan(inner, requireAll: requireAll, explicit: explicit)
                    if group.isEmpty { continue }
                    entries.append(MClause(occur: occur, node: .group(group)))
                }
            }
            // Duplicates count once. The same clause with two different occurs is not
            // fixed by the SPEC: such a query is left out.
            var result: [MClause] = []
            for e in entries {
                if let existing = result.first(where: { $0.node == e.node }) {
                    if existing.occur != e.occur { throw Ambiguous() }
                    continue
                }
                result.append(e)
            }
            return result
        }

        private func phrase(_ tokens: [Token], slop: Int) -> MNode {
            .phrase(tokens.map(\.term), tokens.map { $0.position - tokens[0].position }, slop)
        }

        /// The SPEC chaining rule: the number of starts p1 that begin a counting match.
        func phraseFrequency(_ terms: [String], _ relative: [Int], slop: Int, in doc: ModelDocument) -> Int {
            let lists = terms.map { doc.positions[$0] ?? [] }
            var count = 0
            for p1 in lists[0] {
                var previous = p1
                var complete = true
                for i in 1..<terms.count {
                    guard let p = lists[i].first(where: { $0 - previous >= relative[i] - relative[i - 1] }) else {
                        complete = false
                        break
                    }
                    previous = p
                }
                if complete && (previous - p1) - (relative.last! - relative[0]) <= slop { count += 1 }
            }
            return count
        }

        /// The score of `node` in `doc`, nil when it does not match.
        func score(_ node: MNode, _ doc: ModelDocument) -> Double? {
            switch node {
            case .term(let t):
                guard let tf = doc.positions[t]?.count, tf > 0 else { return nil }
                return bm25(idf: idf(t), tf: tf, dl: doc.dl)
            case let .phrase(terms, relative, slop):
                let tf = phraseFrequency(terms, relative, slop: slop, in: doc)
                if tf == 0 { return nil }
                var distinct: [String] = []
                for t in terms where !distinct.contains(t) { distinct.append(t) }
                let idf = distinct.reduce(0.0) { $0 + self.idf($1) }
                return bm25(idf: idf, tf: tf, dl: doc.dl)
            case .prefix(let p):
                return doc.positions.keys.contains { $0.hasPrefix(p) } ? 1.0 : nil
            case .group(let clauses):
                var total = 0.0
                var anyShould = false
                let hasMust = clauses.contains { $0.occur == .must }
                for c in clauses {
                    let s = score(c.node, doc)
                    switch c.occur {
                    case .must:
                        guard let s else { return nil }
                        total += s
                    case .should:
                        if let s { total += s; anyShould = true }
                    case .mustNot:
                        if s != nil { return nil }
                    }
                }
                if !hasMust && !anyShould { return nil }
                return total
            }
        }

        /// Every match, ranked: score descending, then path ascending (code points).
        func search(_ group: [MClause]) -> [(path: String, score: Double)] {
            var hits: [(path: String, score: Double)] = []
            for doc in documents {
                if let s = score(.group(group), doc) { hits.append((doc.path, s)) }
            }
            hits.sort { a, b in
                a.score != b.score ? a.score > b.score
                    : a.path.unicodeScalars.lexicographicallyPrecedes(b.path.unicodeScalars)
            }
            return hits
        }
    }

    // MARK: - Rendering queries

    static func render(_ clauses: [QClause], style: GroupStyle) -> String {
        switch style {
        case .modifiers:
            return clauses.map { render($0, prefix: $0.occur.description) }.joined(separator: " ")
        case .operators:
            // Musts joined by AND, shoulds by OR, mustNots with NOT (see QueryParser's rules):
            // a group generated with operators has either musts or shoulds, never both.
            var parts: [String] = []
            let musts = clauses.filter { $0.occur == .must }
            let shoulds = clauses.filter { $0.occur == .should }
            let nots = clauses.filter { $0.occur == .mustNot }
            precondition(musts.isEmpty || shoulds.isEmpty)
            let rendered = (musts.isEmpty ? shoulds : musts).map { render($0, prefix: "") }
            // A NOT between two joined clauses when the group has an odd number of clauses
            // (`a AND NOT x AND b`, `a NOT x OR b`: what follows a prohibited clause leaves
            // it prohibited), else after them all.
            if rendered.count >= 2 && !nots.isEmpty && clauses.count % 2 == 1 {
                let join = musts.isEmpty ? " OR " : " AND "
                let not = nots.map { "NOT " + render($0, prefix: "") }.joined(separator: musts.isEmpty ? " " : join)
                return rendered[0] + (musts.isEmpty ? " " : join) + not + join + rendered.dropFirst().joined(separator: join)
            }
            if !musts.isEmpty {
                parts.append(rendered.joined(separator: musts.count == 1 ? "" : " AND "))
                if musts.count == 1 { parts[0] = "+" + parts[0] }
            } else if !shoulds.isEmpty {
                parts.append(rendered.joined(separator: " OR "))
            }
            for n in nots { parts.append("NOT " + render(n, prefix: "")) }
            return parts.joined(separator: " ")
        }
    }

    static func render(_ clause: QClause, prefix: String) -> String {
        switch clause.node {
        case .word(let w): return prefix + w
        case let .phrase(text, slop): return prefix + "\"" + text + "\"" + (slop > 0 ? "~\(slop)" : "")
        case .prefix(let p): return prefix + p + "*"
        case let .group(inner, style): return prefix + "(" + render(inner, style: style) + ")"
        }
    }

    // MARK: - Generating queries

    struct Generated {
        var text: String
        var clauses: [QClause]
        var requireAll = false
        var kind: String
    }

    /// A single-token word (for places where a multi-term word would be ambiguous).
    static func singleWord(_ rng: inout SeededGenerator) -> String {
        while true {
            let w = Int.random(in: 0..<12, using: &rng) == 0 ? "olifant" : word(&rng)
            if w != "Noord-Korea" && w != "noord-Korea" { return w }
        }
    }

    static func phraseText(_ rng: inout SeededGenerator, docs: [[String]]) -> String {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0, 1:
            // a run of words from a document: usually matches
            let words = docs.randomElement(using: &rng)!
            let length = Int.random(in: 2...4, using: &rng)
            let start = Int.random(in: 0...max(0, words.count - length), using: &rng)
            var run = Array(words[start..<min(words.count, start + length)])
            if Int.random(in: 0..<4, using: &rng) == 0, run.count > 1 { run.swapAt(0, run.count - 1) }
            return run.joined(separator: " ")
        case 2:
            // repeated terms: "de x de", "de de"
            let w = word(&rng), x = word(&rng)
            return Bool.random(using: &rng) ? "\(w) \(x) \(w)" : "\(w) \(w)"
        default:
            return (0..<Int.random(in: 2...3, using: &rng)).map { _ in word(&rng) }.joined(separator: " ")
        }
    }

    static func prefixText(_ rng: inout SeededGenerator) -> String {
        let ascii = vocabulary.filter { $0.unicodeScalars.allSatisfy { $0.isASCII && $0.properties.isAlphabetic } }
        let w = ascii.randomElement(using: &rng)!
        let p = String(w.prefix(Int.random(in: 1...min(4, w.count), using: &rng)))
        return Bool.random(using: &rng) ? p.uppercased() : p.lowercased()
    }

    static func leaf(_ rng: inout SeededGenerator, docs: [[String]], allowMultiTerm: Bool) -> QNode {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0...4: return .word(allowMultiTerm ? word(&rng) : singleWord(&rng))
        case 5...7:
            let slop = Int.random(in: 0..<3, using: &rng) == 0 ? Int.random(in: 1...4, using: &rng) : 0
            return .phrase(phraseText(&rng, docs: docs), slop: slop)
        default: return .prefix(prefixText(&rng))
        }
    }

    static func generate(_ rng: inout SeededGenerator, docs: [[String]]) -> Generated {
        func words(_ n: Int, _ occur: Occur = .should) -> [QClause] {
            (0..<n).map { _ in QClause(occur: occur, node: .word(word(&rng))) }
        }
        switch Int.random(in: 0..<9, using: &rng) {
        case 0:
            let c = [QClause(occur: .should, node: .word(word(&rng)))]
            return Generated(text: render(c, style: .modifiers), clauses: c, kind: "term")
        case 1:
            let c = words(Int.random(in: 2...4, using: &rng))
            return Generated(text: render(c, style: .modifiers), clauses: c, kind: "or")
        case 2:
            // +/- clauses, with any leaf, also multi-term words (→ phrases)
            var c: [QClause] = []
            for _ in 0..<Int.random(in: 1...2, using: &rng) { c.append(QClause(occur: .must, node: leaf(&rng, docs: docs, allowMultiTerm: true))) }
            for _ in 0..<Int.random(in: 0...2, using: &rng) { c.append(QClause(occur: .should, node: leaf(&rng, docs: docs, allowMultiTerm: true))) }
            for _ in 0..<Int.random(in: 0...2, using: &rng) { c.append(QClause(occur: .mustNot, node: leaf(&rng, docs: docs, allowMultiTerm: true))) }
            c.shuffle(using: &rng)
            return Generated(text: render(c, style: .modifiers), clauses: c, kind: "modifiers")
        case 3, 4:
            // AND/OR/NOT with parentheses, nested once
            func group(_ depth: Int) -> QNode {
                var inner: [QClause] = []
                let required = Bool.random(using: &rng)
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let node: QNode = depth < 1 && Int.random(in: 0..<3, using: &rng) == 0 ? group(depth + 1)
                        : leaf(&rng, docs: docs, allowMultiTerm: false)
                    inner.append(QClause(occur: required ? .must : .should, node: node))
                }
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    inner.append(QClause(occur: .mustNot, node: leaf(&rng, docs: docs, allowMultiTerm: false)))
                }
                return .group(inner, style: .operators)
            }
            guard case let .group(top, _) = group(0) else { fatalError() }
            return Generated(text: render(top, style: .operators), clauses: top, kind: "boolean")
        case 5:
            let slop = Bool.random(using: &rng) ? Int.random(in: 1...5, using: &rng) : 0
            var c = [QClause(occur: .should, node: .phrase(phraseText(&rng, docs: docs), slop: slop))]
            if Bool.random(using: &rng) { c += words(1) }
            return Generated(text: render(c, style: .modifiers), clauses: c, kind: "phrase")
        case 6:
            let w = word(&rng), x = word(&rng)
            let text = Bool.random(using: &rng) ? "\(w) \(x) \(w)" : "\(w) \(x) \(x) \(w)"
            let c = [QClause(occur: .should, node: .phrase(text, slop: Int.random(in: 0...3, using: &rng)))]
            return Generated(text: render(c, style: .modifiers), clauses: c, kind: "repeated phrase")
        case 7:
            var c = [QClause(occur: .should, node: .prefix(prefixText(&rng)))]
            if Bool.random(using: &rng) { c += words(Int.random(in: 1...2, using: &rng)) }
            if Bool.random(using: &rng) { c.append(QClause(occur: .mustNot, node: .word(singleWord(&rng)))) }
            return Generated(text: render(c, style: .modifiers), clauses: c, kind: "prefix")
        default:
            // --all: plain clauses become required; only single-term words (a multi-term
            // word under --all is not fixed by the SPEC: two required terms or one phrase)
            var c: [QClause] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) { c.append(QClause(occur: .should, node: leaf(&rng, docs: docs, allowMultiTerm: false))) }
            if Int.random(in: 0..<3, using: &rng) == 0 { c.append(QClause(occur: .mustNot, node: .word(singleWord(&rng)))) }
            return Generated(text: render(c, style: .modifiers), clauses: c, requireAll: true, kind: "all")
        }
    }

    // MARK: - The test

    /// The corpus and queries come from a fixed seed; `SEARCHCTL_RANDOM_SEED=<n>` runs
    /// another one (e.g. `for n in 1 2 3; do SEARCHCTL_RANDOM_SEED=$n swift test --filter
    /// RandomizedSearchTests; done`).
    func testRandomizedQueriesAgainstBruteForce() throws {
        let started = Date()
        let seed = ProcessInfo.processInfo.environment["SEARCHCTL_RANDOM_SEED"].flatMap { UInt64($0) } ?? 0x5EA2C4C7
        var rng = SeededGenerator(seed: seed)
        let corpus = try TemporaryCorpus(name: "randomized")
        defer { corpus.remove() }

        // Run 1: 300 documents.
        var live: [String: String] = [:]
        var nextId = 0
        func add() throws {
            var p = Self.path(nextId, &rng)
            while live[p] != nil { nextId += 1; p = Self.path(nextId, &rng) }
            nextId += 1
            // A few documents without a single word (dl 0) still count in N and avgdl.
            let text = nextId % 97 == 1 ? ["", "… — !!!", "\n\n"][nextId % 3] : Self.documentText(&rng)
            try corpus.write(p, text)
            live[p] = text
        }
        for _ in 0..<300 { try add() }
        try corpus.indexDocuments()

        // Run 2: delete 30, change 40, add 80.
        // Run 3: delete 10, change 15 (some from run 2's segment), add 20.
        for (run, (deletes, changes, adds)) in [(30, 40, 80), (10, 15, 20)].enumerated() {
            let paths = live.keys.sorted()
            var chosen = Array(paths.shuffled(using: &rng).prefix(deletes + changes))
            for p in chosen.prefix(deletes) {
                try corpus.delete(p)
                live[p] = nil
            }
            chosen.removeFirst(deletes)
            for (i, p) in chosen.enumerated() {
                let text = Self.documentText(&rng)
                try corpus.write(p, text, modified: Date(timeIntervalSince1970: 1_600_000_000 + Double(run * 1000 + i)))
                live[p] = text
            }
            for _ in 0..<adds { try add() }
            let summary = try corpus.indexDocuments()
            XCTAssertEqual(summary.removed, deletes, "run \(run + 2)")
            XCTAssertEqual(summary.updated, changes, "run \(run + 2)")
            XCTAssertEqual(summary.added, adds, "run \(run + 2)")
        }

        let snapshot = try corpus.snapshot()
        XCTAssertGreaterThanOrEqual(snapshot.segments.count, 2, "the test needs several segments")
        XCTAssertTrue(snapshot.segments.contains { ($0.deletions?.deletedCount ?? 0) > 0 }, "the test needs deletions")
        let searcher = try Searcher(snapshot: snapshot)
        let model = try Model(texts: live)
        XCTAssertEqual(snapshot.documentCount, model.documents.count, "N")
        XCTAssertEqual(snapshot.tokenCount, model.documents.reduce(0) { $0 + $1.dl }, "sum of dl")

        // Word lists of the live documents, for phrases that match.
        let wordLists: [[String]] = live.keys.sorted().map { path in
            live[path]!.split(whereSeparator: { " ,.;—\n".unicodeScalars.contains($0.unicodeScalars.first!) }).map(String.init)
        }

        // The queries, generated once and run against two indexes.
        var queries: [(Generated, SearchOptions)] = []
        for q in 0..<450 {
            let generated = Self.generate(&rng, docs: wordLists)
            var options = SearchOptions.with(limit: 10, requireAll: generated.requireAll)
            if q % 7 == 3 { options.k1 = Double.random(in: 0.2...2.0, using: &rng); options.b = Double.random(in: 0...1, using: &rng) }
            if q % 5 == 4 { options.offset = Int.random(in: 1...5, using: &rng) }
            if q % 11 == 5 { options.limit = 1000 }
            if q % 13 == 6 { options.explain = true }
            queries.append((generated, options))
        }

        // Exact phrases of common words only (read from their pairs' lists), alone, required
        // or beside another word.
        let common = ["de", "het", "een", "en", "in", "op", "van", "is", "De", "Het"]
        for _ in 0..<60 {
            let text = (0..<Int.random(in: 2...4, using: &rng)).map { _ in common[Int.random(in: 0..<common.count, using: &rng)] }
            var c = [QClause(occur: Bool.random(using: &rng) ? .should : .must, node: .phrase(text.joined(separator: " "), slop: 0))]
            if Bool.random(using: &rng) { c.append(QClause(occur: .should, node: .word(Self.word(&rng)))) }
            queries.append((Generated(text: Self.render(c, style: .modifiers), clauses: c, kind: "common phrase"), SearchOptions.with(limit: 10)))
        }

        let stats = try compare(queries, searcher: searcher, model: model, label: "\(snapshot.segments.count) segments")
        XCTAssertGreaterThan(searcher.pairPhrases, 100, "phrases of common words should read their pairs' lists")
        XCTAssertGreaterThan(stats.compared, 400)
        XCTAssertLessThan(stats.skipped, 30)
        XCTAssertGreaterThan(stats.nonEmpty, stats.compared / 2, "most queries should match something")
        for kind in ["term", "or", "modifiers", "boolean", "phrase", "repeated phrase", "prefix", "all", "common phrase"] {
            XCTAssertGreaterThan(stats.kinds[kind] ?? 0, 20, kind)
        }

        // The same with windows of 8 documents, so that block-max pruning skips some, and
        // every list's blocks learning their best scores, so that later queries prune with
        // them. (And exact phrases checked by merging position lists, not on a bitmap.)
        let small = try Searcher(snapshot: snapshot, windowSize: 8, phraseBitmapLimit: 0, learnedFrom: 1)
        try compare(queries, searcher: small, model: model, label: "windows of 8")
        XCTAssertGreaterThan(small.windowScorer.prunedWindows, 10, "pruning should skip windows")
        XCTAssertGreaterThan(small.windowScorer.learnedBlocks, 0, "blocks should learn their best scores")
        try compare(queries, searcher: small, model: model, label: "windows of 8, again with what was learned")

        // The same with every query's matching shared among threads, each over a part of
        // a segment's documents: two (the second one called in at the query's start; flat
        // groups of terms split at a window boundary, so windows of 8 for a split inside
        // these small segments), and three (flat groups still in two halves).
        for (threads, windowSize) in [(2, 8), (3, WindowScorer.defaultWindowSize)] {
            let shared = try Searcher(snapshot: snapshot, windowSize: windowSize, parallelFrom: (documents: 1, postings: 1))
            let withThreads = queries.map { q -> (Generated, SearchOptions) in
                var options = q.1
                options.threads = threads
                return (q.0, options)
            }
            try compare(withThreads, searcher: shared, model: model, label: "\(threads) threads")
            XCTAssertGreaterThan(shared.sharedMatches, 600, "matching should be shared")
        }

        // The same after merging everything into one segment without deletions.
        _ = try IndexWriter(indexPath: corpus.index.path).mergeAll()
        let merged = try corpus.snapshot()
        XCTAssertEqual(merged.segments.count, 1)
        XCTAssertEqual(merged.documentCount, model.documents.count)
        try compare(Array(queries.prefix(150)), searcher: Searcher(snapshot: merged), model: model, label: "merged")
        try compare(queries, searcher: Searcher(snapshot: merged, windowSize: 8), model: model, label: "merged, windows of 8")

        print("randomized: \(stats.compared) queries compared (\(stats.nonEmpty) with hits), \(stats.skipped) skipped, "
              + "\(snapshot.segments.count) segments, \(model.documents.count) live documents, "
              + String(format: "%.2f s", Date().timeIntervalSince(started)))
    }

    /// A required term far rarer than the others is evaluated by leapfrogging from it
    /// (not window by window): the same results as the brute-force model, with
    /// optional and excluded terms, deletions, and several segments.
    func testRareRequiredTermLeadsTheIntersection() throws {
        var rng = SeededGenerator(seed: 0x1EAF)
        let corpus = try TemporaryCorpus(name: "leapfrog")
        defer { corpus.remove() }
        var live: [String: String] = [:]
        for i in 0..<600 {
            var text = Self.documentText(&rng)
            if i % 50 == 7 { text += " zeldzaam de kat" }
            if i % 97 == 3 { text += " zeldzaam" }
            let p = "doc-\(i).txt"
            try corpus.write(p, text)
            live[p] = text
            if i == 299 { try corpus.indexDocuments() }
        }
        try corpus.indexDocuments()
        // Deletions in the first segment.
        for i in stride(from: 7, to: 300, by: 100) {
            try corpus.delete("doc-\(i).txt")
            live["doc-\(i).txt"] = nil
        }
        try corpus.indexDocuments()
        let snapshot = try corpus.snapshot()
        XCTAssertGreaterThanOrEqual(snapshot.segments.count, 2)
        let model = try Model(texts: live)

        func w(_ occur: Occur, _ word: String) -> QClause { QClause(occur: occur, node: .word(word)) }
        let shapes: [[QClause]] = [
            [w(.must, "zeldzaam"), w(.must, "de")],
            [w(.must, "de"), w(.must, "zeldzaam"), w(.must, "het")],
            [w(.must, "zeldzaam"), w(.should, "kat"), w(.should, "het")],
            [w(.should, "een"), w(.must, "zeldzaam"), w(.mustNot, "kat")],
            [w(.must, "zeldzaam"), w(.must, "de"), w(.mustNot, "hond"), w(.should, "stad")],
        ]
        var queries: [(Generated, SearchOptions)] = []
        for clauses in shapes {
            for (limit, offset) in [(10, 0), (3, 2), (1000, 0), (0, 0)] {
                queries.append((Generated(text: Self.render(clauses, style: .modifiers), clauses: clauses, kind: "leapfrog"),
                                SearchOptions.with(limit: limit, offset: offset)))
            }
        }
        let stats = try compare(queries, searcher: Searcher(snapshot: snapshot), model: model, label: "leapfrog")
        XCTAssertEqual(stats.compared, queries.count)
        XCTAssertGreaterThan(stats.nonEmpty, queries.count / 2)
    }

    /// Words in few documents (a few to a window's 64-bit word, so that their bits are set
    /// one by one), in OR and AND queries evaluated window by window: the same totals and
    /// hits as the brute-force model.
    func testSparseTermsInWindows() throws {
        var rng = SeededGenerator(seed: 0x5BA5)
        let corpus = try TemporaryCorpus(name: "sparse")
        defer { corpus.remove() }
        var live: [String: String] = [:]
        for i in 0..<900 {
            var text = Self.documentText(&rng)
            if i % 29 == 3 { text += " schaars" + (i % 58 == 3 ? " schaars" : "") }
            if i % 41 == 5 { text += " weinig" }
            if i % 23 == 1 || i % 41 == 5 { text += " zelden" }
            let p = "doc-\(i).txt"
            try corpus.write(p, text)
            live[p] = text
        }
        try corpus.indexDocuments()
        let snapshot = try corpus.snapshot()
        let model = try Model(texts: live)
        func w(_ occur: Occur, _ word: String) -> QClause { QClause(occur: occur, node: .word(word)) }
        let shapes: [[QClause]] = [
            [w(.should, "schaars"), w(.should, "weinig")],
            [w(.should, "schaars"), w(.should, "zelden"), w(.should, "weinig")],
            [w(.must, "zelden"), w(.must, "weinig")],
            [w(.must, "schaars"), w(.should, "zelden")],
            [w(.should, "schaars"), w(.should, "de"), w(.mustNot, "weinig")],
        ]
        var queries: [(Generated, SearchOptions)] = []
        for clauses in shapes {
            for (limit, offset) in [(10, 0), (3, 2), (1000, 0), (0, 0)] {
                queries.append((Generated(text: Self.render(clauses, style: .modifiers), clauses: clauses, kind: "sparse"),
                                SearchOptions.with(limit: limit, offset: offset)))
            }
        }
        let stats = try compare(queries, searcher: Searcher(snapshot: snapshot), model: model, label: "sparse")
        XCTAssertEqual(stats.compared, queries.count)
        XCTAssertGreaterThan(stats.nonEmpty, queries.count / 2)
    }

    /// A word in every document, scored alone: its scores crowd together, so its blocks'
    /// corners bound them loosely and the first query decodes most blocks; they learn
    /// their best scores, and the same query again skips more of them, with the same
    /// hits (those of a searcher that learned nothing, and of the brute-force model).
    func testRepeatedTermPrunesWithLearnedBlockMaxima() throws {
        var rng = SeededGenerator(seed: 0xB10C)
        let corpus = try TemporaryCorpus(name: "learned")
        defer { corpus.remove() }
        var live: [String: String] = [:]
        for i in 0..<3000 {
            let tf = Int.random(in: 1...12, using: &rng)
            var words = (0..<Int.random(in: 20...120, using: &rng)).map { _ in Self.word(&rng) }
            for _ in 0..<tf { words.insert("overal", at: Int.random(in: 0...words.count, using: &rng)) }
            let p = "doc-\(i).txt"
            let text = words.joined(separator: " ")
            try corpus.write(p, text)
            live[p] = text
        }
        try corpus.indexDocuments()
        let snapshot = try corpus.snapshot()
        let model = try Model(texts: live)
        let query = [(Generated(text: "overal", clauses: [QClause(occur: .should, node: .word("overal"))], kind: "term"),
                      SearchOptions.with(limit: 2))]
        let searcher = try Searcher(snapshot: snapshot)
        try compare(query, searcher: searcher, model: model, label: "first")
        let first = searcher.windowScorer.prunedWindows
        XCTAssertGreaterThan(searcher.windowScorer.learnedBlocks, 0)
        try compare(query, searcher: searcher, model: model, label: "again")
        let second = searcher.windowScorer.prunedWindows - first
        XCTAssertGreaterThan(second, first, "the learned maxima should prune more blocks")
        let fresh = try Searcher(snapshot: snapshot, windowSize: WindowScorer.defaultWindowSize, learnedFrom: Int.max)
        let a = try searcher.search("overal", options: .with(limit: 2)), b = try fresh.search("overal", options: .with(limit: 2))
        XCTAssertEqual(a.hits.map(\.path), b.hits.map(\.path))
        XCTAssertEqual(a.hits.map(\.score), b.hits.map(\.score))
        XCTAssertEqual(a.total, 3000)
        XCTAssertEqual(fresh.windowScorer.learnedBlocks, 0)
        print("learned maxima: \(first) blocks pruned, then \(second)")
    }

    struct ComparisonStatistics {
        var compared = 0
        var skipped = 0
        var nonEmpty = 0
        var kinds: [String: Int] = [:]
    }

    /// Runs every query on `searcher` and compares with `model`.
    @discardableResult
    func compare(_ queries: [(Generated, SearchOptions)], searcher: Searcher, model: Model, label: String) throws -> ComparisonStatistics {
        var stats = ComparisonStatistics()
        var failures = 0
        for (q, (generated, options)) in queries.enumerated() {
            model.k1 = options.k1
            model.b = options.b
            let planned: [MClause]
            do {
                // An explicit modifier: rendered with +/- (modifiers style) or NOT.
                planned = try model.plan(generated.clauses, requireAll: generated.requireAll) { c in
                    c.occur != .should && !(generated.kind == "boolean" && c.occur == .must)
                }
            } catch is Ambiguous {
                stats.skipped += 1
                continue
            }
            let expected = model.search(planned)
            let result = try searcher.search(generated.text, options: options)
            stats.compared += 1
            stats.kinds[generated.kind, default: 0] += 1
            if !expected.isEmpty { stats.nonEmpty += 1 }
            let name = "[\(label)] query \(q) \(generated.text) (k1 \(options.k1), b \(options.b), offset \(options.offset), all \(options.requireAll))"

            if result.total != expected.count {
                failures += 1
                XCTFail("\(name): total \(result.total), expected \(expected.count)")
                continue
            }
            let window = Array(expected.dropFirst(options.offset).prefix(options.limit))
            if result.hits.count != window.count {
                failures += 1
                XCTFail("\(name): \(result.hits.count) hits, expected \(window.count)")
                continue
            }
            let expectedScore = Dictionary(uniqueKeysWithValues: expected.map { ($0.path, $0.score) })
            let dl = Dictionary(uniqueKeysWithValues: model.documents.map { ($0.path, $0.dl) })
            for (i, hit) in result.hits.enumerated() {
                let want = window[i]
                // The score at this rank, and the score of this very document.
                guard let own = expectedScore[hit.path] else {
                    failures += 1
                    XCTFail("\(name): \(hit.path) should not match")
                    break
                }
                // Bit for bit: BM25 is the SPEC formula evaluated as written, as the model
                // evaluates it, and clause scores are summed in query order by both.
                if hit.score != want.score || hit.score != own {
                    failures += 1
                    XCTFail("\(name): rank \(i + 1) \(hit.path) score \(hit.score), expected \(want.path) \(want.score) (own \(own))")
                    break
                }
                // A different path at this rank is only acceptable between scores that
                // are equal up to rounding (and then the code's own order must hold).
                if hit.path != want.path {
                    failures += 1
                    XCTFail("\(name): rank \(i + 1) is \(hit.path) (\(hit.score)), expected \(want.path) (\(want.score))")
                    break
                }
                if i > 0 {
                    let prev = result.hits[i - 1]
                    let ordered = prev.score > hit.score
                        || (prev.score == hit.score && prev.path.unicodeScalars.lexicographicallyPrecedes(hit.path.unicodeScalars))
                    if !ordered {
                        failures += 1
                        XCTFail("\(name): \(prev.path) (\(prev.score)) before \(hit.path) (\(hit.score))")
                        break
                    }
                }
                XCTAssertEqual(hit.rank, options.offset + i + 1, name)
                if options.explain {
                    // --explain: the clauses' scores add up to the hit's score; lengths are exact.
                    let explanation = hit.explanation ?? []
                    XCTAssertFalse(explanation.isEmpty, "\(name): no explanation")
                    XCTAssertTrue(nearlyEqual(explanation.reduce(0) { $0 + $1.score }, hit.score),
                                  "\(name): explanation of \(hit.path) sums to \(explanation.reduce(0) { $0 + $1.score }), score \(hit.score)")
                    for e in explanation where !e.clause.hasSuffix("*") {
                        XCTAssertEqual(e.dl, dl[hit.path], "\(name): dl in explanation")
                        XCTAssertTrue(nearlyEqual(e.avgdl, model.avgdl), "\(name): avgdl in explanation")
                    }
                } else {
                    XCTAssertNil(hit.explanation, name)
                }
            }
        }
        return stats
    }
}
