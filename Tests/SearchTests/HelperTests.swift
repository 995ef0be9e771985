import Foundation
import IndexFormat
import Synchronization
import XCTest
@testable import Search

/// `Helper`, the thread a query hands part of its work to: work posted runs once, on the
/// helper or (taken back before it started) not at all there, never both.
final class HelperTests: XCTestCase {
    private final class Count: Sendable {
        let value = Atomic<Int>(0)
        func add() { _ = value.wrappingAdd(1, ordering: .relaxed) }
        var now: Int { value.load(ordering: .relaxed) }
    }

    func testPostedWorkRunsOnceOrIsTakenBack() {
        var helper = Helper()
        defer { helper.release() }
        var takenBack = 0, ranThere = 0
        for round in 0..<10_000 {
            let runs = Count()
            if !helper.post({ runs.add() }) {
                // It gave up waiting (`patience`): another one.
                helper.release()
                helper = Helper()
                continue
            }
            // Between 0 and 40 µs before taking it back: sometimes the helper is first.
            let until = DispatchTime.now().uptimeNanoseconds + UInt64(round % 41) * 1000
            while DispatchTime.now().uptimeNanoseconds < until {}
            if helper.takeBack() {
                takenBack += 1
                // Taken back: it must never run, even later.
                usleep(20)
                XCTAssertEqual(runs.now, 0)
            } else {
                helper.waitUntilDone()
                ranThere += 1
                XCTAssertEqual(runs.now, 1)
            }
        }
        XCTAssertGreaterThan(takenBack, 0)
        // On one processor the helper may never get to run within 40 µs.
        if Processors.available() > 1 { XCTAssertGreaterThan(ranThere, 0) }
        // Posted and waited for, not taken back: it runs there, once.
        let runs = Count()
        if helper.post({ runs.add() }) {
            helper.waitUntilDone()
            XCTAssertEqual(runs.now, 1)
        }
    }

    /// A helper whose thread has not started yet: what is posted to it can be taken back
    /// at once (the query does the work itself instead of waiting).
    func testWorkOfAHelperNotStartedIsTakenBack() {
        let ran = Count()
        let helper = Helper(first: { ran.add() })
        defer { helper.release() }
        if helper.takeBack() {
            usleep(20_000)
            XCTAssertEqual(ran.now, 0)
        } else {
            helper.waitUntilDone()
            XCTAssertEqual(ran.now, 1)
        }
    }
}
