import CSIMD
import IndexFormat

/// Evaluates a flat group of term clauses in one segment, window by window over the
/// document ids, with block-max pruning and an exact count.
///
/// For each window of `windowSize` documents:
/// 1. An upper bound of any document's score in the window is summed from the skip
///    data of the blocks overlapping it (`PostingsIterator.maxScore(ofBlock:_:)`: the
///    corners of each block's `BlockImpacts`, or its largest tf with its smallest length).
///    When the top-k heap is full and the bound is below its lowest score, nothing in
///    the window can enter the results: it is only counted, and when the count is
///    known without reading (a single term in a segment without deletions) its blocks
///    are not even decoded.
/// 2. Otherwise the window's matching documents are found as bitmaps (required
///    clauses first, rarest first, stopping as soon as none is left; then optional
///    ones; then exclusions), and the postings of the scoring clauses are added into a
///    per-window accumulator in query order — so each document's sum is formed in the
///    same order as doc-at-a-time evaluation does. The quotients are formed four at a
///    time (`csimd_add_scores`, the same bits as one at a time), for every posting of a
///    clause unless few of its documents are candidates.
///
/// The count stays exact: every window holding a match is counted.
final class WindowScorer {
    static let defaultWindowSize = 1024
    /// A clause with fewer than 1/`sparseRatio` of its window's postings among the
    /// candidates is scored at those only (found by rank), the others four at a time.
    static let sparseRatio = 4
    let windowSize: Int
    private let windowWords: Int
    /// Terms with this many blocks or more learn their blocks' best scores
    /// (`defaultLearnedFrom`; small in tests).
    let learnedFrom: Int

    /// Windows (and single-term blocks) whose bound kept them from being scored (for
    /// tests and tuning).
    private(set) var prunedWindows = 0

    /// Blocks whose best score was learned, over all segments (for tests).
    var learnedBlocks: Int {
        lengthFactorCache.values.reduce(0) { sum, f in sum + f.blockMaxima.values.reduce(0) { $0 + $1.maxima.filter { !$0.isNaN }.count } }
    }

    private let accumulator: UnsafeMutablePointer<Double>
    private let candidates: UnsafeMutablePointer<UInt64>

    init(windowSize: Int = WindowScorer.defaultWindowSize, learnedFrom: Int = WindowScorer.defaultLearnedFrom) {
        precondition(windowSize > 0)
        self.windowSize = windowSize
        self.learnedFrom = learnedFrom
        windowWords = (windowSize + 63) / 64
        accumulator = .allocate(capacity: windowSize)
        accumulator.initialize(repeating: 0, count: windowSize)
        candidates = .allocate(capacity: windowWords)
        candidates.initialize(repeating: 0, count: windowWords)
    }

    deinit {
        accumulator.deallocate()
        candidates.deallocate()
    }

    struct Clause {
        var occur: Occur
        var info: TermInfo?
        var idf: Double
    }

    /// Per segment and BM25 parameters: K(dl) = k1·(1 − b + b·dl/avgdl) per document,
    /// filled in as documents are met (NaN until then), and per window whether all of
    /// its documents' factors are.
    private final class LengthFactors {
        let key: (k1: Double, b: Double, avgdl: Double)
        let values: UnsafeMutableBufferPointer<Double>
        let windowsFilled: UnsafeMutableBufferPointer<Bool>
        /// Per term (by its postings offset) whose blocks learn their best scores
        /// (`Cursor.learned`), the best BM25 score of each block decoded so far (NaN: not
        /// yet), with the idf it was scored with.
        var blockMaxima: [Int: (idf: Double, maxima: UnsafeMutableBufferPointer<Double>)] = [:]
        /// Room for blocks taken in `blockMaxima`, kept under `learnedLimit`.
        var blocksHeld = 0
        init(key: (Double, Double, Double), count: Int, windowSize: Int) {
            self.key = key
            values = .allocate(capacity: max(count, 1))
            values.initialize(repeating: .nan)
            windowsFilled = .allocate(capacity: max((count + windowSize - 1) / windowSize, 1))
            windowsFilled.initialize(repeating: false)
        }
        deinit {
            values.deallocate()
            windowsFilled.deallocate()
            for (_, entry) in blockMaxima { entry.maxima.deallocate() }
        }

