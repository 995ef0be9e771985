import IndexFormat

/// The figures behind one matching clause's score (`--explain`).
public struct ClauseExplanation: Sendable, Equatable {
    public var clause: String
    public var tf: Int
    public var df: Int
    public var idf: Double
    public var dl: Int
    public var avgdl: Double
    public var score: Double
}

/// Iterates the matching documents of one clause in a segment, in increasing id order,
/// and scores the current one. `doc` is -1 before the first call and
/// `PostingsIterator.exhausted` at the end.
protocol DocScorer: AnyObject {
    var doc: Int32 { get }
    @discardableResult func next() throws(IndexError) -> Int32
    @discardableResult func advance(to target: Int32) throws(IndexError) -> Int32
    func score() throws(IndexError) -> Double
    func explain(into list: inout [ClauseExplanation]) throws(IndexError)
}

/// Matches nothing (a term absent from the segment).
final class EmptyScorer: DocScorer {
    var doc: Int32 = PostingsIterator.exhausted
    func next() -> Int32 { doc }
    func advance(to target: Int32) -> Int32 { doc }
    func score() -> Double { 0 }
    func explain(into list: inout [ClauseExplanation]) {}
}

/// One term: BM25 of its tf in the document.
final class TermScorer: DocScorer {
    let postings: PostingsIterator
    let segment: SegmentReader
    let bm25: BM25
    let idf: Double
    let df: Int
    let label: String

    init(postings: PostingsIterator, bm25: BM25, idf: Double, df: Int, label: String) {
        self.postings = postings
        self.segment = postings.segment
        self.bm25 = bm25
        self.idf = idf
        self.df = df
        self.label = label
    }

    var doc: Int32 { postings.doc }
    func next() throws(IndexError) -> Int32 { try postings.next() }
    func advance(to target: Int32) throws(IndexError) -> Int32 { try postings.advance(to: target) }

    func score() -> Double {
        bm25.score(idf: idf, tf: postings.frequency, length: segment.length(of: Int(postings.doc)))
    }

    func explain(into list: inout [ClauseExplanation]) {
        list.append(ClauseExplanation(clause: label, tf: postings.frequency, df: df, idf: idf,
                                      dl: segment.length(of: Int(doc)), avgdl: bm25.averageLength, score: score()))
    }
}

/// A phrase: the documents holding all its terms, where the chaining rule of SPEC
/// section 3 finds at least one match; tf = the number of matching starts, idf = the
/// sum of the idf of the phrase's distinct terms.
final class PhraseScorer: DocScorer {
    /// One iterator per distinct term.
    let iterators: [PostingsIterator]
    /// The same, unretained (`iterators` keeps them alive): no reference counting in
    /// the leapfrog loop.
    private let unretained: UnsafeMutablePointer<Unmanaged<PostingsIterator>>
    /// Phrase slots (terms of the phrase, repeats included).
    let slotCount: Int
    let slop: Int32
    let bm25: BM25
    let idf: Double
    let df: Int
    let label: String
    let segment: SegmentReader
    /// Per iterator: its positions in the current document (`capacities` values of room).
    private let lists: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>
    private let capacities: UnsafeMutablePointer<Int>
    private let counts: UnsafeMutablePointer<Int>
    /// Per slot: which iterator's list, its relative position, and a cursor.
    private let slotList: UnsafeMutablePointer<Int>
    private let slotRelative: UnsafeMutablePointer<Int32>
    private let cursor: UnsafeMutablePointer<Int>
    /// Per iterator, for exact phrases of three or more slots: how far its list is
    /// decoded in the current document.
    private let decodedUpTo: UnsafeMutablePointer<Int64>
    /// The slots by their term's frequency in the current document (exact phrases of
    /// three or more slots).
    private let slotOrder: UnsafeMutablePointer<Int>
    /// Positions of one list as bits, for exact phrase checks; all zero between uses.
    private var bitmap: UnsafeMutablePointer<UInt64> = {
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        words.initialize(repeating: 0, count: 64)
        return words
    }()
    private var bitmapWords = 64
    /// Lists reaching beyond this position are intersected by merging instead.
    static let defaultBitmapLimit = 1 << 20
    private let bitmapLimit: Int

