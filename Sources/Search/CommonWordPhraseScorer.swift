import IndexFormat

/// An exact phrase (no slop) in a segment that codes some of its terms per position
/// (`CommonWords`: "de", "het", "van", …): those terms are checked by reading the code at
/// each candidate position instead of through their long postings lists. The other
/// terms go through their postings, as `PhraseScorer` does without the coded ones: the
/// two rarest are brought to a common document, the rarest one's positions give the
/// phrase's possible starts, the second's positions keep those it completes, the codes
/// those where every coded term stands at its place, and only then are the denser terms
/// moved to the document and their positions checked. The `Searcher` codes the words
/// far denser than the rarest term or in most documents (where reading their lists
/// would cost most and rule out least), never all the terms.
///
/// The same documents and tf as `PhraseScorer`: with slop 0 the chaining rule of SPEC
/// section 3 keeps exactly the starts p1 where each term i stands at p1 + (r_i − r_1),
/// and a position holds at most one term, so a code says which term is there.
final class CommonWordPhraseScorer: DocScorer {
    let segment: SegmentReader
    let bm25: BM25
    let idf: Double
    let label: String
    /// The proposing term and the relative position of its first slot (the starts are its
    /// positions less that), and of its other slots.
    private let driver: PostingsIterator
    private let driverRelative: Int64
    private let driverOtherSlots: [Int64]
    /// The rarest of the other terms not coded, with the relative positions of its slots.
    private let second: PostingsIterator?
    private let secondSlots: [Int64]
    /// The other terms not coded after it, rarest first, likewise.
    private let rest: [(postings: PostingsIterator, slots: [Int64])]
    /// The proposer and `second` are of similar density: they are brought
    /// to a common document by merging their blocks (`PostingsIterator.advanceTogether`).
    private let mergesPair: Bool
    /// Per coded slot (the proposing term's excepted): its relative position and code.
    private let coded: [(relative: Int, code: Int)]
    /// The largest relative position: a start s needs s + last < dl.
    private let last: Int64
    /// The proposer's positions are read for every one of its documents (no second term
    /// to meet first) or for many (a dense second term): a block's are decoded at once
    /// (`PostingsIterator.blockPositions`).
    private let readsBlockPositions: Bool
    /// The phrase is the proposer once and coded words only (the usual phrase of a
    /// rarer word and common ones): its documents are walked a block at a time
    /// (`walk(to:)`), without a call per document.
    private let walksBlocks: Bool
    /// In that walk: the proposer's block (from `blockWithPositions()`; `nil` when none
    /// is held) and where the walk goes on in it.
    private var held: (docs: UnsafePointer<UInt32>, index: Int, count: Int, values: UnsafePointer<Int32>, starts: UnsafePointer<Int32>)?
    private var scan = 0
    private(set) var doc: Int32 = -1
    private var frequency = 0
    /// A second term in at least 1/8 of the documents meets the proposer in enough of a
    /// block's documents that its positions are best decoded at once.
    static let blockPositionsDensity = 8
    /// How many of the proposer's documents ahead the codes are prefetched.
    static let prefetchDistance = 8
    /// The proposing term's positions in the current document.
    private let positions = ScratchBuffer<Int32>(capacity: 64)
    /// The surviving starts.
    private let starts = ScratchBuffer<Int64>(capacity: 64)

