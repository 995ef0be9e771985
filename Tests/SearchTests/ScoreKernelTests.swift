// ScoreKernelTests.swift
//
// The window scorer sums BM25 four postings at a time in C (`csimd_add_scores`). Its
// sums must have the bits of SPEC section 2's expression evaluated one posting at a
// time, for documents inside the mask only, whatever the count (the tail after the
// last four) and the window's first document.

import XCTest
import CSIMD

final class ScoreKernelTests: XCTestCase {
    func testKernelSumsHaveTheBitsOfTheScalarExpression() {
        var rng = SeededGenerator(seed: 0x5C0E)
        let documentCount = 5000
        // K(dl) = k1·(1 − b + b·dl/avgdl) for assorted lengths and parameters.
        var factors = [Double](repeating: 0, count: documentCount)
        for round in 0..<200 {
            let k1 = Double.random(in: 0...3, using: &rng)
            let b = Double.random(in: 0...1, using: &rng)
            let avgdl = Double.random(in: 1...500, using: &rng)
            for d in 0..<documentCount {
                let dl = Double(Int.random(in: 1...5000, using: &rng))
                factors[d] = k1 * (1 - b + b * dl / avgdl)
            }
            let idf = Double.random(in: 0.0001...12, using: &rng)
            let base = Int.random(in: 0..<(documentCount - 1024), using: &rng)
            // A window's postings: increasing documents in [base, base + 1024).
            let count = Int.random(in: 0...300, using: &rng)
            let docs = (0..<1024).shuffled(using: &rng).prefix(count).sorted().map { UInt32(base + $0) }
            let freqs = docs.map { _ in UInt32(Int.random(in: 1...(round % 3 == 0 ? 70_000 : 20), using: &rng)) }
            var mask = [UInt64](repeating: 0, count: 16)
            for w in 0..<16 { mask[w] = rng.next() }
            let prior = (0..<1024).map { _ in Double.random(in: 0...30, using: &rng) }
            for masked in [false, true] {
                var expected = prior
                for (d, f) in zip(docs, freqs) {
                    let o = Int(d) - base
                    if masked && mask[o >> 6] >> UInt64(o & 63) & 1 == 0 { continue }
                    let tf = Double(f)
                    expected[o] += idf * tf * (k1 + 1) / (tf + factors[Int(d)])
                }
                var acc = prior
                docs.withUnsafeBufferPointer { dp in
                    freqs.withUnsafeBufferPointer { fp in
                        factors.withUnsafeBufferPointer { kp in
                            mask.withUnsafeBufferPointer { mp in
                                acc.withUnsafeMutableBufferPointer { ap in
                                    csimd_add_scores(dp.baseAddress, fp.baseAddress, Int32(count), UInt32(base), kp.baseAddress!,
                                                     idf, k1 + 1, masked ? mp.baseAddress : nil, ap.baseAddress!)
                                }
                            }
                        }
                    }
                }
                for o in 0..<1024 where acc[o].bitPattern != expected[o].bitPattern {
                    XCTFail("round \(round), masked \(masked), offset \(o): \(acc[o]) instead of \(expected[o])")
                    return
                }
            }
        }
    }