    /// Sets the bits of `list[0..<n]` (n > 0); false, setting nothing, when its last
    /// position is past `bitmapLimit`.
    @inline(__always)
    private func mark(_ list: UnsafeMutablePointer<Int32>, _ n: Int) -> Bool {
        let last = Int(list[n - 1])
        if last >= bitmapLimit { return false }
        let words = last >> 6 + 1
        if words > bitmapWords {
            bitmap.deallocate()
            bitmapWords = max(words, bitmapWords * 2)
            bitmap = .allocate(capacity: bitmapWords)
            bitmap.initialize(repeating: 0, count: bitmapWords)
        }
        for c in 0..<n {
            let p = Int(list[c])
            bitmap[p >> 6] |= 1 << UInt64(p & 63)
        }
        return true
    }

    @inline(__always)
    private func unmark(_ list: UnsafeMutablePointer<Int32>, _ n: Int) {
        for c in 0..<n { bitmap[Int(list[c]) >> 6] = 0 }
    }

    /// Surviving phrase starts while intersecting (exact phrases of three or more terms).
    private var scratch = UnsafeMutablePointer<Int32>.allocate(capacity: 16)
    private var scratchCapacity = 16
    /// Positions looked for in a list by `keepPositions` (exact phrases).
    private let targets = ScratchBuffer<Int64>(capacity: 16)
    /// Positions are checked as they are decoded (`keepPositions`, format version 5 on).
    private let inPlace: Bool
    /// Exact phrases of three or more distinct terms (format version 5 on): per
    /// iterator, its slot; `nil` otherwise. See `pairFirst`.
    private let slotOfIterator: [Int]?
    private(set) var doc: Int32 = -1
    private var frequency = 0
    /// The two rarest terms' lists are of similar density: they are brought to a common
    /// document by merging their blocks (`advanceTogether`).
    private let mergesPair: Bool
    /// At most this many times as many documents in the second list as in the first
    /// make the two "of similar density".
    static let mergeDensityRatio = 8

    init(iterators: [PostingsIterator], slots: [Int], relative: [Int], slop: Int, bm25: BM25, idf: Double, df: Int, label: String,
         bitmapLimit: Int = PhraseScorer.defaultBitmapLimit) {
        self.bitmapLimit = bitmapLimit
        self.iterators = iterators
        slotCount = slots.count
        self.slop = Int32(clamping: slop)
        self.bm25 = bm25
        self.idf = idf
        self.df = df
        self.label = label
        segment = iterators[0].segment
        let n = iterators.count
        unretained = .allocate(capacity: n)
        for i in 0..<n { unretained[i] = Unmanaged.passUnretained(iterators[i]) }
        lists = .allocate(capacity: n)
        decodedUpTo = .allocate(capacity: n)
        capacities = .allocate(capacity: n)
        counts = .allocate(capacity: n)
        for i in 0..<n {
            lists[i] = .allocate(capacity: 16)
            capacities[i] = 16
            counts[i] = 0
        }
        let k = slotCount
        slotList = .allocate(capacity: k)
        slotRelative = .allocate(capacity: k)
        cursor = .allocate(capacity: k)
        slotOrder = .allocate(capacity: k)
        for i in 0..<k {
            slotList[i] = slots[i]
            slotRelative[i] = Int32(relative[i])
            cursor[i] = 0
        }
        inPlace = iterators[0].filtersPositionsInPlace
        mergesPair = n >= 2 && iterators[1].info.documentFrequency <= PhraseScorer.mergeDensityRatio * iterators[0].info.documentFrequency
        if slop == 0 && k >= 3 && n == k && inPlace {
            var slotOf = [Int](repeating: 0, count: n)
            for (s, i) in slots.enumerated() { slotOf[i] = s }
            slotOfIterator = slotOf
        } else {
            slotOfIterator = nil
        }
    }