    /// `terms` (distinct) with their postings (`nil` for a coded term), their segment df
    /// and code (0: not coded, then its postings are given; at least one is not coded);
    /// `slots`: per phrase position its term's index, `relative`: its relative position
    /// (the first 0).
    init(segment: SegmentReader, terms: [(postings: PostingsIterator?, df: Int, code: Int)], slots: [Int], relative: [Int],
         bm25: BM25, idf: Double, label: String) {
        self.segment = segment
        self.bm25 = bm25
        self.idf = idf
        self.label = label
        // The proposer: the rarest term not coded.
        let uncoded = terms.indices.filter { terms[$0].code == 0 }
        let proposer = uncoded.min { terms[$0].df < terms[$1].df }!
        driver = terms[proposer].postings!
        let proposerSlots = slots.indices.filter { slots[$0] == proposer }
        driverRelative = Int64(relative[proposerSlots[0]])
        driverOtherSlots = proposerSlots.dropFirst().map { Int64(relative[$0]) }
        let others = uncoded.filter { $0 != proposer }.sorted { terms[$0].df < terms[$1].df }.map { t in
            (postings: terms[t].postings!, slots: slots.indices.filter { slots[$0] == t }.map { Int64(relative[$0]) })
        }
        second = others.first?.postings
        secondSlots = others.first?.slots ?? []
        rest = Array(others.dropFirst())
        coded = slots.indices.filter { slots[$0] != proposer && terms[slots[$0]].code != 0 }.map { (relative[$0], terms[slots[$0]].code) }
        let driverDF = terms[proposer].df
        mergesPair = second.map { $0.info.documentFrequency <= PhraseScorer.mergeDensityRatio * driverDF } ?? false
        readsBlockPositions = driver.filtersPositionsInPlace
            && (second.map { $0.info.documentFrequency * Self.blockPositionsDensity >= segment.documentCount } ?? true)
        last = Int64(relative.max() ?? 0)
        walksBlocks = readsBlockPositions && second == nil && rest.isEmpty && driverOtherSlots.isEmpty && !coded.isEmpty
    }

    func next() throws(IndexError) -> Int32 {
        if doc == PostingsIterator.exhausted { return doc }
        return try advance(to: doc + 1)
    }

    func advance(to target: Int32) throws(IndexError) -> Int32 {
        if doc >= target { return doc }
        if walksBlocks { return try walk(to: target) }
        var d = target
        while true {
            if let second {
                d = try driver.advanceTogether(with: second, to: d, merging: mergesPair)
            } else {
                d = try driver.advance(to: d)
            }
            if d == PostingsIterator.exhausted { break }
            // The codes of a document a few ahead, so that they are in the cache when
            // it comes (each is a read elsewhere in the file); only when every document
            // of the proposer reaches them. Behind a second term, most do not, and a
            // prefetch waits for its address to be translated (a TLB miss per document):
            // "naar waterwild verpletteren", 579 documents with both terms, none with the
            // phrase, took 0.50 ms with the prefetch, 0.35 without.
            if !coded.isEmpty && second == nil { segment.prefetchWordCodes(of: Int(driver.document(ahead: Self.prefetchDistance))) }
            frequency = try matches(in: d)
            if frequency > 0 { break }
            d += 1
        }
        doc = d
        return d
    }

    /// `advance(to:)` of a phrase that `walksBlocks`: the proposer's documents from
    /// `target` on, a block at a time, until one holds the phrase.
    private func walk(to target: Int32) throws(IndexError) -> Int32 {
        var target = target
        while true {
            if let block = held {
                let last = Int32(bitPattern: block.docs[block.count - 1])
                if target <= last {
                    var i = scan
                    while i < block.count && Int32(bitPattern: block.docs[i]) < target { i &+= 1 }
                    if let (found, count) = try firstMatch(in: block, from: i) {
                        scan = found &+ 1
                        frequency = count
                        doc = Int32(bitPattern: block.docs[found])
                        return doc
                    }
                    target = last &+ 1
                }
                held = nil
            }
            if try driver.advance(to: target) == PostingsIterator.exhausted {
                doc = PostingsIterator.exhausted
                return doc
            }
            let block = try driver.blockWithPositions()
            held = block
            scan = block.index
        }
    }

    /// The first document of `block` from its index `i` on that holds the phrase, and
    /// the phrase's count there; `nil` when none does. The same test as `matches(in:)`
    /// for a phrase that `walksBlocks`.
    private func firstMatch(in block: (docs: UnsafePointer<UInt32>, index: Int, count: Int, values: UnsafePointer<Int32>, starts: UnsafePointer<Int32>),
                            from i: Int) throws(IndexError) -> (index: Int, count: Int)? {
        let docs = block.docs, values = block.values, starts = block.starts
        let end = block.count
        let relative = driverRelative
        // One coded word (the usual phrase of two words) tested without a loop over them.
        let single = coded.count == 1 ? coded[0] : nil
        var i = i
        while i < end {
            // The codes of a document a few ahead, as `advance(to:)` asks for them.
            if i &+ Self.prefetchDistance < end { segment.prefetchWordCodes(of: Int(docs[i &+ Self.prefetchDistance])) }
            let d = Int(docs[i])
            let dl = Int64(segment.length(of: d))
            var k = Int(starts[i])
            let kEnd = Int(starts[i &+ 1])
            var count = 0
            var codes: UnsafeRawBufferPointer?
            while k < kEnd {
                let start = Int64(values[k]) &- relative
                k &+= 1
                guard start >= 0 && start &+ last < dl else { continue }
                if codes == nil { codes = try segment.wordCodes(of: d) }
                if let single {
                    count &+= CommonWords.code(codes!, at: Int(start) &+ single.relative) == single.code ? 1 : 0
                } else {
                    count &+= codedWordsStand(in: codes!, from: Int(start)) ? 1 : 0
                }
            }
            if count > 0 { return (i, count) }
            i &+= 1
        }
        return nil
    }

