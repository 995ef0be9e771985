/// The corners that bound the (TF, length) pairs of a full block's documents (format
/// version 9 on), from which a query bounds the block's BM25 scores for its own k1 and b.
///
/// BM25 grows with TF and shrinks with the document's length (for k1 ≥ 0 and
/// 0 ≤ b ≤ 1), so a document's score is at most that of any pair with a TF at least its
/// own and a length at most its own: a corner that "covers" it. The pairs no other pair
/// covers (the Pareto front: as TF rises, so does the shortest length with that TF) hold
/// the block's best score whatever k1 and b are. Up to four of them are kept as they
/// are; a longer front is cut into four runs (in order of TF), each replaced by its
/// highest TF with its shortest length, a corner that covers the whole run.
///
/// The block's largest TF and smallest length (its skip entry) are one corner covering
/// everything: the bound of a block holding one document with TF 5 in 900 positions and
/// another with TF 1 in 40 is the score of TF 5 in 40 positions, which no document has.
///
/// Worked example: pairs (1, 40), (1, 300), (2, 120), (5, 900), (3, 100) have the front
/// (1, 40), (3, 100), (5, 900) ((1, 300) and (2, 120) are covered by (3, 100)): the
/// `Impacts` bytes are `01 00 28 00 03 00 64 00 05 00 84 03 00 00 00 00`.
public enum BlockImpacts {
    public static let corners = 4

    /// Appends the `Impacts` of a block whose documents have `frequencies` and
    /// `lengths` (as many, at least one) to `out`. `scratch` holds at least
    /// 2 · `count` values (the pairs sorted, then the front).
    static func encode(frequencies: UnsafePointer<UInt32>, lengths: UnsafePointer<UInt32>, count: Int,
                       scratch: UnsafeMutablePointer<UInt64>, into out: inout ByteWriter) {
        // By TF descending, then length ascending: the front is each pair shorter than
        // every pair before it (those have a TF at least as high).
        let front = scratch + count
        var n = 0
        var shortest = UInt32.max
        var maxTf: UInt32 = 0
        for i in 0..<count { maxTf = max(maxTf, frequencies[i]) }
        if maxTf < UInt32(count) {
            // Small TFs (nearly always): the shortest length of each TF, then the TFs from
            // the highest down, without sorting. `scratch` holds the shortest per TF.
            for tf in 0...Int(maxTf) { scratch[tf] = UInt64(UInt32.max) }
            for i in 0..<count { scratch[Int(frequencies[i])] = min(scratch[Int(frequencies[i])], UInt64(lengths[i])) }
            for tf in stride(from: Int(maxTf), through: 1, by: -1) where scratch[tf] < UInt64(shortest) {
                shortest = UInt32(scratch[tf])
                front[n] = UInt64(~UInt32(tf)) << 32 | scratch[tf]
                n += 1
            }
        } else {
            for i in 0..<count { scratch[i] = UInt64(~frequencies[i]) << 32 | UInt64(lengths[i]) }
            var sorted = UnsafeMutableBufferPointer(start: scratch, count: count)
            sorted.sort()
            for i in 0..<count {
                let length = UInt32(truncatingIfNeeded: scratch[i])
                if length < shortest {
                    shortest = length
                    front[n] = scratch[i]
                    n += 1
                }
            }
        }
        // `front` is by TF descending (and length descending): runs of it, from its end.
        for c in 0..<corners {
            if c >= n {
                out.u32(0)
                continue
            }
            let lo = c * n / min(n, corners), hi = (c + 1) * n / min(n, corners)
            // Run [lo, hi) of the front taken from its end: TF ascending.
            let highest = front[n - hi], shortestInRun = front[n - 1 - lo]
            let tf = ~UInt32(truncatingIfNeeded: highest >> 32)
            let length = UInt32(truncatingIfNeeded: shortestInRun)
            out.u16(UInt16(min(tf, 0xFFFF)))
            out.u16(UInt16(min(length, 0xFFFF)))
        }
    }

    /// The largest of `score(tf, length)` over the corners at `impacts` (`impactsSize`
    /// bytes), `maxFrequency` standing for a TF of 65535.
    @inline(__always)
    public static func bound(_ impacts: UnsafeRawPointer, maxFrequency: Int, _ score: (Int, Int) -> Double) -> Double {
        var best = 0.0
        for c in 0..<corners {
            let word = UInt32(littleEndian: impacts.loadUnaligned(fromByteOffset: 4 * c, as: UInt32.self))
            let tf = Int(word & 0xFFFF)
            if tf == 0 { break }
            best = max(best, score(tf == 0xFFFF ? maxFrequency : tf, Int(word >> 16)))
        }
        return best
    }
}
