import Foundation
import IndexFormat
import XCTest
@testable import Search

/// `AheadHits`, the candidates a helper thread decorates while matching goes on: the
/// best one still among the top hits is given first, none twice; once matching is over
/// only the hits shown are claimed, in (segment, document) order, and collected in rank
/// order, each made once whether ahead or after.
final class AheadHitsTests: XCTestCase {
    func candidate(_ score: Double, _ segment: Int, _ doc: Int32) -> Candidate {
        Candidate(score: score, segment: segment, doc: doc)
    }

    func made(_ c: Candidate) -> AheadHits.Made {
        AheadHits.Made(path: "\(c.segment)/\(c.doc)", title: "t\(c.doc)", snippet: nil)
    }

    func testBestCandidateFirstAndNoneBelowTheFloor() {
        let ahead = AheadHits()
        ahead.offer(candidate(1.0, 0, 5), floor: nil)
        ahead.offer(candidate(3.0, 0, 9), floor: nil)
        ahead.offer(candidate(2.0, 1, 2), floor: 1.5)   // the top hits are full: 1.0 has left them
        guard case .candidate(let first, let c1) = ahead.guess() else { return XCTFail("a candidate") }
        XCTAssertEqual(c1.score, 3.0)
        ahead.made(first, .success(made(c1)))
        guard case .candidate(let second, let c2) = ahead.guess() else { return XCTFail("a candidate") }
        XCTAssertEqual(c2.score, 2.0)
        ahead.made(second, .success(made(c2)))
        // 1.0 is below the floor; a new better one comes later.
        ahead.offer(candidate(2.5, 0, 40), floor: 2.0)
        guard case .candidate(let third, let c3) = ahead.guess() else { return XCTFail("a candidate") }
        XCTAssertEqual(c3.doc, 40)
        ahead.made(third, .success(made(c3)))
        if case .candidate(let i, let c) = ahead.guess(waiting: false) {
            XCTFail("\(c.score) is below the floor")
            ahead.made(i, .success(made(c)))
        }

        // Matching ends: shown are 2.5 (made), 3.0 (made), 2.0 (made) and one never offered.
        let shown = [candidate(3.0, 0, 9), candidate(2.5, 0, 40), candidate(2.0, 1, 2), candidate(1.9, 0, 30)]
        ahead.matched(shown)
        if case .candidate = ahead.guess() { XCTFail("matching is over: no more guesses") }
        // Only the one not made is claimed, once.
        let claimed = ahead.claimNext()
        XCTAssertEqual(claimed?.1.doc, 30)
        XCTAssertNil(ahead.claimNext())
        ahead.made(claimed!.index, .success(made(claimed!.1)))
        let hits = try? ahead.collect()
        XCTAssertEqual(hits?.map(\.path), ["0/9", "0/40", "1/2", "0/30"])
    }

    func testHitsShownAreClaimedInSegmentAndDocumentOrderAndFailuresSurface() {
        let ahead = AheadHits()
        let shown = [candidate(5, 1, 3), candidate(4, 0, 8), candidate(3, 1, 1), candidate(2, 0, 2)]
        for c in shown { ahead.offer(c, floor: nil) }
        ahead.matched(shown)
        var order: [String] = []
        while let (i, c) = ahead.claimNext() {
            order.append("\(c.segment)/\(c.doc)")
            ahead.made(i, c.doc == 1 ? .failure(.corrupt(file: "x", offset: nil, reason: "damaged")) : .success(made(c)))
        }
        XCTAssertEqual(order, ["0/2", "0/8", "1/1", "1/3"])
        XCTAssertThrowsError(try ahead.collect())
    }

    /// Two threads at once: every hit shown is made exactly once, and the results are
    /// each hit's own.
    func testTwoThreadsMakeEachHitOnce() {
        for round in 0..<50 {
            let ahead = AheadHits()
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 400)
            counts.initialize(repeating: 0)
            defer { counts.deallocate() }
            let box = UncheckedSendable((ahead, counts))
            let helper = Thread {
                let (ahead, counts) = box.value
                while true {
                    switch ahead.guess() {
                    case .candidate(let i, let c):
                        counts[Int(c.doc)] += 1
                        ahead.made(i, .success(AheadHits.Made(path: "\(c.doc)", title: "", snippet: nil)))
                    case .none:
                        continue
                    case .over:
                        while let (i, c) = ahead.claimNext() {
                            counts[Int(c.doc)] += 1
                            ahead.made(i, .success(AheadHits.Made(path: "\(c.doc)", title: "", snippet: nil)))
                        }
                        return
                    }
                }
            }
            helper.start()
            var floor = 0.0
            for d in 0..<400 {
                let score = Double((d * 7919 + round) % 1000)
                if score > floor { ahead.offer(candidate(score, 0, Int32(d)), floor: floor); floor += 2 }
            }
            let shown = (0..<400).filter { Double(($0 * 7919 + round) % 1000) > 600 }.prefix(10).map { candidate(1, 0, Int32($0)) }
            ahead.matched(Array(shown))
            while let (i, c) = ahead.claimNext() {
                counts[Int(c.doc)] += 1
                ahead.made(i, .success(AheadHits.Made(path: "\(c.doc)", title: "", snippet: nil)))
            }
            let hits = try? ahead.collect()
            XCTAssertEqual(hits?.map(\.path), shown.map { "\($0.doc)" }, "round \(round)")
            ahead.close()
            while !helper.isFinished { usleep(10) }
            XCTAssertTrue(counts.allSatisfy { $0 <= 1 }, "round \(round): a candidate made twice")
            for c in shown { XCTAssertEqual(counts[Int(c.doc)], 1, "round \(round): hit \(c.doc)") }
        }
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