    deinit {
        for i in 0..<iterators.count { lists[i].deallocate() }
        unretained.deallocate()
        scratch.deallocate()
        bitmap.deallocate()
        lists.deallocate()
        decodedUpTo.deallocate()
        capacities.deallocate()
        counts.deallocate()
        slotList.deallocate()
        slotRelative.deallocate()
        cursor.deallocate()
        slotOrder.deallocate()
    }

    func next() throws(IndexError) -> Int32 {
        if doc == PostingsIterator.exhausted { return doc }
        return try advance(to: doc + 1)
    }

    func advance(to target: Int32) throws(IndexError) -> Int32 {
        if doc >= target { return doc }
        if let slotOfIterator { return try pairFirst(target, slotOfIterator) }
        var candidate = target
        let n = iterators.count
        while true {
            if n == 2 {
                candidate = try unretained[0].advanceTogether(with: unretained[1], to: candidate, merging: mergesPair)
                if candidate == PostingsIterator.exhausted { doc = candidate; return doc }
            } else {
                // Leapfrog until every iterator is on the same document: the rarest term
                // proposes, the others confirm in order of rarity, and the first one past
                // the proposal sends it back to the rarest (not on to the others, whose
                // seeks to a document the rarest term may skip would be wasted).
                var i = 0
                while i < n {
                    let d = try unretained[i].advance(to: candidate)
                    if d == PostingsIterator.exhausted { doc = d; return d }
                    if d > candidate {
                        candidate = d
                        if i > 0 { i = 0; continue }
                    }
                    i += 1
                }
            }
            for i in 0..<n { try ensureListRoom(i) }
            if slop == 0 && slotCount >= 3 {
                frequency = try exactMatches()
                if frequency > 0 { doc = candidate; return doc }
                candidate += 1
                continue
            }
            if slop == 0 && slotCount == 2 && n == 2 && inPlace {
                frequency = try keepPair(slotList[0], Int64(slotRelative[0]), slotList[1], Int64(slotRelative[1])).survivors
                if frequency > 0 { doc = candidate; return doc }
                candidate += 1
                continue
            }
            if slotCount == 2 && n == 2 {
                // Two distinct terms: the list with fewer positions is decoded whole, the
                // other only as far as a match with it can reach.
                let first = slotList[0], second = slotList[1]
                let gap = Int64(slotRelative[1]) - Int64(slotRelative[0])
                if unretained[first].frequency <= unretained[second].frequency {
                    counts[first] = try unretained[first].positions(intoBuffer: lists[first])
                    let reach = Int64(lists[first][counts[first] - 1]) + gap + Int64(slop)
                    counts[second] = try unretained[second].positions(intoBuffer: lists[second], upTo: reach)
                } else {
                    counts[second] = try unretained[second].positions(intoBuffer: lists[second])
                    let reach = Int64(lists[second][counts[second] - 1]) - gap
                    counts[first] = try unretained[first].positions(intoBuffer: lists[first], upTo: reach)
                }
            } else {
                for i in 0..<n { counts[i] = try unretained[i].positions(intoBuffer: lists[i]) }
            }
            frequency = matches()
            if frequency > 0 { doc = candidate; return doc }
            candidate += 1
        }
    }