        /// The best scores of `info`'s blocks learned so far (scored with `idf`), room
        /// for them made on first use; nil for a short list, or when the room for all is
        /// spent.
        func maxima(of info: TermInfo, blocks: Int, idf: Double, from: Int) -> UnsafeMutableBufferPointer<Double>? {
            guard blocks >= from else { return nil }
            if let entry = blockMaxima[info.postingsOffset] { return entry.idf == idf ? entry.maxima : nil }
            guard blocksHeld + blocks <= WindowScorer.learnedLimit else { return nil }
            let maxima = UnsafeMutableBufferPointer<Double>.allocate(capacity: blocks)
            maxima.initialize(repeating: .nan)
            blockMaxima[info.postingsOffset] = (idf, maxima)
            blocksHeld += blocks
            return maxima
        }
    }

    /// A term scored alone, or in a quarter of the documents or more, learns the best score
    /// of each block it decodes, so that the next query of it bounds that block exactly:
    /// the corners a block's skip data keeps (`BlockImpacts`) bound it loosely where
    /// scores crowd together, as those of a word in nearly every document do ("het": 751
    /// of its 781 blocks decoded for the top 10, 9 of them holding one), and such words
    /// come back query after query. From lists of this many blocks, up to `learnedLimit`
    /// blocks per segment and BM25 parameters (8 bytes each: 2 MB; the 100k generated
    /// corpus's 2,556 lists of 8 blocks or more hold 94,617 blocks).
    static let defaultLearnedFrom = 8
    static let learnedLimit = 1 << 18
    /// Keyed by reader identity: the readers belong to the `Searcher`'s snapshot, which
    /// outlives this object, so an identifier is never reused for another segment.
    private var lengthFactorCache: [ObjectIdentifier: LengthFactors] = [:]

    private func lengthFactors(for reader: SegmentReader, bm25: BM25) -> LengthFactors {
        let id = ObjectIdentifier(reader)
        let key = (bm25.k1, bm25.b, bm25.averageLength)
        if let cached = lengthFactorCache[id], cached.key == key { return cached }
        let fresh = LengthFactors(key: key, count: reader.documentCount, windowSize: windowSize)
        lengthFactorCache[id] = fresh
        return fresh
    }

    /// One clause's postings, read window by window.
    private final class Cursor {
        let postings: PostingsIterator
        let occur: Occur
        let idf: Double
        let blockTotal: Int
        /// The first block not yet read to its end.
        var block = 0
        /// The block decoded in `postings` (-1: none), its size and the next entry in it.
        var loaded = -1
        var loadedCount = 0
        var position = 0
        /// The current window's postings and their documents as a bitmap.
        let documents: UnsafeMutablePointer<UInt32>
        let frequencies: UnsafeMutablePointer<UInt32>
        let bits: UnsafeMutablePointer<UInt64>
        var count = 0
        /// The bound of the current window (set when the heap is full).
        var windowBound = 0.0
        /// The best score of each of its blocks, learned as blocks are scored
        /// (`LengthFactors.maxima`; a term scored alone, or in most documents, as the
        /// words that come back in query after query are), with what computes it.
        var learned: UnsafeMutableBufferPointer<Double>?
        var scorer: PostingScorer?

        let words: Int

        init(postings: PostingsIterator, occur: Occur, idf: Double, windowSize: Int) {
            self.postings = postings
            words = (windowSize + 63) / 64
            self.occur = occur
            self.idf = idf
            blockTotal = postings.blockTotal
            documents = .allocate(capacity: windowSize)
            frequencies = .allocate(capacity: windowSize)
            bits = .allocate(capacity: (windowSize + 63) / 64)
        }

        deinit {
            documents.deallocate()
            frequencies.deallocate()
            bits.deallocate()
        }

