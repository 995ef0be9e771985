import Foundation
import XCTest

/// Corpora built to hurt: `index` must not crash or hang, must warn about what it skips
/// for a reason the user should know, and must leave a sound, searchable index.
final class HostileDocumentTests: CLITestCase {
    /// Indexes `corpus`, then checks and searches; returns the `index` result.
    func indexAndVerify(_ name: String, _ corpus: URL, query: String, expectHit: String?,
                        timeout: TimeInterval = 180, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let index = scratch.appendingPathComponent("index-\(name)", isDirectory: true)
        let r = run(["index", corpus.path, "--index", index.path], timeout: timeout, file: file, line: line)
        XCTAssertEqual(r.exitCode, 0, "\(name): index: \(r.stderr.prefix(500))", file: file, line: line)
        let check = run(["check", "--index", index.path], timeout: timeout, file: file, line: line)
        XCTAssertEqual(check.exitCode, 0, "\(name): check: \(check.stderr.prefix(500))", file: file, line: line)
        let (code, hits) = try searchHits(query, index: index, file: file, line: line)
        if let expectHit {
            XCTAssertEqual(code, 0, "\(name): search \(query)", file: file, line: line)
            XCTAssertTrue(hits.contains { $0.path == expectHit }, "\(name): \(expectHit) not found in \(hits.prefix(5))", file: file, line: line)
        }
        return r
    }

    func testHostileCorpora() throws {
        let started = Date()
        var tried = 0
        var passed = 0
        func attempt(_ name: String, _ body: () throws -> Void) {
            tried += 1
            let failures = testRun?.failureCount ?? 0
            let t = Date()
            do { try body() } catch { XCTFail("\(name): \(error)") }
            if (testRun?.failureCount ?? 0) == failures { passed += 1 }
            print("  hostile \(name): \((testRun?.failureCount ?? 0) == failures ? "ok" : "FAILED") in \(String(format: "%.1f", Date().timeIntervalSince(t))) s")
        }

        // SEARCHCTL_HOSTILE_BIG_MB sizes the one-line file (default 100; about 40 s in a debug build).
        let bigMB = ProcessInfo.processInfo.environment["SEARCHCTL_HOSTILE_BIG_MB"].flatMap(Int.init) ?? 100
        attempt("\(bigMB) MB single line") {
            let corpus = scratch.appendingPathComponent("big", isDirectory: true)
            try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
            let url = corpus.appendingPathComponent("big.txt")
            FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            let chunk = Data(String(repeating: "aanval gifgas Syrië veto ", count: 40_000).utf8)  // ~1 MB, no newline
            var written = 0
            while written < bigMB << 20 { try handle.write(contentsOf: chunk); written += chunk.count }
            try handle.close()
            try write("een klein bestand over de veiligheidsraad", to: corpus.appendingPathComponent("small.txt"))
            _ = try indexAndVerify("big", corpus, query: "veiligheidsraad", expectHit: "small.txt", timeout: 300)
            let (_, hits) = try searchHits("gifgas", index: scratch.appendingPathComponent("index-big"))
            XCTAssertEqual(hits.map(\.path), ["big.txt"])
        }

        attempt("200 nested folders") {
            let corpus = scratch.appendingPathComponent("deep", isDirectory: true)
            let relative = Array(repeating: "d", count: 200).joined(separator: "/") + "/diep.txt"
            try write("een document heel diep verstopt", to: corpus.appendingPathComponent(relative))
            _ = try indexAndVerify("deep", corpus, query: "verstopt", expectHit: relative)
        }

        attempt("awkward file names") {
            let corpus = scratch.appendingPathComponent("names", isDirectory: true)
            try write("spatie in de naam", to: corpus.appendingPathComponent("met spatie.txt"))
            try write("regeleinde in de naam", to: corpus.appendingPathComponent("met\nregeleinde.txt"))
            try write("ongeldige naam", to: corpus.appendingPathComponent("goed.txt"))
            // A name that is not UTF-8 (byte 0xFF), made with open(2).
            var name = Array((corpus.path + "/slecht").utf8) + [0xFF] + Array(".txt".utf8) + [0]
            let fd = name.withUnsafeMutableBufferPointer { p in
                p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
            }
            XCTAssertGreaterThanOrEqual(fd, 0)
            _ = "ongeldige utf-8 naam".withCString { Glibc.write(fd, $0, strlen($0)) }
            close(fd)
            let r = try indexAndVerify("names", corpus, query: "spatie", expectHit: "met spatie.txt")
            XCTAssertTrue(r.stderr.contains("not valid UTF-8"), "a warning for the undecodable name: \(r.stderr)")
            let (_, hits) = try searchHits("regeleinde", index: scratch.appendingPathComponent("index-names"))
            XCTAssertEqual(hits.map(\.path), ["met\nregeleinde.txt"])
        }

        attempt("symlink loops") {
            let corpus = scratch.appendingPathComponent("links", isDirectory: true)
            try write("echt document", to: corpus.appendingPathComponent("echt.txt"))
            try FileManager.default.createSymbolicLink(atPath: corpus.path + "/lus", withDestinationPath: ".")
            try FileManager.default.createSymbolicLink(atPath: corpus.path + "/a.txt", withDestinationPath: "b.txt")
            try FileManager.default.createSymbolicLink(atPath: corpus.path + "/b.txt", withDestinationPath: "a.txt")
            try FileManager.default.createDirectory(atPath: corpus.path + "/sub", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: corpus.path + "/sub/omhoog", withDestinationPath: "..")
            _ = try indexAndVerify("links", corpus, query: "echt", expectHit: "echt.txt", timeout: 60)
        }

        attempt("FIFO") {
            let corpus = scratch.appendingPathComponent("fifo", isDirectory: true)
            try write("gewoon bestand", to: corpus.appendingPathComponent("gewoon.txt"))
            XCTAssertEqual(mkfifo(corpus.path + "/pijp.txt", 0o644), 0)
            _ = try indexAndVerify("fifo", corpus, query: "gewoon", expectHit: "gewoon.txt", timeout: 60)
        }

        attempt("10,000 empty files") {
            let corpus = scratch.appendingPathComponent("empty", isDirectory: true)
            for i in 0..<10_000 {
                let dir = corpus.appendingPathComponent("d\(i % 50)").path
                if i < 50 { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
                FileManager.default.createFile(atPath: dir + "/leeg-\(i).txt", contents: Data())
            }
            try write("het enige woord", to: corpus.appendingPathComponent("vol.txt"))
            _ = try indexAndVerify("empty", corpus, query: "enige", expectHit: "vol.txt", timeout: 120)
            let s = try stats(scratch.appendingPathComponent("index-empty"))
            print("  hostile 10,000 empty files: stats \(s)")
        }

        print("hostile documents: \(passed)/\(tried) cases passed; \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