    /// `advance(to:)` for an exact phrase of three or more distinct terms: the two rarest
    /// terms are brought to a common document and their positions checked against each
    /// other first; the denser terms are moved there only for documents where the two
    /// hold the phrase's pair (their seeks for the many documents that do not would
    /// be wasted), and their positions then keep the starts that they complete.
    private func pairFirst(_ target: Int32, _ slotOfIterator: [Int]) throws(IndexError) -> Int32 {
        let n = iterators.count
        var candidate = target
        while true {
            candidate = try unretained[0].advanceTogether(with: unretained[1], to: candidate, merging: mergesPair)
            if candidate == PostingsIterator.exhausted { doc = candidate; return doc }
            try ensureListRoom(0)
            try ensureListRoom(1)
            var (survivors, relative) = try keepPair(0, Int64(slotRelative[slotOfIterator[0]]),
                                                     1, Int64(slotRelative[slotOfIterator[1]]))
            if survivors == 0 { candidate += 1; continue }
            // The denser terms, rarest first; one past the document sends it back.
            var overshoot = false
            for i in 2..<n {
                let d = try unretained[i].advance(to: candidate)
                if d == PostingsIterator.exhausted { doc = d; return d }
                if d > candidate { candidate = d; overshoot = true; break }
            }
            if overshoot { continue }
            let found = targets.base
            for i in 2..<n {
                let r = Int64(slotRelative[slotOfIterator[i]])
                for f in 0..<survivors { found[f] += r - relative }
                relative = r
                survivors = try unretained[i].keepPositions(found, count: survivors)
                if survivors == 0 { break }
            }
            if survivors > 0 {
                frequency = survivors
                doc = candidate
                return doc
            }
            candidate += 1
        }
    }

    /// Room in `lists[i]` for iterator `i`'s positions in the current document.
    @inline(__always)
    private func ensureListRoom(_ i: Int) throws(IndexError) {
        let tf = unretained[i].frequency
        if tf > capacities[i] {
            try unretained[i].checkFrequencyFitsPositions()
            lists[i].deallocate()
            let grown = max(tf, capacities[i] * 2)
            lists[i] = .allocate(capacity: grown)
            capacities[i] = grown
        }
    }

    /// Two iterators on the current document (`lists` with room for both, see
    /// `ensureListRoom`), their slots at relative positions `ra` and `rb`: the one with
    /// fewer positions is decoded, and its positions, shifted to
    /// the other's slot, are kept in `targets` where the other holds them (checked
    /// while the other is decoded). Returns how many were kept and the relative position
    /// they are at.
    @inline(__always)
    private func keepPair(_ a: Int, _ ra: Int64, _ b: Int, _ rb: Int64) throws(IndexError) -> (survivors: Int, relative: Int64) {
        let (fewer, other, from, to) = unretained[a].frequency <= unretained[b].frequency ? (a, b, ra, rb) : (b, a, rb, ra)
        let count = try unretained[fewer].positions(intoBuffer: lists[fewer])
        targets.resize(to: count)
        let found = targets.base
        let list = lists[fewer]
        for j in 0..<count { found[j] = Int64(list[j]) + to - from }
        return (try unretained[other].keepPositions(found, count: count), to)
    }