        /// Reads the postings in `[start, end)`: blocks wholly before `start` are passed
        /// over without decoding.
        /// Without `frequencies` (a window that is only counted) the blocks' frequencies
        /// are left packed and `frequencies` is not filled.
        func fill(_ start: Int32, _ end: Int32, frequencies wanted: Bool) throws(IndexError) {
            bits.update(repeating: 0, count: words)
            count = 0
            while block < blockTotal {
                if loaded != block {
                    if postings.lastDocument(ofBlock: block) < start { block += 1; continue }
                    loadedCount = try postings.loadBlock(block)
                    loaded = block
                    position = 0
                }
                let docs = postings.blockDocuments
                if wanted, let learned, let scorer, learned[block].isNaN {
                    learned[block] = scorer.best(documents: docs, frequencies: postings.blockFrequencies, count: loadedCount, idf: idf)
                }
                var p = position
                while p < loadedCount && Int32(bitPattern: docs[p]) < start { p += 1 }
                // The block's entries in the window: [p, q).
                var q = loadedCount
                if postings.lastDocument(ofBlock: block) >= end {
                    // The first entry at or past `end`: a search without branches on
                    // the comparisons (the block's documents increase).
                    var lo = p
                    var n = loadedCount - p
                    while n > 1 {
                        let half = n >> 1
                        lo = Int32(bitPattern: docs[lo &+ half &- 1]) < end ? lo &+ half : lo
                        n &-= half
                    }
                    q = n == 1 && Int32(bitPattern: docs[lo]) < end ? lo &+ 1 : lo
                }
                if p < q {
                    let base = UInt32(bitPattern: start)
                    if wanted {
                        (documents + count).update(from: docs + p, count: q - p)
                        (frequencies + count).update(from: postings.blockFrequencies + p, count: q - p)
                    }
                    count += q - p
                    let first = Int(docs[p] &- base)
                    let last = Int(docs[q - 1] &- base)
                    if last - first == q - p - 1 {
                        // Consecutive documents: their bits as a range.
                        setBits(first, last)
                    } else if last - first >= 16 * (q - p) {
                        // Sparse (a few to a 64-bit word): each bit set in memory, without
                        // a branch per document on whether its word is the last one's.
                        for i in p..<q {
                            let offset = Int(docs[i] &- base)
                            bits[offset >> 6] |= 1 << UInt64(offset & 63)
                        }
                    } else {
                        // The bits of one 64-bit word gathered in a register, eight
                        // documents at a time while they fall in one word.
                        csimd_set_bits(docs + p, Int32(q - p), base, bits)
                    }
                }
                position = q
                if q == loadedCount { block += 1; continue }
                break
            }
        }

        /// Sets the bits of offsets `first...last`.
        @inline(__always)
        private func setBits(_ first: Int, _ last: Int) {
            let w0 = first >> 6, w1 = last >> 6
            let low = UInt64.max << UInt64(first & 63)
            let high = UInt64.max >> UInt64(63 - (last & 63))
            if w0 == w1 {
                bits[w0] |= low & high
                return
            }
            bits[w0] |= low
            for w in (w0 + 1)..<w1 { bits[w] = .max }
            bits[w1] |= high
        }

        /// An upper bound of this clause's score in any document of `[start, end)`
        /// (0 when none of its blocks overlaps the window).
        func bound(_ start: Int32, _ end: Int32, bm25: BM25) -> Double {
            var best = 0.0
            var b = block
            while b < blockTotal {
                if postings.firstPossibleDocument(ofBlock: b) >= end { break }
                let last = postings.lastDocument(ofBlock: b)
                if last >= start {
                    var v = postings.maxScore(ofBlock: b) { bm25.score(idf: idf, tf: $0, length: $1) }
                    if let learned, learned[b] < v { v = learned[b] }   // (false for NaN)
                    best = max(best, v)
                }
                if last >= end - 1 { break }
                b += 1
            }
            return best
        }
    }

