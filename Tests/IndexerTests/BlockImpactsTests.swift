@testable import IndexFormat
import XCTest

final class BlockImpactsTests: XCTestCase {
    func encode(_ pairs: [(UInt32, UInt32)]) -> [UInt8] {
        let tfs = pairs.map(\.0), dls = pairs.map(\.1)
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * pairs.count)
        defer { scratch.deallocate() }
        var out = ByteWriter()
        tfs.withUnsafeBufferPointer { t in
            dls.withUnsafeBufferPointer { d in
                BlockImpacts.encode(frequencies: t.baseAddress!, lengths: d.baseAddress!, count: pairs.count, scratch: scratch, into: &out)
            }
        }
        return out.bytes
    }

    func bound(_ bytes: [UInt8], maxFrequency: Int, _ score: (Int, Int) -> Double) -> Double {
        bytes.withUnsafeBytes { BlockImpacts.bound($0.baseAddress!, maxFrequency: maxFrequency, score) }
    }

    /// The worked example of `BlockImpacts`, byte for byte.
    func testWorkedExample() {
        XCTAssertEqual(encode([(1, 40), (1, 300), (2, 120), (5, 900), (3, 100)]),
                       [0x01, 0x00, 0x28, 0x00, 0x03, 0x00, 0x64, 0x00, 0x05, 0x00, 0x84, 0x03, 0x00, 0x00, 0x00, 0x00])
    }

    /// For blocks of random documents and random BM25 parameters, the corners' bound is
    /// never below a document's score, is the block's best score exactly when the front
    /// has at most four pairs, and is never above the bound of the largest tf with the
    /// smallest length.
    func testBoundCoversEveryDocumentAndIsTight() {
        var seed: UInt64 = 3
        func rand(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        var exact = 0
        for round in 0..<400 {
            let count = 1 + rand(128)
            var pairs: [(UInt32, UInt32)] = []
            for _ in 0..<count {
                // Now and then a tf or a length past 16 bits.
                let tf = rand(50) == 0 ? 70_000 + rand(10) : 1 + rand(round % 2 == 0 ? 4 : 40)
                let dl = rand(50) == 0 ? 100_000 + rand(1000) : tf + rand(3000)
                pairs.append((UInt32(tf), UInt32(dl)))
            }
            let bytes = encode(pairs)
            XCTAssertEqual(bytes.count, SegmentFormat.impactsSize)
            let maxTf = Int(pairs.map(\.0).max()!), minDl = Int(pairs.map(\.1).min()!)
            for _ in 0..<5 {
                // BM25 of SPEC section 2, for k1 in [0, 3), b in [0, 1].
                let k1 = Double(rand(30)) / 10, b = Double(rand(11)) / 10, avgdl = Double(50 + rand(900))
                let score = { (tf: Int, dl: Int) in 1.5 * Double(tf) * (k1 + 1) / (Double(tf) + k1 * (1 - b + b * Double(dl) / avgdl)) }
                let bounded = bound(bytes, maxFrequency: maxTf, score)
                let best = pairs.map { score(Int($0.0), Int($0.1)) }.max()!
                XCTAssertGreaterThanOrEqual(bounded, best, "round \(round)")
                XCTAssertLessThanOrEqual(bounded, score(maxTf, minDl), "round \(round)")
                let front = pairs.filter { p in !pairs.contains { q in (q.0 >= p.0 && q.1 < p.1) || (q.0 > p.0 && q.1 <= p.1) } }
                if Set(front.map { "\($0.0),\($0.1)" }).count <= BlockImpacts.corners && pairs.allSatisfy({ $0.0 < 0xFFFF && $0.1 <= 0xFFFF }) {
                    XCTAssertEqual(bounded, best, "round \(round): a front of at most four pairs is kept as it is")
                    exact += 1
                }
            }
        }
        XCTAssertGreaterThan(exact, 100)
    }
}
