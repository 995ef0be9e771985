import Foundation
import XCTest

/// A file that keeps growing while `index` reads it: no crash, no hang, and the
/// document is indexed with some prefix of its content (whatever was there when read).
final class GrowingFileTests: CLITestCase {
    func testFileGrowingWhileIndexed() throws {
        var files: [String: String] = [:]
        for i in 0..<300 { files["f\(i).txt"] = "Document \(i) over de aanval\n" }
        let corpus = try makeCorpus(files)
        let growing = corpus.appendingPathComponent("groeiend.txt")
        try write("Groeiend bestand\n", to: growing)
        let index = scratch.appendingPathComponent("idx")

        // A writer that appends lines to the file until told to stop.
        let stop = ManagedAtomicFlag()
        let appender = Thread {
            guard let handle = try? FileHandle(forWritingTo: growing) else { return }
            handle.seekToEndOfFile()
            let line = Data(String(repeating: "meer tekst over de veiligheidsraad ", count: 30).appending("\n").utf8)
            var written = 0
            while !stop.isSet && written < 32 << 20 {
                handle.write(line)
                written += line.count
                usleep(200)  // about 5 MB/s at most
            }
            try? handle.close()
        }
        appender.start()
        var results: [Int32] = []
        for _ in 0..<3 {
            let r = run(["index", corpus.path, "--index", index.path, "--memory-mb", "8"], timeout: 120)
            results.append(r.exitCode)
            XCTAssertEqual(r.exitCode, 0, r.stderr)
        }
        stop.set()
        while appender.isExecuting { usleep(1000) }
        XCTAssertEqual(results, [0, 0, 0])
        let check = run(["check", "--index", index.path])
        XCTAssertEqual(check.exitCode, 0, check.stderr)
        // The growing document is there, with its first line as the title.
        let hits = run(["search", "groeiend", "--index", index.path, "--json"])
        XCTAssertEqual(hits.exitCode, 0, hits.stderr)
        XCTAssertTrue(hits.stdout.contains("\"path\": \"groeiend.txt\""), hits.stdout)
    }
}

/// A set-once flag shared between threads.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