    /// Runs `clauses` over segment number `segmentIndex`, adding its matching live
    /// documents to `total` and offering them to `heap`.
    /// `documents`: only those in this range (a window boundary for its bounds), for a
    /// part of a segment shared among threads; the single term's df, when it is the
    /// count, is added by the part that starts at 0.
    func run(_ clauses: [Clause], segment: LiveSegment, segmentIndex: Int, bm25: BM25,
             documents: Range<Int32>? = nil, heap: inout TopHits, total: inout Int) throws(IndexError) {
        let reader = segment.reader
        let n = reader.documentCount
        if n == 0 { return }
        let range = documents ?? 0..<Int32(n)
        precondition(range.lowerBound % Int32(windowSize) == 0 || range.lowerBound == Int32(n))
        if range.isEmpty { return }
        if clauses.contains(where: { $0.occur == .must && $0.info == nil }) { return }
        var scoring: [Cursor] = []
        var musts: [Cursor] = []
        var exclusions: [Cursor] = []
        for c in clauses {
            guard let info = c.info else { continue }
            let cursor = Cursor(postings: try reader.postings(info), occur: c.occur, idf: c.idf, windowSize: windowSize)
            switch c.occur {
            case .must: musts.append(cursor); scoring.append(cursor)
            case .should: scoring.append(cursor)
            case .mustNot: exclusions.append(cursor)
            }
        }
        if scoring.isEmpty { return }
        if heap.capacity > 0 && bm25.k1 >= 0 && bm25.b >= 0 && bm25.b <= 1 {
            let factors = lengthFactors(for: reader, bm25: bm25)
            for c in scoring where scoring.count == 1 || c.postings.info.documentFrequency >= n / 4 {
                c.learned = factors.maxima(of: c.postings.info, blocks: c.blockTotal, idf: c.idf, from: learnedFrom)
                c.scorer = PostingScorer(bm25: bm25, lengths: reader.lengthTable, lengthFactors: factors.values)
            }
        }
        musts.sort { $0.postings.info.documentFrequency < $1.postings.info.documentFrequency }
        let shoulds = scoring.filter { $0.occur == .should }
        let noDeletions = segment.deletions == nil || segment.info.deletedCount == 0
        // One term, nothing excluded, nothing deleted: the count is its df.
        let countKnown = noDeletions && scoring.count == 1 && exclusions.isEmpty
        if countKnown && range.lowerBound == 0 { total += scoring[0].postings.info.documentFrequency }
        // The bound needs BM25 to grow with tf and shrink with dl: k1 ≥ 0, 0 ≤ b ≤ 1.
        let canPrune = bm25.k1 >= 0 && bm25.b >= 0 && bm25.b <= 1
        // A required term much rarer than the rest: leapfrogging from it skips most of
        // the other lists' blocks, where windows would decode them all.
        if let rarest = musts.first {
            let others = scoring.reduce(0) { $0 + $1.postings.info.documentFrequency }
            if rarest.postings.info.documentFrequency * 8 < others {
                try conjunction(lead: rarest, scoring: scoring, musts: musts, exclusions: exclusions, segment: segment,
                                segmentIndex: segmentIndex, bm25: bm25, range: range, heap: &heap, total: &total)
                return
            }
        }
        do {
            if scoring.count == 1 && exclusions.isEmpty {
                try single(scoring[0], segment: segment, segmentIndex: segmentIndex, bm25: bm25,
                           noDeletions: noDeletions, canPrune: canPrune, range: range, heap: &heap, total: &total)
                return
            }
            try windows(range: range, scoring: scoring, musts: musts, shoulds: shoulds, exclusions: exclusions,
                        segment: segment, segmentIndex: segmentIndex, bm25: bm25, countKnown: countKnown,
                        noDeletions: noDeletions, canPrune: canPrune, heap: &heap, total: &total)
        } catch {
            // Leave no partial sums behind for the next query.
            accumulator.update(repeating: 0, count: windowSize)
            throw error
        }
    }

    /// Documents holding every required term, found by leapfrogging from the rarest
    /// (`lead`): each other list jumps through its skip table to the candidate. Scores
    /// are summed in query order with `BM25.score`, as the doc-at-a-time scorers do.
    private func conjunction(lead: Cursor, scoring: [Cursor], musts: [Cursor], exclusions: [Cursor], segment: LiveSegment,
                             segmentIndex: Int, bm25: BM25, range: Range<Int32>, heap: inout TopHits, total: inout Int) throws(IndexError) {
        // Unretained: the cursors keep the iterators alive.
        let others = musts.dropFirst().map { Unmanaged.passUnretained($0.postings) }
        let excluded = exclusions.map { Unmanaged.passUnretained($0.postings) }
        let clauses = scoring.map { (postings: Unmanaged.passUnretained($0.postings), idf: $0.idf) }
        let first = Unmanaged.passUnretained(lead.postings)
        let reader = segment.reader
        let collecting = heap.capacity > 0
        var floor = heap.threshold ?? -Double.infinity
        var candidate = try first.advance(to: range.lowerBound)
        while candidate < range.upperBound {
            var agreed = true
            for o in others {
                let d = try o.advance(to: candidate)
                if d != candidate {
                    agreed = false
                    candidate = d == PostingsIterator.exhausted ? d : try first.advance(to: d)
                    break
                }
            }
            if !agreed { continue }
            let doc = candidate
            try offer(doc)
            candidate = try first.advance(to: doc + 1)
        }

        func offer(_ doc: Int32) throws(IndexError) {
            for x in excluded where try x.advance(to: doc) == doc { return }
            if !segment.isLive(Int(doc)) { return }
            total += 1
            if !collecting { return }
            let length = reader.length(of: Int(doc))
            var score = 0.0
            for c in clauses where try c.postings.advance(to: doc) == doc {
                score += bm25.score(idf: c.idf, tf: c.postings.frequency, length: length)
            }
            if score < floor { return }
            try heap.insert(Candidate(score: score, segment: segmentIndex, doc: doc))
            floor = heap.threshold ?? -Double.infinity
        }
    }

