import Analysis
import CSIMD
import Dispatch
import IndexFormat
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a search asks for besides the query text.
public struct SearchOptions: Sendable {
    public var limit = 10
    public var offset = 0
    /// Default operator AND (`--all`).
    public var requireAll = false
    public var k1 = BM25.defaultK1
    public var b = BM25.defaultB
    public var explain = false
    public var snippets = true
    /// Threads that share the matching of a costly query (phrases, nested groups) in a
    /// large segment, each over a range of its documents, and the making of the hits'
    /// snippets; 0: one per processor, at most `Searcher.maximumThreads`. The results
    /// are the same for any number.
    public var threads = 0

    public init() {}
}

/// One result.
public struct SearchHit: Sendable {
    public var rank: Int
    public var path: String
    public var score: Double
    public var title: String
    public var snippet: Snippet?
    public var explanation: [ClauseExplanation]?
}

public struct SearchResult: Sendable {
    /// Number of matching live documents (exact).
    public var total: Int
    public var hits: [SearchHit]
}

/// Runs queries against one `IndexSnapshot`: parse (syntax), plan (analysis), then for
/// each segment match and score doc-at-a-time, keeping the best `offset + limit` in a
/// bounded heap ordered by score descending, then path ascending.
public final class Searcher {
    public let snapshot: IndexSnapshot
    let analyzer: Analyzer
    let windowScorer: WindowScorer
    /// Inflates the stored text of hits (titles, snippets).
    let decompressor = Decompressor()

    public convenience init(snapshot: IndexSnapshot) throws(AnalysisError) {
        try self.init(snapshot: snapshot, windowSize: WindowScorer.defaultWindowSize)
    }

    /// Exact phrases are checked on a bitmap of positions below this (else by merging).
    let phraseBitmapLimit: Int
    /// The smallest segment and number of postings for which matching is shared among
    /// threads (`parallelDocuments`, `parallelPostings`; small in tests).
    let parallelFrom: (documents: Int, postings: Int)
    /// Segments whose matching was shared among threads (for tests).
    private(set) var sharedMatches = 0
    /// Phrases (per segment and part) read from their pairs' lists (`PairPhraseScorer`;
    /// for tests; counted on any thread).
    private let pairPhraseCount = Atomic<Int>(0)
    var pairPhrases: Int { pairPhraseCount.load(ordering: .relaxed) }
    /// Hits shown that were made while matching went on (`AheadHits`; for tests), and
    /// whether a query waits, before its matching ends, until the helper has made every
    /// candidate it could (for tests: so that it does).
    private(set) var hitsMadeAhead = 0
    var settlesAhead = false

    /// With windows of `windowSize` documents, phrase bitmaps up to `phraseBitmapLimit`
    /// and blocks' best scores learned from lists of `learnedFrom` blocks: small values
    /// let tests reach pruning, the merging phrase check and learned bounds on a small
    /// corpus.
    init(snapshot: IndexSnapshot, windowSize: Int, phraseBitmapLimit: Int = PhraseScorer.defaultBitmapLimit,
         parallelFrom: (documents: Int, postings: Int) = (Searcher.parallelDocuments, Searcher.parallelPostings),
         learnedFrom: Int = WindowScorer.defaultLearnedFrom) throws(AnalysisError) {
        self.snapshot = snapshot
        analyzer = try Analyzer(forQueries: true)
        windowScorer = WindowScorer(windowSize: windowSize, learnedFrom: learnedFrom)
        self.phraseBitmapLimit = phraseBitmapLimit
        self.parallelFrom = parallelFrom
    }

    /// Parses and plans `query`. - Throws: `QueryError` for a malformed query.
    public func plan(_ query: String, requireAll: Bool) throws -> PlanGroup {
        let clauses = try QueryParser(defaultOperator: requireAll ? .and : .or).parse(query)
        return try QueryPlanner(analyzer: analyzer).plan(clauses)
    }

    public func search(_ query: String, options: SearchOptions) throws -> SearchResult {
        try search(plan: plan(query, requireAll: options.requireAll), options: options)
    }

