import Analysis
import Foundation
import IndexFormat
@testable import Indexer
import Search
import XCTest

/// Readers are never blocked or confused by a writer (SPEC section 5): while one thread
/// indexes, merges and removes old segments, others open the index again and again and
/// always answer as one of the committed states does, without errors.
final class ConcurrentReaderTests: XCTestCase {
    static let queries = ["de", "aanval", "\"de aanval\"", "rusland veto", "mens*", "+gifgas -mensen", "nieuw"]

    static func answers(_ index: String) throws -> [String] {
        let searcher = try Searcher(snapshot: try IndexSnapshot(directory: IndexDirectory(path: index)))
        var options = SearchOptions()
        options.limit = 1000
        options.snippets = false
        return try queries.map { q in
            let r = try searcher.search(q, options: options)
            return "\(q) \(r.total): " + r.hits.map { "\($0.path) \($0.score)" }.joined(separator: ", ")
        }
    }

    func testReadersSeeOnlyCommittedStatesWhileAWriterWorks() throws {
        let started = Date()
        let docs = TemporaryFolder("concurrent-docs"), ix = TemporaryFolder("concurrent-index")
        let refA = TemporaryFolder("concurrent-ref-a"), refB = TemporaryFolder("concurrent-ref-b")
        var generator = TextGenerator(state: 11)
        var textsA: [String: String] = [:], textsB: [String: String] = [:]
        for i in 0..<300 {
            let path = "d\(i % 6)/doc-\(i).txt"
            textsA[path] = "Titel \(i)\n\n" + generator.document(words: Int(generator.next() % 200) + 1)
            if i % 5 == 0 { textsB[path] = "Titel \(i) nieuw\n\n" + generator.document(words: 120) } else if i % 7 != 0 { textsB[path] = textsA[path] }
        }
        func apply(_ texts: [String: String]) {
            for path in textsA.keys.sorted() where texts[path] == nil && FileManager.default.fileExists(atPath: docs.path + "/" + path) {
                docs.remove(path)
            }
            for (path, text) in texts { docs.write(path, text) }
        }
        var options = IndexOptions()
        options.memoryMB = 1
        options.mergeFactor = 3
        options.threads = 1
        apply(textsB)
        _ = try IndexWriter(indexPath: refB.path).index(folder: docs.path, options: options)
        apply(textsA)
        _ = try IndexWriter(indexPath: refA.path).index(folder: docs.path, options: options)
        _ = try IndexWriter(indexPath: ix.path).index(folder: docs.path, options: options)
        let committed = [try Self.answers(refA.path), try Self.answers(refB.path)]
        XCTAssertNotEqual(committed[0], committed[1])

        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var reads = 0
            var failures: [String] = []
            var done = false
            var isDone: Bool { lock.withLock { done } }
        }
        let tally = Tally()
        let indexPath = ix.path
        // Dedicated threads, not the global dispatch pool: the writer's analysis runs
        // there, and two busy readers would starve it on a two-core machine.
        let readers = DispatchGroup()
        for _ in 0..<2 {
            readers.enter()
            Thread {
                defer { readers.leave() }
                while !tally.isDone {
                    var failure: String?
                    do {
                        let a = try Self.answers(indexPath)
                        if !committed.contains(a) { failure = "answers match no committed state: \(a.first { !committed[0].contains($0) }?.prefix(200) ?? "")" }
                    } catch {
                        failure = "\(error)"
                    }
                    tally.lock.withLock {
                        tally.reads += 1
                        if let failure { tally.failures.append(failure) }
                    }
                }
            }.start()
        }
        // The writer: alternate the corpus, index (flushes and merges), merge everything.
        var runs = 0
        for round in 0..<8 {
            apply(round % 2 == 0 ? textsB : textsA)
            _ = try IndexWriter(indexPath: ix.path).index(folder: docs.path, options: options)
            runs += 1
            if round % 3 == 2 {
                _ = try IndexWriter(indexPath: ix.path).mergeAll()
                runs += 1
            }
        }
        tally.lock.withLock { tally.done = true }
        readers.wait()
        print("concurrent readers: \(tally.reads) index opens and query sets during \(runs) writer runs, \(tally.failures.count) failures; \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        for f in Set(tally.failures).prefix(5) { XCTFail(f) }
        XCTAssertGreaterThan(tally.reads, runs, "readers ran while the writer worked")
    }
}