    /// The matches of an exact phrase of three or more slots in the current document:
    /// the phrase starts p such that every slot i has its term at p + (ri − r1). The
    /// slots are taken by their term's frequency here, fewest first: the first one's
    /// positions give the candidate starts, each next list is read only as far as the
    /// last surviving start needs, and the work stops when no start survives (most
    /// documents holding all the terms hold no phrase).
    private func exactMatches() throws(IndexError) -> Int {
        let k = slotCount
        let n = iterators.count
        for i in 0..<k { slotOrder[i] = i }
        for i in 1..<k {
            let s = slotOrder[i]
            let f = unretained[slotList[s]].frequency
            var j = i
            while j > 0 && unretained[slotList[slotOrder[j - 1]]].frequency > f {
                slotOrder[j] = slotOrder[j - 1]
                j -= 1
            }
            slotOrder[j] = s
        }
        let first = slotOrder[0]
        let firstIterator = slotList[first]
        let firstCount = try unretained[firstIterator].positions(intoBuffer: lists[firstIterator])
        if inPlace {
            // Each next list keeps the targets it holds while it is decoded: the starts
            // shifted to that slot's offset.
            targets.resize(to: firstCount)
            let found = targets.base
            let firstList = lists[firstIterator]
            var relative = Int64(slotRelative[first])
            var survivors = firstCount
            for step in 1..<k {
                let s = slotOrder[step]
                let shift = Int64(slotRelative[s]) - relative
                relative = Int64(slotRelative[s])
                if step == 1 {
                    for f in 0..<survivors { found[f] = Int64(firstList[f]) + shift }
                } else {
                    for f in 0..<survivors { found[f] += shift }
                }
                survivors = try unretained[slotList[s]].keepPositions(found, count: survivors)
                if survivors == 0 { return 0 }
            }
            return survivors
        }
        // Older formats: each next list decoded (as far as needed) and intersected.
        // How far each iterator's list is decoded: Int64.min not yet, Int64.max whole.
        for i in 0..<n { decodedUpTo[i] = Int64.min }
        counts[firstIterator] = firstCount
        decodedUpTo[firstIterator] = Int64.max
        if scratchCapacity < firstCount {
            scratch.deallocate()
            scratchCapacity = max(firstCount, scratchCapacity * 2)
            scratch = .allocate(capacity: scratchCapacity)
        }
        // Starts relative to slot 0's position (a difference of two non-negative 32-bit
        // values: it fits; a negative start matches nothing in slot 0's list).
        let firstShift = slotRelative[first] &- slotRelative[0]
        let firstList = lists[firstIterator]
        for f in 0..<firstCount { scratch[f] = firstList[f] &- firstShift }
        var survivors = firstCount
        for step in 1..<k {
            let s = slotOrder[step]
            let i = slotList[s]
            let gap = Int(slotRelative[s]) - Int(slotRelative[0])
            let needed = Int64(scratch[survivors - 1]) + Int64(gap)
            if decodedUpTo[i] < needed {
                let count = try unretained[i].positions(intoBuffer: lists[i], upTo: needed)
                counts[i] = count
                decodedUpTo[i] = count == unretained[i].frequency ? Int64.max : needed
            }
            let list = lists[i]
            let m = counts[i]
            var kept = 0
            if m > 0 && mark(list, m) {
                let limit = Int(list[m - 1])
                for f in 0..<survivors {
                    let t = Int(scratch[f]) + gap
                    scratch[kept] = scratch[f]
                    if t >= 0 && t <= limit { kept &+= Int(truncatingIfNeeded: (bitmap[t >> 6] >> UInt64(t & 63)) & 1) }
                }
                unmark(list, m)
            } else {
                var f = 0
                var c = 0
                while f < survivors && c < m {
                    let a = Int(scratch[f]) + gap
                    let b = Int(list[c])
                    scratch[kept] = scratch[f]
                    kept &+= a == b ? 1 : 0
                    f &+= a <= b ? 1 : 0
                    c &+= b <= a ? 1 : 0
                }
            }
            survivors = kept
            if survivors == 0 { return 0 }
        }
        return survivors
    }

    /// Counts the starts p1 of t1 whose chain (each next term at its earliest
    /// occurrence p(i+1) with p(i+1) − p(i) ≥ r(i+1) − r(i)) ends within the slop:
    /// (pk − p1) − (rk − r1) ≤ slop.
    private func matches() -> Int {
        let k = slotCount
        var count = 0
        let firstList = lists[slotList[0]]
        let firstCount = counts[slotList[0]]
        if k == 2 {
            // Two terms: one merge pass.
            let list = lists[slotList[1]]
            let n = counts[slotList[1]]
            let gap = Int(slotRelative[1]) - Int(slotRelative[0])
            let slop = Int(self.slop)
            if slop == 0 && mark(list, n) {
                // Exact: how many p of the first list have p + gap in the second, the
                // second as a bitmap of positions (no dependent branches).
                let limit = Int(list[n - 1])
                for f in 0..<firstCount {
                    let t = Int(firstList[f]) + gap
                    if t >= 0 && t <= limit { count &+= Int(truncatingIfNeeded: (bitmap[t >> 6] >> UInt64(t & 63)) & 1) }
                }
                unmark(list, n)
                return count
            }
            if slop == 0 {
                // The same by a branch-free sorted intersection (positions too large for
                // the bitmap). Both lists strictly increase.
                var f = 0
                var c = 0
                while f < firstCount && c < n {
                    let a = Int(firstList[f]) + gap
                    let b = Int(list[c])
                    count &+= a == b ? 1 : 0
                    f &+= a <= b ? 1 : 0
                    c &+= b <= a ? 1 : 0
                }
                return count
            }
            var c = 0
            for f in 0..<firstCount {
                let p1 = Int(firstList[f])
                let needed = p1 + gap
                while c < n && Int(list[c]) < needed { c += 1 }
                if c == n { break }
                if Int(list[c]) - needed <= slop { count += 1 }
            }
            return count
        }
        for i in 0..<k { cursor[i] = 0 }
        // In Int: positions and relative offsets are 32-bit, their sums may not be.
        let span = Int(slotRelative[k - 1]) - Int(slotRelative[0])
        let slop = Int(self.slop)
        for f in 0..<firstCount {
            let p1 = Int(firstList[f])
            var previous = p1
            for i in 1..<k {
                let needed = previous + Int(slotRelative[i]) - Int(slotRelative[i - 1])
                let list = lists[slotList[i]]
                let n = counts[slotList[i]]
                var c = cursor[i]
                while c < n && Int(list[c]) < needed { c += 1 }
                cursor[i] = c
                // No occurrence left: no later start can complete either.
                if c == n { return count }
                previous = Int(list[c])
            }
            if (previous - p1) - span <= slop { count += 1 }
        }
        return count
    }