    public func search(plan: PlanGroup, options: SearchOptions) throws -> SearchResult {
        let bm25 = BM25(k1: options.k1, b: options.b, documentCount: snapshot.documentCount,
                        averageLength: snapshot.averageLength)
        var stats = GlobalStatistics(snapshot: snapshot)
        // Saturating: `--limit` and `--offset` may be anything up to Int.max.
        let (sum, overflow) = max(0, options.offset).addingReportingOverflow(max(0, options.limit))
        let k = overflow ? Int.max : sum
        var heap = TopHits(capacity: k, snapshot: snapshot)
        var total = 0
        let flat = plan.canMatch ? try flatTermClauses(plan, bm25: bm25, stats: &stats) : nil
        let threads = threadCount(options)
        // Per segment: whether its matching is shared among threads.
        var sharing = [Bool](repeating: false, count: snapshot.segments.count)
        if plan.canMatch && threads > 1 {
            for s in snapshot.segments.indices where snapshot.segments[s].reader.documentCount >= parallelFrom.documents {
                sharing[s] = try postings(of: .group(plan), segment: s, stats: &stats) >= parallelFrom.postings
            }
        }
        let highlight = options.snippets && k > 0 ? snippetMaker(for: plan) : nil
        // While this thread matches, a helper makes the snippets of the best candidates so
        // far (see `AheadHits`), unless it shares the matching.
        var ahead: Ahead?
        if let highlight, plan.canMatch, threads > 1, k <= AheadHits.limit, !sharing.contains(true), let tools = helperTools() {
            ahead = Ahead(hits: AheadHits(), infos: try highlightInfos(highlight, segments: Array(snapshot.segments.indices), stats: &stats),
                          tools: [(highlight, decompressor), (highlight.with(analyzer: tools.analyzer), tools.decompressor)])
            heap.ahead = ahead!.hits
        }
        // However the query ends, the helper stops making hits ahead before it returns (and
        // when it has not started yet, it never does: its work is taken back).
        defer {
            if let ahead {
                ahead.hits.close()
                _ = keptHelper?.takeBack()
            }
        }
        // A helper called in now (or the last query's, still waiting) is awake when the
        // snippets are made or costly matching is shared (see `Helper`).
        let helper: Helper?
        if let ahead {
            let box = UncheckedBox((self, ahead))
            helper = callHelper(first: { box.value.0.guess(box.value.1) })
        } else {
            helper = threads > 1 && (highlight != nil || sharing.contains(true)) ? callHelper() : nil
        }
        if plan.canMatch, let flat {
            for (s, segment) in snapshot.segments.enumerated() {
                var clauses: [WindowScorer.Clause] = []
                for c in flat { clauses.append(WindowScorer.Clause(occur: c.occur, info: try stats.info(c.bytes, segment: s), idf: c.idf)) }
                if let helper, sharing[s] {
                    try scoreInHalves(clauses, segment: s, bm25: bm25, helper: helper, heap: &heap, total: &total)
                    continue
                }
                try windowScorer.run(clauses, segment: segment, segmentIndex: s, bm25: bm25, heap: &heap, total: &total)
            }
        } else if plan.canMatch {
            // A lone clause needs no boolean wrapper (its score is the same: 0 + s).
            let node: PlanNode = plan.clauses.count == 1 && plan.clauses[0].occur != .mustNot ? plan.clauses[0].node : .group(plan)
            for s in snapshot.segments.indices {
                if sharing[s] {
                    try matchInParts(threads, node, segment: s, bm25: bm25, stats: &stats, helper: helper, heap: &heap, total: &total)
                    continue
                }
                let scorer = try build(node, segment: s, bm25: bm25, stats: &stats)
                try collect(scorer, segment: s, upTo: PostingsIterator.exhausted, heap: &heap, total: &total)
            }
        }
        let ranked = try heap.sorted()
        let shown = Array(ranked.dropFirst(min(options.offset, ranked.count)))
        var hits: [SearchHit] = []
        if let ahead {
            hits = try decorate(shown, firstRank: options.offset + 1, ahead: ahead)
        } else if let highlight, !shown.isEmpty {
            hits = try decorate(shown, firstRank: options.offset + 1, snippets: highlight, stats: &stats, helper: helper)
        } else {
            for (j, c) in shown.enumerated() {
                let reader = snapshot.segments[c.segment].reader
                // Path and title from one read of the record, where the record holds the title.
                let record = reader.recordsHoldTitles ? try reader.document(Int(c.doc)) : nil
                hits.append(SearchHit(rank: options.offset + j + 1, path: try record?.path ?? reader.path(of: Int(c.doc)), score: c.score,
                                      title: try record?.title ?? reader.title(of: Int(c.doc), decompressor: decompressor)))
            }
        }
        if options.explain {
            for j in shown.indices {
                // Re-run the plan on this one document to collect the per-clause figures.
                let c = shown[j]
                let scorer = try build(.group(plan), segment: c.segment, bm25: bm25, stats: &stats)
                var list: [ClauseExplanation] = []
                if try scorer.advance(to: c.doc) == c.doc { try scorer.explain(into: &list) }
                hits[j].explanation = list
            }
        }
        return SearchResult(total: total, hits: hits)
    }

    /// Offers `scorer`'s live documents below `end` (from its current one on; it has not
    /// started or is on a document already offered) to `heap`, counting them in `total`.
    private func collect(_ scorer: DocScorer, segment s: Int, from start: Int32 = 0, upTo end: Int32,
                         heap: inout TopHits, total: inout Int) throws(IndexError) {
        let segment = snapshot.segments[s]
        var doc = try scorer.advance(to: start)
        while doc < end {
            if segment.isLive(Int(doc)) {
                total += 1
                if heap.capacity > 0 { try heap.insert(Candidate(score: try scorer.score(), segment: s, doc: doc)) }
            }
            doc = try scorer.next()
        }
    }

    /// Matching is shared among threads when it costs more than starting them: in a
    /// segment of at least this many documents, for a query whose terms have this many
    /// postings there in all. (Below it, the helper makes hits ahead instead: on the 100k
    /// mix, 20,000 gave a first-pass p50 of 0.296 ms, 10,000 0.310 and 40,000 0.313.)
    static let parallelDocuments = 16_384
    static let parallelPostings = 20_000
    static let maximumThreads = 2
    /// The processors this process may use (`Processors.available`), read when a query
    /// first asks for the default threads.
    private lazy var processors = Processors.available()

    /// The threads a query may use.
    private func threadCount(_ options: SearchOptions) -> Int {
        options.threads > 0 ? options.threads : min(processors, Self.maximumThreads)
    }