    /// One term: block by block, each block's bound from its skip entry against the
    /// heap's lowest score; the postings of a block that may compete go straight into
    /// the heap. In a segment without deletions the count is the term's df (added by
    /// the caller) and a block that cannot compete is not even decoded.
    private func single(_ c: Cursor, segment: LiveSegment, segmentIndex: Int, bm25: BM25,
                        noDeletions: Bool, canPrune: Bool, range: Range<Int32>, heap: inout TopHits, total: inout Int) throws(IndexError) {
        let it = c.postings
        let reader = segment.reader
        let factors = lengthFactors(for: reader, bm25: bm25)
        let scorer = PostingScorer(bm25: bm25, lengths: reader.lengthTable, lengthFactors: factors.values)
        let idf = c.idf
        let collecting = heap.capacity > 0
        var floor = heap.threshold ?? -Double.infinity
        let learned = c.learned
        for b in 0..<c.blockTotal {
            if it.lastDocument(ofBlock: b) < range.lowerBound { continue }
            if it.firstPossibleDocument(ofBlock: b) >= range.upperBound { break }
            // A block across the range's bounds: only its documents inside.
            let within = it.firstPossibleDocument(ofBlock: b) >= range.lowerBound && it.lastDocument(ofBlock: b) < range.upperBound
            var competitive = collecting
            if competitive && canPrune && floor > -Double.infinity {
                var bound = it.maxScore(ofBlock: b) { bm25.score(idf: idf, tf: $0, length: $1) }
                if let learned, learned[b] < bound { bound = learned[b] }   // (false for NaN)
                if bound * (1 + 1e-9) < floor {
                    competitive = false
                    prunedWindows += 1
                }
            }
            if !competitive && noDeletions { continue }
            let n = try it.loadBlock(b)
            let docs = it.blockDocuments
            if !competitive {
                for i in 0..<n where segment.isLive(Int(docs[i])) && (within || range.contains(Int32(bitPattern: docs[i]))) { total += 1 }
                continue
            }
            let freqs = it.blockFrequencies
            if let learned, learned[b].isNaN { learned[b] = scorer.best(documents: docs, frequencies: freqs, count: n, idf: idf) }
            for i in 0..<n {
                let d = Int(docs[i])
                if !within && !range.contains(Int32(d)) { continue }
                if !noDeletions {
                    if !segment.isLive(d) { continue }
                    total += 1
                }
                guard let score = scorer.score(document: d, frequency: freqs[i], idf: idf, atLeast: floor) else { continue }
                try heap.insert(Candidate(score: score, segment: segmentIndex, doc: Int32(d)))
                floor = heap.threshold ?? -Double.infinity
            }
        }
    }