    /// Whether every coded word stands at its place in `codes` for a phrase starting at
    /// `start`.
    @inline(__always)
    private func codedWordsStand(in codes: UnsafeRawBufferPointer, from start: Int) -> Bool {
        for c in coded where CommonWords.code(codes, at: start &+ c.relative) != c.code { return false }
        return true
    }

    /// The number of starts of the phrase in document `d` (the current one of the proposer
    /// and of `second`).
    private func matches(in d: Int32) throws(IndexError) -> Int {
        let dl = Int64(segment.length(of: Int(d)))
        let p: UnsafePointer<Int32>
        let n: Int
        if readsBlockPositions {
            let block = try driver.blockPositions()
            p = block.baseAddress!
            n = block.count
        } else {
            try driver.checkFrequencyFitsPositions()
            positions.resize(to: driver.frequency)
            n = try driver.positions(intoBuffer: positions.base)
            p = UnsafePointer(positions.base)
        }
        starts.resize(to: n)
        let s = starts.base
        var count = 0
        for i in 0..<n {
            let start = Int64(p[i]) - driverRelative
            if start >= 0 && start + last < dl {
                s[count] = start
                count += 1
            }
        }
        // The proposer's other slots: its positions, sorted, merged with the starts.
        for r in driverOtherSlots where count > 0 {
            var kept = 0
            var j = 0
            for i in 0..<count {
                let wanted = s[i] + r
                while j < n && Int64(p[j]) < wanted { j += 1 }
                if j < n && Int64(p[j]) == wanted {
                    s[kept] = s[i]
                    kept += 1
                }
            }
            count = kept
        }
        // The second term (on this document already), whose positions are read in list
        // order, before the codes (a read elsewhere in the file per document).
        if let second {
            count = try keep(second, slots: secondSlots, count)
        }
        if count > 0 && !coded.isEmpty {
            let codes = try segment.wordCodes(of: Int(d))
            var kept = 0
            if coded.count == 1 {
                // One coded word (the usual phrase of two words): each start kept or not
                // without a branch.
                let relative = coded[0].relative, code = coded[0].code
                for i in 0..<count {
                    let start = s[i]
                    s[kept] = start
                    kept &+= CommonWords.code(codes, at: Int(start) &+ relative) == code ? 1 : 0
                }
            } else {
                for i in 0..<count where codedWordsStand(in: codes, from: Int(s[i])) {
                    s[kept] = s[i]
                    kept += 1
                }
            }
            count = kept
        }
        for other in rest where count > 0 {
            if try other.postings.advance(to: d) != d { return 0 }
            count = try keep(other.postings, slots: other.slots, count)
        }
        return count
    }

    /// Keeps the first `count` starts that `other` completes (at each of its slots), and
    /// returns how many.
    private func keep(_ postings: PostingsIterator, slots: [Int64], _ count: Int) throws(IndexError) -> Int {
        let s = starts.base
        var count = count
        for r in slots where count > 0 {
            for i in 0..<count { s[i] += r }
            count = try postings.keepPositions(s, count: count)
            for i in 0..<count { s[i] -= r }
        }
        return count
    }

    func score() -> Double {
        bm25.score(idf: idf, tf: frequency, length: segment.length(of: Int(doc)))
    }

    func explain(into list: inout [ClauseExplanation]) {
        list.append(ClauseExplanation(clause: label, tf: frequency, df: 0, idf: idf,
                                      dl: segment.length(of: Int(doc)), avgdl: bm25.averageLength, score: score()))
    }
}
