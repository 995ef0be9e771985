import Foundation
import XCTest
@testable import Indexer

final class FolderWalkerTests: XCTestCase {
    /// The walk's order is UTF-8 byte order of the relative paths (a folder's files after
    /// `a-b` and `a.txt` when its name is `a`: '/' is 0x2F), whatever the strings' storage.
    func testPathsComeInUTF8ByteOrder() throws {
        let names = ["a", "a-b", "a.txt", "a/x", "a/x/y", "b", "B", "é", "e\u{301}", "z", "Ω", "中", "🍎", "a b", ""]
        var state: UInt64 = 1
        for _ in 0..<2_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let a = names[Int(state >> 33) % names.count] + names[Int(state >> 40) % names.count]
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let b = names[Int(state >> 33) % names.count] + names[Int(state >> 40) % names.count]
            // Also through a bridged-looking, non-contiguous path: a Substring made String.
            let c = String(("x" + b).dropFirst())
            XCTAssertEqual(FolderWalker.precedesInUTF8Order(a, b), Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)), "\(a) < \(b)")
            XCTAssertEqual(FolderWalker.precedesInUTF8Order(a, c), Array(a.utf8).lexicographicallyPrecedes(Array(c.utf8)), "\(a) < \(c)")
        }
        let folder = NSTemporaryDirectory() + "/walk-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = ["a.txt", "a-b.txt", "a/x.txt", "é.txt", "e\u{301}.txt", "B.txt", "b.txt", "a/a b.txt"]
        for f in files {
            let url = URL(fileURLWithPath: folder + "/" + f)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: url)
        }
        let walked = try FolderWalker(includes: ["*.txt"], excludes: [], warn: { _ in }).walk(folder).map(\.relativePath)
        XCTAssertEqual(walked, files.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        XCTAssertEqual(walked.count, files.count)
    }
}