    private func windows(range: Range<Int32>, scoring: [Cursor], musts: [Cursor], shoulds: [Cursor], exclusions: [Cursor],
                         segment: LiveSegment, segmentIndex: Int, bm25: BM25, countKnown: Bool,
                         noDeletions: Bool, canPrune: Bool, heap: inout TopHits, total: inout Int) throws(IndexError) {
        let reader = segment.reader
        let factors = lengthFactors(for: reader, bm25: bm25)
        let scorer = PostingScorer(bm25: bm25, lengths: reader.lengthTable, lengthFactors: factors.values)
        let acc = accumulator
        let cand = candidates
        let words = windowWords

        var start = Int(range.lowerBound)
        let n = Int(range.upperBound)
        while start < n {
            let end = min(start + windowSize, n)
            let w0 = Int32(start)
            let w1 = Int32(end)
            start = end
            var competitive = heap.capacity > 0
            var threshold = -Double.infinity
            if competitive && canPrune, let floor = heap.threshold {
                threshold = floor
                var bound = 0.0
                for c in scoring {
                    c.windowBound = c.bound(w0, w1, bm25: bm25)
                    bound += c.windowBound
                }
                // A margin for rounding: the bound is summed in another order.
                if bound * (1 + 1e-9) < threshold {
                    competitive = false
                    prunedWindows += 1
                }
            }
            if !competitive && countKnown { continue }

            // The window's matches.
            var any: UInt64 = 0
            if let first = musts.first {
                try first.fill(w0, w1, frequencies: competitive)
                for w in 0..<words { cand[w] = first.bits[w]; any |= first.bits[w] }
                for c in musts.dropFirst() {
                    if any == 0 { break }
                    try c.fill(w0, w1, frequencies: competitive)
                    any = 0
                    for w in 0..<words { cand[w] &= c.bits[w]; any |= cand[w] }
                }
            } else {
                cand.update(repeating: 0, count: words)
                for c in shoulds {
                    try c.fill(w0, w1, frequencies: competitive)
                    for w in 0..<words { cand[w] |= c.bits[w]; any |= c.bits[w] }
                }
            }
            for c in exclusions {
                if any == 0 { break }
                try c.fill(w0, w1, frequencies: false)
                any = 0
                for w in 0..<words { cand[w] &= ~c.bits[w]; any |= cand[w] }
            }
            if any == 0 { continue }
            if noDeletions {
                if !countKnown { total += Int(csimd_popcount_words(cand, nil, Int32(words))) }
            } else {
                // Deleted documents neither count nor score.
                for w in 0..<words {
                    var bitsLeft = cand[w]
                    while bitsLeft != 0 {
                        let bit = bitsLeft.trailingZeroBitCount
                        bitsLeft &= bitsLeft - 1
                        if !segment.isLive(Int(w0) + (w << 6 | bit)) {
                            cand[w] &= ~(1 << UInt64(bit))
                        }
                    }
                    if !countKnown { total += cand[w].nonzeroBitCount }
                }
            }
            if !competitive { continue }
            if !musts.isEmpty {
                for c in shoulds { try c.fill(w0, w1, frequencies: true) }
            }
            // Whether `cand` holds only some of the scoring clauses' documents (MaxScore
            // below), so that their other postings are passed over.
            var restricted = false
            if musts.isEmpty && threshold > -Double.infinity && scoring.count > 1 {
                // MaxScore: the optional clauses whose bounds add up to less than the
                // heap's floor cannot lift a document on their own; only documents of the
                // other (essential) clauses are scored. All are counted above.
                let ordered = scoring.sorted { $0.windowBound < $1.windowBound }
                var sum = 0.0
                var essential = ordered.count
                for (i, c) in ordered.enumerated() {
                    sum += c.windowBound
                    if sum * (1 + 1e-9) >= threshold { essential = i; break }
                }
                if essential > 0 {
                    restricted = true
                    var kept: UInt64 = 0
                    for w in 0..<words {
                        var bits: UInt64 = 0
                        for c in ordered[essential...] { bits |= c.bits[w] }
                        cand[w] &= bits
                        kept |= cand[w]
                    }
                    if kept == 0 { continue }
                }
            }

            // Score, clause by clause in query order.
            let window = Int(w0) / windowSize
            if !factors.windowsFilled[window] {
                for d in Int(w0)..<Int(w1) { _ = scorer.lengthFactor(d) }
                factors.windowsFilled[window] = true
            }
            // Every document of a clause is in `cand` in a disjunction where nothing was
            // left out (MaxScore, exclusions, deletions).
            let allIn = musts.isEmpty && !restricted && exclusions.isEmpty && noDeletions
            let c1 = bm25.k1 + 1
            for c in scoring {
                var inCand = c.count
                if !allIn {
                    inCand = Int(csimd_popcount_words(c.bits, cand, Int32(words)))
                }
                if inCand * WindowScorer.sparseRatio >= c.count {
                    // Not rare in `cand`: four quotients at a time (those of the others, when
                    // some are not in it, unused).
                    csimd_add_scores(c.documents, c.frequencies, Int32(c.count), UInt32(bitPattern: w0),
                                     factors.values.baseAddress!, c.idf, c1, allIn ? nil : UnsafePointer(cand), acc)
                    continue
                }
                // Rare in `cand`: its documents there, each found in the clause's postings by
                // its rank among the clause's bits (the postings are the bits in order).
                let idf = c.idf
                let docs = c.documents
                let freqs = c.frequencies
                var rank = 0
                for w in 0..<words {
                    let present = c.bits[w]
                    var wanted = present & cand[w]
                    while wanted != 0 {
                        let bit = wanted.trailingZeroBitCount
                        wanted &= wanted &- 1
                        let i = rank &+ (present & ((1 << UInt64(bit)) &- 1)).nonzeroBitCount
                        acc[w << 6 | bit] += scorer.score(document: Int(docs[i]), frequency: freqs[i], idf: idf)
                    }
                    rank &+= present.nonzeroBitCount
                }
            }
            // Offer the window's documents to the heap, in id order; reset the sums.
            var floor = heap.threshold ?? -Double.infinity
            for w in 0..<words {
                var bitsLeft = cand[w]
                while bitsLeft != 0 {
                    let offset = w << 6 | bitsLeft.trailingZeroBitCount
                    bitsLeft &= bitsLeft - 1
                    let score = acc[offset]
                    acc[offset] = 0
                    if score < floor { continue }
                    try heap.insert(Candidate(score: score, segment: segmentIndex, doc: w0 + Int32(offset)))
                    floor = heap.threshold ?? -Double.infinity
                }
            }
        }
    }
}