    func score() -> Double {
        bm25.score(idf: idf, tf: frequency, length: segment.length(of: Int(doc)))
    }

    func explain(into list: inout [ClauseExplanation]) {
        list.append(ClauseExplanation(clause: label, tf: frequency, df: df, idf: idf,
                                      dl: segment.length(of: Int(doc)), avgdl: bm25.averageLength, score: score()))
    }
}

/// A prefix: every document holding a term that starts with it, constant score 1.0.
final class PrefixScorer: DocScorer {
    private var bits: [UInt64]
    let label: String
    let documentCount: Int32
    let termCount: Int
    private(set) var doc: Int32 = -1

    init(segment: SegmentReader, terms: [TermInfo], label: String) throws(IndexError) {
        self.label = label
        documentCount = Int32(segment.documentCount)
        termCount = terms.count
        bits = [UInt64](repeating: 0, count: (segment.documentCount + 63) / 64)
        for info in terms {
            let it = try segment.postings(info)
            while try it.next() != PostingsIterator.exhausted {
                bits[Int(it.doc) >> 6] |= 1 << UInt64(it.doc & 63)
            }
        }
    }

    func next() -> Int32 { doc == PostingsIterator.exhausted ? doc : advance(to: doc + 1) }

    func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        var d = Int(target)
        while d < Int(documentCount) {
            let word = bits[d >> 6] >> UInt64(d & 63)
            if word != 0 {
                d += word.trailingZeroBitCount
                doc = Int32(d)
                return doc
            }
            d = (d | 63) + 1
        }
        doc = PostingsIterator.exhausted
        return doc
    }

    func score() -> Double { 1.0 }

    func explain(into list: inout [ClauseExplanation]) {
        list.append(ClauseExplanation(clause: label, tf: 1, df: 0, idf: 0, dl: 0, avgdl: 0, score: 1.0))
    }
}

/// A boolean group (see `PlanGroup`).
final class BooleanScorer: DocScorer {
    let clauses: [(occur: Occur, scorer: DocScorer)]
    let musts: [DocScorer]
    let shoulds: [DocScorer]
    let mustNots: [DocScorer]
    private(set) var doc: Int32 = -1

    init(clauses: [(occur: Occur, scorer: DocScorer)]) {
        self.clauses = clauses
        musts = clauses.filter { $0.occur == .must }.map(\.scorer)
        shoulds = clauses.filter { $0.occur == .should }.map(\.scorer)
        mustNots = clauses.filter { $0.occur == .mustNot }.map(\.scorer)
        if musts.isEmpty && shoulds.isEmpty { doc = PostingsIterator.exhausted }
    }

    func next() throws(IndexError) -> Int32 { doc == PostingsIterator.exhausted ? doc : try advance(to: doc + 1) }