    /// The postings of `node`'s terms in segment `s` (excluded ones left out): what
    /// matching it reads, roughly.
    private func postings(of node: PlanNode, segment s: Int, stats: inout GlobalStatistics) throws(IndexError) -> Int {
        switch node {
        case .term(let t): return try stats.info(t, segment: s)?.documentFrequency ?? 0
        case .phrase(let terms, _, _):
            let segment = snapshot.segments[s].reader
            if let codes = pairCodes(node, segment: segment), let table = segment.commonPairs {
                // Its pairs' lists.
                var sum = 0
                for i in 0..<(codes.count - 1) { sum += table.number(codes[i], codes[i + 1]).map(table.documentFrequency) ?? 0 }
                return sum
            }
            var sum = 0
            for t in terms { sum += try stats.info(t, segment: s)?.documentFrequency ?? 0 }
            return sum
        case .prefix: return 0
        case .group(let g):
            var sum = 0
            for c in g.clauses where c.occur != .mustNot { sum += try postings(of: c.node, segment: s, stats: &stats) }
            return sum
        }
    }

    /// `WindowScorer.run` over segment `s`, its first half of windows on this thread and
    /// the second on `helper`'s (with its own scorer), when it is still waiting.
    private func scoreInHalves(_ clauses: [WindowScorer.Clause], segment s: Int, bm25: BM25, helper: Helper,
                               heap: inout TopHits, total: inout Int) throws(IndexError) {
        sharedMatches += 1
        let segment = snapshot.segments[s]
        let n = Int32(segment.reader.documentCount)
        let window = Int32(windowScorer.windowSize)
        let middle = min(n, (n / 2 + window - 1) / window * window)
        let other = helperWindowScorer ?? WindowScorer(windowSize: windowScorer.windowSize, learnedFrom: windowScorer.learnedFrom)
        helperWindowScorer = other
        let part = Part(start: middle, end: n, heap: TopHits(capacity: heap.capacity, snapshot: snapshot))
        let box = UncheckedBox((other, clauses, segment, bm25, part))
        @Sendable func secondHalf() {
            let (scorer, clauses, segment, bm25, part) = box.value
            do throws(IndexError) {
                try scorer.run(clauses, segment: segment, segmentIndex: s, bm25: bm25, documents: part.start..<part.end,
                               heap: &part.heap, total: &part.total)
            } catch {
                part.failure = error
            }
        }
        let shared = helper.post(secondHalf)
        if !shared {
            try windowScorer.run(clauses, segment: segment, segmentIndex: s, bm25: bm25, heap: &heap, total: &total)
            return
        }
        var failure: IndexError?
        do throws(IndexError) {
            try windowScorer.run(clauses, segment: segment, segmentIndex: s, bm25: bm25, documents: 0..<middle, heap: &heap, total: &total)
        } catch {
            failure = error
        }
        if helper.takeBack() { secondHalf() } else { helper.waitUntilDone() }
        if let failure { throw failure }
        try part.merge(into: &heap, total: &total)
    }

    /// `collect` over `parts` ranges of segment `s`'s documents, each with its own scorer
    /// and heap on a thread of its own; the heaps are then merged into `heap`. The
    /// order of `TopHits` is total, so the best of the parts' best are the best.
    private func matchInParts(_ parts: Int, _ node: PlanNode, segment s: Int, bm25: BM25, stats: inout GlobalStatistics,
                              helper: Helper?, heap: inout TopHits, total: inout Int) throws(IndexError) {
        sharedMatches += 1
        let n = snapshot.segments[s].reader.documentCount
        var scorers: [DocScorer] = []
        var work: [Part] = []
        for p in 0..<parts {
            scorers.append(try build(node, segment: s, bm25: bm25, stats: &stats))
            work.append(Part(start: Int32(n * p / parts), end: p == parts - 1 ? PostingsIterator.exhausted : Int32(n * (p + 1) / parts),
                             heap: TopHits(capacity: heap.capacity, snapshot: snapshot)))
        }
        let box = UncheckedBox((self, scorers, work))
        @Sendable func run(_ p: Int) {
            let (searcher, scorers, work) = box.value
            let part = work[p]
            do throws(IndexError) {
                try searcher.collect(scorers[p], segment: s, from: part.start, upTo: part.end, heap: &part.heap, total: &part.total)
            } catch {
                part.failure = error
            }
        }
        if parts == 2, let helper, helper.post({ run(1) }) {
            run(0)
            if helper.takeBack() { run(1) } else { helper.waitUntilDone() }
        } else {
            DispatchQueue.concurrentPerform(iterations: parts, execute: run)
        }
        for part in work { try part.merge(into: &heap, total: &total) }
    }

    /// One thread's share of a segment's documents: their range, and what it found.
    private final class Part {
        let start: Int32, end: Int32
        var heap: TopHits
        var total = 0
        var failure: IndexError?
        init(start: Int32, end: Int32, heap: TopHits) {
            self.start = start
            self.end = end
            self.heap = heap
        }

        /// Adds what the part found to `heap` and `total`, or throws its failure.
        func merge(into heap: inout TopHits, total: inout Int) throws(IndexError) {
            if let failure { throw failure }
            total += self.total
            for c in try self.heap.sorted() { try heap.insert(c) }
        }
    }

