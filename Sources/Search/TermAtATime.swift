import IndexFormat

/// Term-at-a-time evaluation of a flat group of term clauses in one segment: each
/// clause's postings are read block by block and added into a per-document score
/// accumulator, in query order (so a document's sum is formed in the same order as
/// doc-at-a-time evaluation). Cost O(Σ df + documents / 64), with a tight inner loop;
/// used when the clauses are mostly optional (OR queries, single terms).
final class TermAtATime {
    private var scores: [Double] = []
    private var mustCounts: [UInt8] = []
    private var seen: [UInt64] = []
    private var excluded: [UInt64] = []

    /// Per segment and BM25 parameters: 1/(1 + k1·(1 − b + b·dl/avgdl)) per document,
    /// filled in as documents are met (the tf = 1 score is idf·(k1+1) times it).
    private final class Reciprocals {
        let key: (k1: Double, b: Double, avgdl: Double)
        let values: UnsafeMutableBufferPointer<Double>
        init(key: (Double, Double, Double), count: Int) {
            self.key = key
            values = .allocate(capacity: max(count, 1))
            values.initialize(repeating: 0)
        }
        deinit { values.deallocate() }
    }
    /// Keyed by reader identity: the readers belong to the `Searcher`'s snapshot, which
    /// outlives this object, so an identifier is never reused for another segment.
    private var reciprocalCache: [ObjectIdentifier: Reciprocals] = [:]

    private func reciprocals(for reader: SegmentReader, k1: Double, b: Double, avgdl: Double) -> UnsafeMutableBufferPointer<Double> {
        let id = ObjectIdentifier(reader)
        if let cached = reciprocalCache[id], cached.key == (k1, b, avgdl) { return cached.values }
        let fresh = Reciprocals(key: (k1, b, avgdl), count: reader.documentCount)
        reciprocalCache[id] = fresh
        return fresh.values
    }

    struct Clause {
        var occur: Occur
        var info: TermInfo?
        var idf: Double
    }

    /// Runs `clauses` over `segment`; calls `collect(doc, score)` for every matching live
    /// document in increasing id order.
    func run(_ clauses: [Clause], segment: LiveSegment, bm25: BM25, collect: (Int32, Double) throws(IndexError) -> Void) throws(IndexError) {
        let reader = segment.reader
        let n = reader.documentCount
        if scores.count < n {
            scores = [Double](repeating: 0, count: n)
            mustCounts = [UInt8](repeating: 0, count: n)
        }
        let words = (n + 63) / 64
        if seen.count < words {
            seen = [UInt64](repeating: 0, count: words)
            excluded = [UInt64](repeating: 0, count: words)
        }
        let mustTotal = clauses.filter { $0.occur == .must }.count
        if mustTotal > 0 && clauses.contains(where: { $0.occur == .must && $0.info == nil }) { return }
        let k1 = bm25.k1
        let b = bm25.b
        let avgdl = bm25.averageLength
        var anyExcluded = false
        do {
            try accumulate(clauses, segment: segment, reader: reader, words: words, mustTotal: mustTotal,
                           k1: k1, b: b, avgdl: avgdl, anyExcluded: &anyExcluded, collect: collect)
        } catch {
            // Leave no partial sums behind for the next query.
            for i in scores.indices { scores[i] = 0 }
            for i in mustCounts.indices { mustCounts[i] = 0 }
            for i in seen.indices { seen[i] = 0 }
            for i in excluded.indices { excluded[i] = 0 }
            throw error
        }
    }

    private func accumulate(_ clauses: [Clause], segment: LiveSegment, reader: SegmentReader, words: Int, mustTotal: Int,
                            k1: Double, b: Double, avgdl: Double, anyExcluded: inout Bool,
                            collect: (Int32, Double) throws(IndexError) -> Void) throws(IndexError) {
        let lengths = reader.lengthTable
        let reciprocal = reciprocals(for: reader, k1: k1, b: b, avgdl: avgdl)
        try scores.withUnsafeMutableBufferPointer { (acc) throws(IndexError) in
            try mustCounts.withUnsafeMutableBufferPointer { (musts) throws(IndexError) in
                try seen.withUnsafeMutableBufferPointer { (seen) throws(IndexError) in
                    try excluded.withUnsafeMutableBufferPointer { (excluded) throws(IndexError) in
                        for clause in clauses {
                            guard let info = clause.info else { continue }
                            let it = try reader.postings(info)
                            let idf = clause.idf
                            while true {
                                let count = try it.nextBlock()
                                if count == 0 { break }
                                let docs = it.blockDocuments
                                let freqs = it.blockFrequencies
                                switch clause.occur {
                                case .mustNot:
                                    anyExcluded = true
                                    for i in 0..<count {
                                        let d = Int(docs[i])
                                        excluded[d >> 6] |= 1 << UInt64(d & 63)
                                    }
                                case .must, .should:
                                    let isMust = clause.occur == .must
                                    let single = idf * (k1 + 1)
                                    for i in 0..<count {
                                        let d = Int(docs[i])
                                        let f = freqs[i]
                                        if f == 1 {
                                            // Most postings: idf·(k1+1) · 1/(1 + K(dl)), with the
                                            // reciprocal cached per document (0 = not yet computed).
                                            var r = reciprocal[d]
                                            if r == 0 {
                                                let dl = Double(UInt32(littleEndian: lengths.loadUnaligned(fromByteOffset: d &* 4, as: UInt32.self)))
                                                let norm = avgdl > 0 ? dl / avgdl : 0
                                                r = 1 / (1 + k1 * (1 - b + b * norm))
                                                reciprocal[d] = r
                                            }
                                            acc[d] += single * r
                                        } else {
                                            let tf = Double(f)
                                            // In range: postings are checked against documentCount on load.
                                            let dl = Double(UInt32(littleEndian: lengths.loadUnaligned(fromByteOffset: d &* 4, as: UInt32.self)))
                                            let norm = avgdl > 0 ? dl / avgdl : 0
                                            // The expression of `BM25.score`, inlined.
                                            acc[d] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * norm))
                                        }
                                        seen[d >> 6] |= 1 << UInt64(d & 63)
                                        if isMust { musts[d] &+= 1 }
                                    }
                                }
                            }
                        }
                        // Collect, and reset what was touched.
                        for w in 0..<words {
                            var bits = seen[w]
                            if bits == 0 { continue }
                            seen[w] = 0
                            let drop = excluded[w]
                            while bits != 0 {
                                let d = w << 6 | bits.trailingZeroBitCount
                                bits &= bits - 1
                                let score = acc[d]
                                acc[d] = 0
                                let mustCount = Int(musts[d])
                                musts[d] = 0
                                if drop & (1 << UInt64(d & 63)) != 0 { continue }
                                if mustCount < mustTotal { continue }
                                if !segment.isLive(d) { continue }
                                try collect(Int32(d), score)
                            }
                        }
                        if anyExcluded {
                            for w in 0..<words { excluded[w] = 0 }
                        }
                    }
                }
            }
        }
    }
}
