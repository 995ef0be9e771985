import IndexFormat

/// An exact phrase (no slop) of common words only ("een het", "van een een") in a segment
/// with pair lists (`CommonPairs`): the documents where its first two words stand side by
/// side, and how often, are the list of their pair, so a two-word phrase is that list.
/// A longer one is in the documents of all its pairs' lists; each of those is checked by
/// its words' codes (`CommonWords.Sequence`, eleven positions at a time).
///
/// The same documents and tf as `PhraseScorer`: with slop 0 the chaining rule of SPEC
/// section 3 keeps exactly the starts p where the i-th word stands at p + i, and a
/// position holds at most one term, so its code says which word is there.
final class PairPhraseScorer: DocScorer {
    let segment: SegmentReader
    let bm25: BM25
    let idf: Double
    let label: String
    /// The shortest of the lists of the phrase's distinct pairs, and the others.
    private let lead: CommonPairPostings
    private let others: ContiguousArray<CommonPairPostings>
    /// The words' codes, in phrase order (three or more: each document is checked for
    /// the whole `sequence`).
    private let codes: [Int]
    private let sequence: CommonWords.Sequence
    private(set) var doc: Int32 = -1
    private var frequency = 0

    /// The scorer of the phrase whose words have `codes` (two or more, in phrase order,
    /// relative positions 0, 1, 2, …), or `nil` when the segment has no pair lists.
    init?(segment: SegmentReader, codes: [Int], bm25: BM25, idf: Double, label: String) throws(IndexError) {
        var keys: [Int] = []
        var lists: [CommonPairPostings] = []
        for i in 0..<(codes.count - 1) where !keys.contains(CommonPairs.key(codes[i], codes[i + 1])) {
            guard let list = try segment.pairPostings(codes[i], codes[i + 1]) else { return nil }
            keys.append(CommonPairs.key(codes[i], codes[i + 1]))
            lists.append(list)
        }
        lists.sort { $0.documentFrequency < $1.documentFrequency }
        lead = lists[0]
        others = ContiguousArray(lists.dropFirst())
        self.codes = codes
        sequence = CommonWords.Sequence(codes)
        self.segment = segment
        self.bm25 = bm25
        self.idf = idf
        self.label = label
    }

    func next() throws(IndexError) -> Int32 {
        if doc == PostingsIterator.exhausted { return doc }
        return try advance(to: doc + 1)
    }

    func advance(to target: Int32) throws(IndexError) -> Int32 {
        if doc >= target { return doc }
        if codes.count == 2 {
            doc = try lead.advance(to: target)
            frequency = lead.frequency
            return doc
        }
        var d = try lead.advance(to: target)
        outer: while d != PostingsIterator.exhausted {
            for i in 0..<others.count {
                let o = try others[i].advance(to: d)
                if o != d {
                    d = try lead.advance(to: o)
                    continue outer
                }
            }
            // The positions p with the i-th word at p + i.
            frequency = sequence.count(in: try segment.wordCodes(of: Int(d)))
            if frequency > 0 { break }
            d = try lead.next()
        }
        doc = d
        return d
    }

    func score() -> Double {
        bm25.score(idf: idf, tf: frequency, length: segment.length(of: Int(doc)))
    }

    func explain(into list: inout [ClauseExplanation]) {
        list.append(ClauseExplanation(clause: label, tf: frequency, df: 0, idf: idf,
                                      dl: segment.length(of: Int(doc)), avgdl: bm25.averageLength, score: score()))
    }
}