    /// The title (the record's when it has one) and snippet of hit `c`.
    private func titleAndSnippet(_ c: Candidate, _ record: DocumentRecord?, _ highlight: SnippetMaker, _ window: SnippetMaker.Window,
                                 _ decompressor: Decompressor) throws(IndexError) -> (String, Snippet?) {
        let reader = snapshot.segments[c.segment].reader
        let doc = Int(c.doc)
        if let made = try fromPrefix(reader, doc, title: record?.title, highlight: highlight, window: window, decompressor: decompressor) {
            return made
        }
        let stored = try reader.storedDocument(doc, decompressor: decompressor)
        var title = record?.title ?? ""
        if record == nil { title = try reader.title(of: doc, text: stored.text) }
        return (title, highlight.make(utf8: stored.text, complete: true, checkpoints: stored.checkpoints, window: window))
    }

    /// Hits are decorated on two threads from this many on (each hit costs 15–20 µs).
    static let parallelSnippets = 4

    /// The helper thread's window scorer (its own accumulators).
    private var helperWindowScorer: WindowScorer?

    /// The helper of the last query: it waits a while for more work (`Helper.patience`),
    /// so that the next query, when it comes soon, need not wake a thread.
    private var keptHelper: Helper?

    /// A helper for this query: the last one when it is waiting (given `first` to do at
    /// once), else one called in now.
    private func callHelper(first: (@Sendable () -> Void)? = nil) -> Helper {
        if let kept = keptHelper {
            if let first {
                if kept.post(first) { return kept }
            } else if kept.isWaiting {
                return kept
            }
            kept.release()
        }
        let helper = Helper(first: first)
        keptHelper = helper
        return helper
    }

    deinit { keptHelper?.release() }

    /// A second analyzer and decompressor, for the helper thread that decorates hits.
    private var helperToolsMade: (analyzer: Analyzer, decompressor: Decompressor)?

    /// `helperToolsMade`, made on first use; `nil` when no analyzer can be made.
    private func helperTools() -> (analyzer: Analyzer, decompressor: Decompressor)? {
        if helperToolsMade == nil, let analyzer = try? Analyzer(forQueries: true) { helperToolsMade = (analyzer, Decompressor()) }
        return helperToolsMade
    }

    /// The hits of `shown` (ranks from `firstRank`) with their paths, titles and snippets.
    /// Per hit: where the query's terms are in it (from the postings), its record, its
    /// stored text inflated and analyzed. Done on this thread and, from `parallelSnippets`
    /// hits on and when `helper` is still waiting, on the helper's too (an analyzer or a
    /// decompressor is not thread-safe: each has its own), each taking the next hit not yet
    /// taken in (segment, document) order, so that its postings iterators only move forward.
    private func decorate(_ shown: [Candidate], firstRank: Int, snippets: SnippetMaker, stats: inout GlobalStatistics,
                          helper: Helper?) throws(IndexError) -> [SearchHit] {
        let infos = try highlightInfos(snippets, segments: Array(Set(shown.map(\.segment))), stats: &stats)
        let order = Candidate.documentOrder(shown)
        var tools = [(snippets, decompressor)]
        if helper != nil, shown.count >= Self.parallelSnippets, let more = helperTools() {
            tools.append((snippets.with(analyzer: more.analyzer), more.decompressor))
        }
        let results = UnsafeMutableBufferPointer<SearchHit?>.allocate(capacity: shown.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize().deallocate() }
        let failures = UnsafeMutableBufferPointer<IndexError?>.allocate(capacity: tools.count)
        failures.initialize(repeating: nil)
        defer { failures.deinitialize().deallocate() }
        let next = NextIndex()
        let box = UncheckedBox((self, shown, order, infos, tools, results, failures))
        @Sendable func part(_ p: Int) {
            let (searcher, shown, order, infos, tools, results, failures) = box.value
            var hitMaker = HitMaker(tools[p])
            do throws(IndexError) {
                while true {
                    let k = next.take()
                    if k >= order.count { break }
                    let c = shown[order[k]]
                    let made = try searcher.decorated(c, infos: infos, with: &hitMaker)
                    results[order[k]] = SearchHit(rank: firstRank + order[k], path: made.path, score: c.score, title: made.title, snippet: made.snippet)
                }
            } catch {
                failures[p] = error
            }
        }
        let shared = tools.count > 1 && helper!.post { part(1) }
        part(0)
        // Taken back: this thread has made every hit (each thread takes the next one).
        if shared && !helper!.takeBack() { helper!.waitUntilDone() }
        for failure in failures { if let failure { throw failure } }
        return results.map { $0! }
    }

    /// The query terms' entries in `segments` (`stats` is not shared among threads), by
    /// segment (empty for the others).
    private func highlightInfos(_ snippets: SnippetMaker, segments: [Int], stats: inout GlobalStatistics) throws(IndexError) -> [[TermInfo?]] {
        var infos = [[TermInfo?]](repeating: [], count: snapshot.segments.count)
        for s in segments {
            infos[s] = try snippets.terms.map { (term) throws(IndexError) in try stats.info(term, segment: s) }
        }
        return infos
    }

    /// One thread's means to decorate hits: its snippet maker and decompressor (neither is
    /// thread-safe), and the query terms' postings in the segment of its last hit.
    private struct HitMaker {
        let maker: SnippetMaker
        let decompressor: Decompressor
        /// The segment of `iterators` (-1: none yet).
        var segment = -1
        var iterators: [PostingsIterator?] = []
        var positions: [Int32] = []

