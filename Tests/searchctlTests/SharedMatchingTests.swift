import Foundation
import XCTest

/// `search --threads`: in a segment of 16,384 documents or more, a costly query (here a
/// phrase whose terms have 40,000 postings or more) is matched by several threads, each
/// over a range of the documents. Totals, scores and the order of ties must be those of
/// one thread, and those the corpus was built to give.
final class SharedMatchingTests: CLITestCase {
    func testThreadsGiveTheResultsOfOne() throws {
        // Document i: the phrase "de kat zit" twice (i % 3 == 2), once (i % 3 == 0), or its
        // words in another order (i % 3 == 1). Every document holds each word.
        let count = 16_500
        var files: [String: String] = [:]
        for i in 0..<count {
            let name = String(format: "d%05d.txt", i)
            switch i % 3 {
            case 2: files[name] = "de kat zit en de kat zit"
            case 0: files[name] = "de kat zit op de mat nummer\(i)"
            default: files[name] = "zit de kat op de mat"
            }
        }
        let folder = try makeCorpus(files)
        let index = scratch.appendingPathComponent("idx")
        let indexed = run(["index", folder.path, "--index", index.path, "--quiet"])
        XCTAssertEqual(indexed.exitCode, 0, indexed.stderr)

        let twice = (0..<count).filter { $0 % 3 == 2 }
        let once = (0..<count).filter { $0 % 3 == 0 }
        // All documents with the phrase twice have the same length, so the same score:
        // the first 20 are in path order; with --offset the ranking goes on past them.
        for (offset, limit) in [(0, 20), (5480, 40)] {
            var outputs: [String] = []
            for threads in ["1", "2", "3"] {
                let r = run(["search", "\"de kat zit\"", "--json", "--no-snippet", "--limit", "\(limit)", "--offset", "\(offset)",
                             "--threads", threads, "--index", index.path])
                XCTAssertEqual(r.exitCode, 0, r.stderr)
                let o = try jsonObject(r.stdout)
                XCTAssertEqual(int(o["total"]), twice.count + once.count, "threads \(threads)")
                let paths = (o["hits"] as? [[String: Any]] ?? []).map { $0["path"] as? String ?? "" }
                let ranked = (twice + once).map { String(format: "d%05d.txt", $0) }
                XCTAssertEqual(paths, Array(ranked[offset..<(offset + limit)]), "threads \(threads), offset \(offset)")
                // The same bytes but for the time taken.
                outputs.append(r.stdout.replacingOccurrences(of: #""took_ms": [0-9.e-]+, "#, with: "", options: .regularExpression))
            }
            XCTAssertEqual(Set(outputs).count, 1, "outputs differ between thread counts")
        }
    }
}