    /// A block's best score (`csimd_best_score`, learned bounds) is the largest of the
    /// postings' scores by the same expression, bit for bit, whatever the count; -1 when a
    /// posting's K(dl) is not set.
    func testBestScoreIsTheLargestScalarScore() {
        var rng = SeededGenerator(seed: 0xBE57)
        let documentCount = 3000
        var factors = [Double](repeating: 0, count: documentCount)
        for round in 0..<400 {
            let k1 = Double.random(in: 0...3, using: &rng), b = Double.random(in: 0...1, using: &rng)
            let avgdl = Double.random(in: 1...500, using: &rng)
            for d in 0..<documentCount { factors[d] = k1 * (1 - b + b * Double(Int.random(in: 1...5000, using: &rng)) / avgdl) }
            let idf = Double.random(in: 0.0001...12, using: &rng)
            let count = round % 4 == 0 ? 128 : Int.random(in: 0...140, using: &rng)
            let docs = (0..<documentCount).shuffled(using: &rng).prefix(count).sorted().map { UInt32($0) }
            let freqs = docs.map { _ in UInt32(Int.random(in: 1...(round % 3 == 0 ? 70_000 : 20), using: &rng)) }
            var expected = 0.0
            for (d, f) in zip(docs, freqs) {
                let tf = Double(f)
                expected = max(expected, idf * tf * (k1 + 1) / (tf + factors[Int(d)]))
            }
            let best = docs.withUnsafeBufferPointer { dp in
                freqs.withUnsafeBufferPointer { fp in
                    factors.withUnsafeBufferPointer { kp in csimd_best_score(dp.baseAddress, fp.baseAddress, Int32(count), kp.baseAddress!, idf, k1 + 1) }
                }
            }
            XCTAssertEqual(best.bitPattern, expected.bitPattern, "round \(round), \(count) postings: \(best) instead of \(expected)")
            // A posting whose K(dl) is not set yet (NaN), anywhere: -1, so that the caller
            // sets them and asks again.
            guard let unset = docs.randomElement(using: &rng) else { continue }
            let kept = factors[Int(unset)]
            factors[Int(unset)] = .nan
            let refused = docs.withUnsafeBufferPointer { dp in
                freqs.withUnsafeBufferPointer { fp in
                    factors.withUnsafeBufferPointer { kp in csimd_best_score(dp.baseAddress, fp.baseAddress, Int32(count), kp.baseAddress!, idf, k1 + 1) }
                }
            }
            XCTAssertEqual(refused, -1, "round \(round): a NaN factor at document \(unset) of \(count)")
            factors[Int(unset)] = kept
        }
    }

    /// A clause's documents set their window bits (`csimd_set_bits`) as one at a time
    /// would, at every density (runs of eight in a word and not) and window start.
    func testSetBitsSetsEachDocumentsBit() {
        var rng = SeededGenerator(seed: 0xB175)
        for round in 0..<500 {
            let base = UInt32.random(in: 0...100_000, using: &rng)
            let density = [1, 2, 3, 8, 16, 40, 64][round % 7]
            let docs = (0..<1024).filter { _ in Int.random(in: 0..<64, using: &rng) < density }.map { base + UInt32($0) }
            var expected = [UInt64](repeating: 0, count: 16)
            for d in docs { expected[Int(d - base) >> 6] |= 1 << UInt64((d - base) & 63) }
            var bits = [UInt64](repeating: 0, count: 16)
            docs.withUnsafeBufferPointer { dp in
                bits.withUnsafeMutableBufferPointer { bp in csimd_set_bits(dp.baseAddress, Int32(docs.count), base, bp.baseAddress!) }
            }
            XCTAssertEqual(bits, expected, "round \(round), \(docs.count) documents from \(base)")
        }
    }

    /// A block's documents below a target are counted (`csimd_count_below`, the index of
    /// a seek within the block) as one at a time would, for every length up to a block
    /// and targets below, inside and above the values.
    func testCountBelowCountsEachValueBelowTheTarget() {
        var rng = SeededGenerator(seed: 0xC0B7)
        for round in 0..<2000 {
            let count = round % 130
            var values: [Int32] = []
            var v = Int32.random(in: 0...1_000_000, using: &rng)
            for _ in 0..<count {
                values.append(v)
                v += Int32.random(in: 1...50, using: &rng)
            }
            let target = Int32.random(in: (values.first ?? 0) - 10...v + 10, using: &rng)
            let counted = values.withUnsafeBufferPointer { csimd_count_below($0.baseAddress, Int32(count), target) }
            XCTAssertEqual(Int(counted), values.filter { $0 < target }.count, "round \(round), \(count) values, target \(target)")
        }
    }
}