        init(_ tools: (SnippetMaker, Decompressor)) { (maker, decompressor) = tools }
    }

    /// The path, title and snippet of hit `c`. `m`'s iterators (made anew when `c` is in
    /// another segment) move forward to `c`'s document: a caller gives hits of a segment
    /// in document order, or sets `m.segment` to -1 before each.
    private func decorated(_ c: Candidate, infos: [[TermInfo?]], with m: inout HitMaker) throws(IndexError) -> AheadHits.Made {
        let reader = snapshot.segments[c.segment].reader
        if c.segment != m.segment {
            m.segment = c.segment
            m.iterators = try infos[c.segment].map { (info) throws(IndexError) in try info.map { (i) throws(IndexError) in try reader.postings(i) } }
        }
        let window = SnippetMaker.Window(try matchPositions(of: m.iterators, doc: c.doc, positions: &m.positions),
                                         windowTokens: m.maker.windowTokens)
        // Path and title from one read of the record, where the record holds the title.
        let record = reader.recordsHoldTitles ? try reader.document(Int(c.doc)) : nil
        let (title, snippet) = try titleAndSnippet(c, record, m.maker, window, m.decompressor)
        let path = if let record { record.path } else { try reader.path(of: Int(c.doc)) }
        return AheadHits.Made(path: path, title: title, snippet: snippet)
    }

    /// `decorated` for entry `index` of `ahead`, handed to it (a failure too: it counts
    /// only if the hit is shown).
    private func make(_ index: Int, _ c: Candidate, _ ahead: Ahead, with m: inout HitMaker) {
        do throws(IndexError) {
            ahead.hits.made(index, .success(try decorated(c, infos: ahead.infos, with: &m)))
        } catch {
            ahead.hits.made(index, .failure(error))
        }
    }

    /// What a query decorating ahead shares with its helper.
    private struct Ahead: @unchecked Sendable {
        let hits: AheadHits
        let infos: [[TermInfo?]]
        /// This thread's snippet maker and decompressor, and the helper's.
        let tools: [(SnippetMaker, Decompressor)]
    }

    /// The helper's part while matching goes on: makes the best candidate not yet made
    /// that the top hits still hold, again and again, then shares the hits shown.
    private func guess(_ ahead: Ahead) {
        var hitMaker = HitMaker(ahead.tools[1])
        while true {
            switch ahead.hits.guess() {
            case .over:
                finish(ahead, part: 1)
                return
            case .none:
                continue   // (only when `guess` does not wait)
            case .candidate(let i, let c):
                // Iterators made anew for each: candidates come in no order.
                hitMaker.segment = -1
                make(i, c, ahead, with: &hitMaker)
            }
        }
    }

    /// Once matching is over, on either thread: the hits shown not yet made, each taken by
    /// the first thread to claim it, in (segment, document) order.
    private func finish(_ ahead: Ahead, part: Int) {
        var hitMaker = HitMaker(ahead.tools[part])
        while let (i, c) = ahead.hits.claimNext() { make(i, c, ahead, with: &hitMaker) }
    }

    /// `decorate` for a query whose helper made hits ahead: the hits shown that it has not
    /// made are made by both threads, then all are collected.
    private func decorate(_ shown: [Candidate], firstRank: Int, ahead: Ahead) throws(IndexError) -> [SearchHit] {
        if settlesAhead { ahead.hits.settle() }
        hitsMadeAhead += ahead.hits.matched(shown)
        finish(ahead, part: 0)
        let made = try ahead.hits.collect()
        return shown.indices.map { j in
            SearchHit(rank: firstRank + j, path: made[j].path, score: shown[j].score, title: made[j].title, snippet: made[j].snippet)
        }
    }

    /// The title and snippet of `doc` from a prefix of its stored text, when its
    /// checkpoints show that the snippet lies well before the end of a longer text and the
    /// prefix gives the same snippet and title as the whole text would (`title`, when the
    /// record gave it, is taken as it is); else `nil`.
    private func fromPrefix(_ reader: SegmentReader, _ doc: Int, title known: String?, highlight: SnippetMaker,
                            window: SnippetMaker.Window, decompressor: Decompressor) throws(IndexError) -> (String, Snippet)? {
        guard let outline = try reader.storedOutline(doc), outline.length <= highlight.maximumTextBytes,
              let needed = highlight.textNeeded(checkpoints: outline.checkpoints, window: window),
              needed < outline.length else { return nil }
        let prefix = try reader.storedText(doc, outline: outline, utf16Prefix: needed, decompressor: decompressor)
        let complete = prefix.count == outline.length
        guard let snippet = highlight.make(utf8: prefix, complete: complete, checkpoints: outline.checkpoints, window: window) else { return nil }
        if let known { return (known, snippet) }
        guard let title = DocumentTitle.title(utf8: prefix, complete: complete) else { return nil }
        return (title, snippet)
    }

