import Foundation
import XCTest
@testable import IndexFormat

/// The processors a process may use, from its affinity mask and cgroup CPU quota.
final class ProcessorsTests: XCTestCase {
    func testCgroupQuotasInWholeProcessors() {
        XCTAssertNil(Processors.quota(cpuMax: "max 100000\n"))
        XCTAssertEqual(Processors.quota(cpuMax: "100000 100000\n"), 1)
        XCTAssertEqual(Processors.quota(cpuMax: "150000 100000\n"), 2)
        XCTAssertEqual(Processors.quota(cpuMax: "50000 100000"), 1)
        XCTAssertEqual(Processors.quota(cpuMax: "400000 100000"), 4)
        XCTAssertNil(Processors.quota(cpuMax: ""))
        XCTAssertNil(Processors.quota(cfsQuota: "-1\n", period: "100000\n"))
        XCTAssertEqual(Processors.quota(cfsQuota: "250000\n", period: "100000\n"), 3)
        XCTAssertEqual(Processors.quota(cfsQuota: "20000", period: "100000"), 1)
        XCTAssertNil(Processors.quota(cfsQuota: "x", period: "100000"))
    }

    /// `nproc` counts the processors of its affinity mask (inherited from this process):
    /// without a quota below it, the count is the same.
    func testAvailableIsTheAffinityMaskWithoutAQuota() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/nproc") else { throw XCTSkip("nproc is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nproc")
        process.environment = [:]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let nproc = try XCTUnwrap(Int(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let available = Processors.available()
        XCTAssertGreaterThanOrEqual(available, 1)
        if let quota = Processors.cgroupQuota, quota < nproc {
            XCTAssertEqual(available, quota)
        } else {
            XCTAssertEqual(available, nproc)
        }
    }
}