/// BM25 of one posting, with the length part of the denominator cached per document.
private struct PostingScorer {
    let bm25: BM25
    let lengths: UnsafeRawBufferPointer
    /// K(dl) per document; NaN = not yet computed.
    let lengthFactors: UnsafeMutableBufferPointer<Double>

    /// K(dl) = k1·(1 − b + b·dl/avgdl), computed by the expression of `BM25.score`.
    @inline(__always)
    func lengthFactor(_ d: Int) -> Double {
        var factor = lengthFactors[d]
        if factor.isNaN {
            // In range: postings are checked against documentCount on load.
            let dl = Double(UInt32(littleEndian: lengths.loadUnaligned(fromByteOffset: d &* 4, as: UInt32.self)))
            let lengthPart = bm25.averageLength > 0 ? bm25.b * dl / bm25.averageLength : 0
            factor = bm25.k1 * (1 - bm25.b + lengthPart)
            lengthFactors[d] = factor
        }
        return factor
    }

    /// BM25 of a posting: `BM25.score`'s expression, bit for bit, with K(dl) cached.
    @inline(__always)
    func score(document d: Int, frequency f: UInt32, idf: Double) -> Double {
        let tf = Double(f)
        return idf * tf * (bm25.k1 + 1) / (tf + lengthFactor(d))
    }

    /// The best score among `count` postings, each by `score`'s expression (the largest
    /// of those doubles), four at a time (`csimd_best_score`); their K(dl) are set first
    /// when some are not yet.
    func best(documents: UnsafePointer<UInt32>, frequencies: UnsafePointer<UInt32>, count: Int, idf: Double) -> Double {
        let factors = UnsafePointer(lengthFactors.baseAddress!)
        let best = csimd_best_score(documents, frequencies, Int32(count), factors, idf, bm25.k1 + 1)
        if best >= 0 { return best }
        for i in 0..<count { _ = lengthFactor(Int(documents[i])) }
        return csimd_best_score(documents, frequencies, Int32(count), factors, idf, bm25.k1 + 1)
    }

    /// The score, or `nil` when it is surely below `floor`, decided by a multiplication
    /// (the denominator is positive) instead of a division.
    @inline(__always)
    func score(document d: Int, frequency f: UInt32, idf: Double, atLeast floor: Double) -> Double? {
        let tf = Double(f)
        let numerator = idf * tf * (bm25.k1 + 1)
        let denominator = tf + lengthFactor(d)
        // A margin for rounding: the exact quotient decides near the floor.
        if floor > 0 && numerator < floor * denominator * (1 - 1e-9) { return nil }
        let s = numerator / denominator
        return s < floor ? nil : s
    }
}