    /// Where the query's terms occur in `doc`, read from the postings: `iterators` (one
    /// per term, nil for a term the segment lacks) are at or before `doc`, and are left
    /// at or after it.
    /// (`positions`: room kept from call to call.)
    private func matchPositions(of iterators: [PostingsIterator?], doc: Int32,
                                positions: inout [Int32]) throws(IndexError) -> [SnippetMaker.MatchPosition] {
        var result: [SnippetMaker.MatchPosition] = []
        for (i, iterator) in iterators.enumerated() {
            guard let it = iterator, try it.advance(to: doc) == doc else { continue }
            try it.positions(into: &positions)
            result.reserveCapacity(result.count + positions.count)
            for p in positions { result.append(.init(position: p, term: i)) }
        }
        return result
    }

    private struct FlatClause {
        var occur: Occur
        var bytes: [UInt8]
        var idf: Double
    }

    /// When `plan` is a flat group of term clauses (no phrase, prefix or nested group),
    /// its clauses with their idf, for the `WindowScorer`.
    private func flatTermClauses(_ plan: PlanGroup, bm25: BM25, stats: inout GlobalStatistics) throws(IndexError) -> [FlatClause]? {
        var result: [FlatClause] = []
        for c in plan.clauses {
            guard case .term(let bytes) = c.node else { return nil }
            let df = try stats.documentFrequency(bytes)
            result.append(FlatClause(occur: c.occur, bytes: bytes, idf: bm25.idf(documentFrequency: df)))
        }
        return result
    }

    private func snippetMaker(for plan: PlanGroup) -> SnippetMaker {
        var terms = Set<[UInt8]>()
        var prefixes: [[UInt8]] = []
        func collect(_ group: PlanGroup) {
            for c in group.clauses where c.occur != .mustNot {
                switch c.node {
                case .term(let t): terms.insert(t)
                case .phrase(let ts, _, _): for t in ts { terms.insert(t) }
                case .prefix(let p): prefixes.append(p)
                case .group(let g): collect(g)
                }
            }
        }
        collect(plan)
        return SnippetMaker(analyzer: analyzer, terms: Array(terms), prefixes: prefixes)
    }

    /// The codes (`CommonWords`) of the words of `node` when it is an exact phrase of
    /// common words only, side by side, that `segment` has pair lists for
    /// (`PairPhraseScorer`); else `nil`.
    private func pairCodes(_ node: PlanNode, segment: SegmentReader) -> [Int]? {
        guard segment.commonPairs != nil, case let .phrase(terms, positions, slop) = node,
              slop == 0, terms.count >= 2, positions == Array(0..<terms.count) else { return nil }
        let codes = terms.map { segment.commonWordCode($0) }
        return codes.contains(0) ? nil : codes
    }

    /// The scorer of `node` in segment number `index` of the snapshot.
    private func build(_ node: PlanNode, segment index: Int, bm25: BM25, stats: inout GlobalStatistics) throws(IndexError) -> DocScorer {
        let segment = snapshot.segments[index].reader
        switch node {
        case .term(let term):
            let df = try stats.documentFrequency(term)
            guard let info = try stats.info(term, segment: index) else { return EmptyScorer() }
            return TermScorer(postings: try segment.postings(info), bm25: bm25, idf: bm25.idf(documentFrequency: df), df: df,
                              label: node.label)
        case let .phrase(terms, positions, slop):
            var distinct: [[UInt8]] = []
            var slots: [Int] = []
            for t in terms {
                if let i = distinct.firstIndex(of: t) { slots.append(i) } else { slots.append(distinct.count); distinct.append(t) }
            }
            var iterators: [PostingsIterator] = []
            var infos: [TermInfo] = []
            var idf = 0.0
            for t in distinct {
                let df = try stats.documentFrequency(t)
                idf += bm25.idf(documentFrequency: df)
                guard let info = try stats.info(t, segment: index) else { return EmptyScorer() }
                infos.append(info)
            }
            // Common words only, side by side: the lists of their pairs.
            if let codes = pairCodes(node, segment: segment),
               let scorer = try PairPhraseScorer(segment: segment, codes: codes, bm25: bm25, idf: idf, label: node.label) {
                pairPhraseCount.add(1, ordering: .relaxed)
                return scorer
            }
            // A common word is read from the codes instead of its postings when it is far
            // denser than the rarest term (a seek, not a merge, would meet it) or in most
            // documents (its list would rule out few of the others' documents). When all
            // are, the rarest is read from its postings still.
            let rarest = infos.indices.min { infos[$0].documentFrequency < infos[$1].documentFrequency }!
            var codes = zip(distinct, infos).map { t, info in
                let df = info.documentFrequency
                return df > PhraseScorer.mergeDensityRatio * infos[rarest].documentFrequency || 5 * df >= 4 * segment.documentCount
                    ? segment.commonWordCode(t) : 0
            }
            if slop == 0 && codes.contains(where: { $0 > 0 }) {
                if codes.allSatisfy({ $0 > 0 }) { codes[rarest] = 0 }
                var terms: [(postings: PostingsIterator?, df: Int, code: Int)] = []
                for (i, info) in infos.enumerated() {
                    let postings = codes[i] == 0 ? try segment.postings(info) : nil
                    postings?.prefetchesPositions = true
                    terms.append((postings, info.documentFrequency, codes[i]))
                }
                return CommonWordPhraseScorer(segment: segment, terms: terms, slots: slots, relative: positions,
                                              bm25: bm25, idf: idf, label: node.label)
            }
            for info in infos {
                let postings = try segment.postings(info)
                postings.prefetchesPositions = true
                iterators.append(postings)
            }
            // Rare terms first: they drive the leapfrog.
            let order = iterators.indices.sorted { iterators[$0].info.documentFrequency < iterators[$1].info.documentFrequency }
            var remap = [Int](repeating: 0, count: iterators.count)
            for (newIndex, oldIndex) in order.enumerated() { remap[oldIndex] = newIndex }
            return PhraseScorer(iterators: order.map { iterators[$0] }, slots: slots.map { remap[$0] }, relative: positions,
                                slop: slop, bm25: bm25, idf: idf, df: 0, label: node.label, bitmapLimit: phraseBitmapLimit)
        case .prefix(let prefix):
            let terms = try segment.terms(withPrefix: prefix).map(\.1)
            if terms.isEmpty { return EmptyScorer() }
            return try PrefixScorer(segment: segment, terms: terms, label: node.label)
        case .group(let group):
            var clauses: [(occur: Occur, scorer: DocScorer)] = []
            for c in group.clauses {
                clauses.append((c.occur, try build(c.node, segment: index, bm25: bm25, stats: &stats)))
            }
            return BooleanScorer(clauses: clauses)
        }
    }
}