    func advance(to target: Int32) throws(IndexError) -> Int32 {
        if doc == PostingsIterator.exhausted || doc >= target { return doc }
        var candidate = target
        while true {
            if !musts.isEmpty {
                var agreed = false
                while !agreed {
                    agreed = true
                    for s in musts {
                        let d = s.doc >= candidate ? s.doc : try s.advance(to: candidate)
                        if d == PostingsIterator.exhausted { doc = d; return d }
                        if d > candidate { candidate = d; agreed = false }
                    }
                }
            } else {
                var smallest = PostingsIterator.exhausted
                for s in shoulds {
                    let d = s.doc >= candidate ? s.doc : try s.advance(to: candidate)
                    smallest = min(smallest, d)
                }
                if smallest == PostingsIterator.exhausted { doc = smallest; return smallest }
                candidate = smallest
            }
            var excluded = false
            for s in mustNots {
                let d = s.doc >= candidate ? s.doc : try s.advance(to: candidate)
                if d == candidate { excluded = true; break }
            }
            if !excluded { doc = candidate; return doc }
            candidate += 1
        }
    }

    func score() throws(IndexError) -> Double {
        var total = 0.0
        for c in clauses where c.occur != .mustNot {
            if c.occur == .should && c.scorer.doc < doc { try c.scorer.advance(to: doc) }
            if c.scorer.doc == doc { total += try c.scorer.score() }
        }
        return total
    }

    func explain(into list: inout [ClauseExplanation]) throws(IndexError) {
        for c in clauses where c.occur != .mustNot {
            if c.occur == .should && c.scorer.doc < doc { try c.scorer.advance(to: doc) }
            if c.scorer.doc == doc { try c.scorer.explain(into: &list) }
        }
    }
}

/// Calls on an iterator without retaining it around the call (the caller keeps it alive).
extension Unmanaged where Instance == PostingsIterator {
    @inline(__always)
    func advance(to target: Int32) throws(IndexError) -> Int32 {
        var failure: IndexError?
        let d = _withUnsafeGuaranteedRef { it -> Int32 in
            do throws(IndexError) { return try it.advance(to: target) } catch { failure = error; return PostingsIterator.exhausted }
        }
        if let failure { throw failure }
        return d
    }

    @inline(__always)
    func advanceTogether(with other: Unmanaged<PostingsIterator>, to target: Int32, merging: Bool) throws(IndexError) -> Int32 {
        var failure: IndexError?
        let d = _withUnsafeGuaranteedRef { it -> Int32 in
            other._withUnsafeGuaranteedRef { o -> Int32 in
                do throws(IndexError) { return try it.advanceTogether(with: o, to: target, merging: merging) } catch {
                    failure = error
                    return PostingsIterator.exhausted
                }
            }
        }
        if let failure { throw failure }
        return d
    }

    @inline(__always)
    var frequency: Int { _withUnsafeGuaranteedRef { $0.frequency } }

    func checkFrequencyFitsPositions() throws(IndexError) {
        var failure: IndexError?
        _withUnsafeGuaranteedRef { it in
            do throws(IndexError) { try it.checkFrequencyFitsPositions() } catch { failure = error }
        }
        if let failure { throw failure }
    }

    @inline(__always)
    func positions(intoBuffer buffer: UnsafeMutablePointer<Int32>, upTo limit: Int64 = Int64(Int32.max)) throws(IndexError) -> Int {
        var failure: IndexError?
        let n = _withUnsafeGuaranteedRef { it -> Int in
            do throws(IndexError) { return try it.positions(intoBuffer: buffer, upTo: limit) } catch { failure = error; return 0 }
        }
        if let failure { throw failure }
        return n
    }

    @inline(__always)
    func keepPositions(_ targets: UnsafeMutablePointer<Int64>, count: Int) throws(IndexError) -> Int {
        var failure: IndexError?
        let n = _withUnsafeGuaranteedRef { it -> Int in
            do throws(IndexError) { return try it.keepPositions(targets, count: count) } catch { failure = error; return 0 }
        }
        if let failure { throw failure }
        return n
    }
}