extension PlanNode {
    /// How a clause is named in `--explain`.
    var label: String {
        switch self {
        case .term(let t): return String(decoding: t, as: UTF8.self)
        case let .phrase(terms, _, slop):
            return "\"" + terms.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ") + "\"" + (slop > 0 ? "~\(slop)" : "")
        case .prefix(let p): return String(decoding: p, as: UTF8.self) + "*"
        case .group(let g): return "(" + g.description + ")"
        }
    }
}

/// Live document frequencies over all segments, computed once per term and query.
struct GlobalStatistics {
    let snapshot: IndexSnapshot
    private var cache: [TermKey: Int] = [:]
    /// Per term, its dictionary entry in each segment (`nil`: absent there), looked up
    /// once per query for its df, its scorer and its snippets' positions.
    private var infos: [TermKey: [TermInfo?]] = [:]

    /// A term as a dictionary key hashed as one run of bytes (an array of bytes is
    /// hashed a byte at a time).
    private struct TermKey: Hashable {
        let bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }

    init(snapshot: IndexSnapshot) { self.snapshot = snapshot }

    /// `term`'s dictionary entry in segment `segment` of the snapshot, or `nil`.
    mutating func info(_ term: [UInt8], segment: Int) throws(IndexError) -> TermInfo? {
        try infos(term)[segment]
    }

    private mutating func infos(_ term: [UInt8]) throws(IndexError) -> [TermInfo?] {
        let key = TermKey(term)
        if let known = infos[key] { return known }
        let found = try term.withUnsafeBufferPointer { (b) throws(IndexError) -> [TermInfo?] in
            try snapshot.segments.map { (segment) throws(IndexError) in try segment.reader.lookup(b) }
        }
        infos[key] = found
        return found
    }

    /// `df(t)`: live documents containing `term`. Exact: postings in segments with
    /// deletions are counted document by document.
    mutating func documentFrequency(_ term: [UInt8]) throws(IndexError) -> Int {
        if let df = cache[TermKey(term)] { return df }
        var df = 0
        for (segment, info) in zip(snapshot.segments, try infos(term)) {
            guard let info else { continue }
            if segment.deletions == nil || segment.info.deletedCount == 0 {
                df += info.documentFrequency
            } else {
                let it = try segment.reader.postings(info)
                while try it.next() != PostingsIterator.exhausted { if segment.isLive(Int(it.doc)) { df += 1 } }
            }
        }
        cache[TermKey(term)] = df
        return df
    }
}

struct Candidate {
    var score: Double
    var segment: Int
    var doc: Int32

    /// The segment and document, as one number.
    var key: Int64 { Int64(segment) << 32 | Int64(doc) }

    /// The indices of `candidates` in (segment, document) order.
    static func documentOrder(_ candidates: [Candidate]) -> [Int] {
        candidates.indices.sorted { (candidates[$0].segment, candidates[$0].doc) < (candidates[$1].segment, candidates[$1].doc) }
    }
}

/// The best `capacity` candidates: a binary heap whose root is the worst kept one.
/// Order: score descending, then path ascending (code point order). Within a segment
/// documents are in path order, so paths are read only to break ties across segments.
struct TopHits {
    let capacity: Int
    let snapshot: IndexSnapshot
    private var heap: [Candidate] = []
    private var paths: [Int64: [UInt8]] = [:]
    /// Told of each candidate that enters, when hits are decorated ahead.
    var ahead: AheadHits?

    init(capacity: Int, snapshot: IndexSnapshot) {
        self.capacity = capacity
        self.snapshot = snapshot
        heap.reserveCapacity(min(capacity, 1 << 16))
    }

    private mutating func path(_ c: Candidate) throws(IndexError) -> [UInt8] {
        let key = c.key
        if let p = paths[key] { return p }
        let p = Array(try snapshot.segments[c.segment].reader.path(of: Int(c.doc)).utf8)
        paths[key] = p
        return p
    }

    /// True when `a` ranks before `b`.
    private mutating func better(_ a: Candidate, _ b: Candidate) throws(IndexError) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.segment == b.segment { return a.doc < b.doc }
        return try path(a).lexicographicallyPrecedes(try path(b))
    }

    /// The lowest score kept once the heap is full: a candidate scoring below it cannot
    /// enter. `nil` while there is room.
    var threshold: Double? { capacity > 0 && heap.count == capacity ? heap[0].score : nil }

    mutating func insert(_ c: Candidate) throws(IndexError) {
        if capacity == 0 { return }
        if heap.count < capacity {
            heap.append(c)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                if try better(heap[parent], heap[i]) { heap.swapAt(parent, i); i = parent } else { break }
            }
            ahead?.offer(c, floor: threshold)
            return
        }
        if c.score < heap[0].score { return }
        guard try better(c, heap[0]) else { return }
        heap[0] = c
        var i = 0
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var worst = i
            if l < heap.count, try better(heap[worst], heap[l]) { worst = l }
            if r < heap.count, try better(heap[worst], heap[r]) { worst = r }
            if worst == i { break }
            heap.swapAt(i, worst)
            i = worst
        }
        ahead?.offer(c, floor: threshold)
    }

    /// The kept candidates, best first.
    mutating func sorted() throws(IndexError) -> [Candidate] {
        var result = heap
        var failure: IndexError?
        result.sort { a, b in
            do throws(IndexError) { return try better(a, b) } catch { failure = error; return false }
        }
        if let failure { throw failure }
        return result
    }
}

/// Hands values to the threads of `DispatchQueue.concurrentPerform` and to a `Helper`;
/// each thread uses its own elements only, and the caller waits for them.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Hands out 0, 1, 2, … to the threads that ask, each number once.
private final class NextIndex: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}

/// A thread of the shared pool called in at the start of a query and kept spinning
/// (up to `patience` at a time) until the query gives it work or lets it go: a pool
/// thread takes about 55 µs to wake on the machine measured, a third of the time the
/// snippets of ten hits take, so one woken only when they are due would join late.
final class Helper: @unchecked Sendable {
    private enum State: Int { case waiting, posted, running, released, gone }
    private let state = Atomic<Int>(State.waiting.rawValue)
    /// Written before `state` becomes `posted`, read after it is seen so.
    private var work: (@Sendable () -> Void)?
    /// Set by `release`: the query needs it no more, even if it is still working then.
    private let letGo = Atomic<Bool>(false)
    static let patience: UInt64 = 3_000_000   // ns

    /// With `first`: the work it does as soon as it runs (the query does not wait for it
    /// to start).
    init(first: (@Sendable () -> Void)? = nil) {
        if let first {
            work = first
            state.store(State.posted.rawValue, ordering: .relaxed)
        }
        DispatchQueue.global(qos: .userInitiated).async { self.serve() }
    }

    private func serve() {
        var since = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        var wait = SpinWait()
        while true {
            switch State(rawValue: state.load(ordering: .acquiring)) {
            case .posted:
                // A CAS: the query may take the work back (`takeBack`) at the same time.
                guard state.compareExchange(expected: State.posted.rawValue, desired: State.running.rawValue,
                                            ordering: .acquiringAndReleasing).exchanged else { continue }
                work?()
                work = nil
                state.store(State.waiting.rawValue, ordering: .releasing)
                since = DispatchTime.now().uptimeNanoseconds
                wait = SpinWait()
            case .waiting:
                if letGo.load(ordering: .relaxed),
                   state.compareExchange(expected: State.waiting.rawValue, desired: State.gone.rawValue, ordering: .acquiringAndReleasing).exchanged {
                    return
                }
                spins &+= 1
                if spins & 63 == 0 && DispatchTime.now().uptimeNanoseconds - since > Self.patience,
                   state.compareExchange(expected: State.waiting.rawValue, desired: State.gone.rawValue, ordering: .acquiringAndReleasing).exchanged {
                    return
                }
                wait.pause()
            default:
                return
            }
        }
    }

    /// Whether it is waiting for work (it may give up before `post`).
    var isWaiting: Bool { state.load(ordering: .acquiring) == State.waiting.rawValue }

    /// Has the helper run `work` when it is waiting (true), else does nothing (false).
    func post(_ work: @escaping @Sendable () -> Void) -> Bool {
        guard state.load(ordering: .acquiring) == State.waiting.rawValue else { return false }
        self.work = work
        return state.compareExchange(expected: State.waiting.rawValue, desired: State.posted.rawValue, ordering: .acquiringAndReleasing).exchanged
    }

    /// Takes back work posted that the helper has not started (true; the caller then does
    /// it, or does without it), else false (it has started: `waitUntilDone`). A helper
    /// thread may start late (the pool had none awake, the processors are busy): the query
    /// does not wait for it to start.
    func takeBack() -> Bool {
        guard state.compareExchange(expected: State.posted.rawValue, desired: State.waiting.rawValue,
                                    ordering: .acquiringAndReleasing).exchanged else { return false }
        work = nil
        return true
    }

    /// After a `post` that returned true: until the work is done.
    func waitUntilDone() {
        var wait = SpinWait()
        while true {
            let s = state.load(ordering: .acquiring)
            if s != State.posted.rawValue && s != State.running.rawValue { return }
            wait.pause()
        }
    }

    /// Lets the helper go (when it is working, once its work is done).
    func release() {
        letGo.store(true, ordering: .relaxed)
        _ = state.compareExchange(expected: State.waiting.rawValue, desired: State.released.rawValue, ordering: .acquiringAndReleasing)
    }
}
