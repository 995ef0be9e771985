import Analysis
import Foundation
import IndexFormat
@testable import Indexer
import Search
import XCTest

/// A full disk (or any failing write, fsync or rename) in the middle of `index` or
/// `merge`: the call fails with `IndexError.io` (exit 5) and a clear message, the last
/// commit stays intact and answers as before, and the next successful run removes what
/// the failed one left behind.
final class FailureInjectionTests: XCTestCase {
    override func tearDown() {
        SystemCall.failure = nil
        super.tearDown()
    }

    static let queries = ["de", "aanval", "\"de aanval\"", "rusland veto", "mens*", "+gifgas -mensen", "titel"]

    func answers(_ index: String) throws -> [String] {
        let searcher = try Searcher(snapshot: try IndexSnapshot(directory: IndexDirectory(path: index)))
        var options = SearchOptions()
        options.limit = 1000
        options.snippets = false
        return try Self.queries.map { q in
            let r = try searcher.search(q, options: options)
            return "\(q) \(r.total): " + r.hits.map { "\($0.path) \($0.score)" }.joined(separator: ", ")
        }
    }

    func options() -> IndexOptions {
        var o = IndexOptions()
        o.memoryMB = 1
        o.mergeFactor = 3  // merges happen inside the run too
        o.threads = 2
        return o
    }

    /// Counts calls of `operation` and fails the `n`th with ENOSPC.
    final class Injector: @unchecked Sendable {
        let operation: String
        let n: Int
        var calls = 0
        var fired = false
        init(operation: String, n: Int) { self.operation = operation; self.n = n }
        func install() {
            SystemCall.failure = { [self] op in
                guard op == operation else { return nil }
                calls += 1
                if calls == n { fired = true; return ENOSPC }
                return nil
            }
        }
    }

    func copyFolder(_ from: String, _ to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    func committedFilesOnly(_ index: String) throws -> Bool {
        let manifest = try XCTUnwrap(try IndexDirectory(path: index).latestManifest())
        var keep: Set<String> = [IndexDirectory.lockFileName, Manifest.fileName(generation: manifest.generation)]
        for s in manifest.segments {
            keep.insert(s.segmentFile)
            if let d = s.deletionsFile { keep.insert(d) }
        }
        return Set(listFiles(index)) == keep
    }

    func testFailingWriteFsyncOrRenameKeepsTheLastCommit() throws {
        let started = Date()
        let docs = TemporaryFolder("failure-docs"), pristine = TemporaryFolder("failure-pristine")
        let work = TemporaryFolder("failure-work"), reference = TemporaryFolder("failure-reference")
        var generator = TextGenerator(state: 7)
        // The last commit: three segments (three runs), one with deletions.
        var separate = options()
        separate.mergeFactor = 1000
        for round in 0..<3 {
            for i in (round * 70)..<min(200, round * 70 + 70) {
                docs.write("d\(i % 4)/doc-\(i).txt", "Titel \(i)\n\n" + generator.document(words: Int(generator.next() % 300) + 1))
            }
            if round == 2 { docs.remove("d1/doc-1.txt") }
            _ = try IndexWriter(indexPath: pristine.path).index(folder: docs.path, options: separate)
        }
        XCTAssertGreaterThanOrEqual(try IndexSnapshot(directory: IndexDirectory(path: pristine.path)).segments.count, 3)
        let before = try answers(pristine.path)
        let generationBefore = try IndexDirectory(path: pristine.path).latestManifest()!.generation
        // The change each failing run tries to commit: updates, removals, additions.
        for i in stride(from: 0, to: 200, by: 7) { docs.write("d\(i % 4)/doc-\(i).txt", "Titel \(i) nieuw\n\n" + generator.document(words: 150)) }
        for i in stride(from: 3, to: 200, by: 11) { docs.remove("d\(i % 4)/doc-\(i).txt") }
        for i in 200..<260 { docs.write("d\(i % 4)/doc-\(i).txt", "Titel \(i)\n\n" + generator.document(words: Int(generator.next() % 300) + 1)) }
        _ = try IndexWriter(indexPath: reference.path).index(folder: docs.path, options: options())
        let after = try answers(reference.path)
        XCTAssertNotEqual(before, after)

        var cases = 0, failedCleanly = 0, committedAnyway = 0
        var callsPerRun: [String: Int] = [:]
        // "index" writes a new segment and deletions files; "index, merging" also merges
        // (merge factor 3); "merge" is `searchctl merge`.
        for job in ["index", "index, merging", "merge"] {
            var jobOptions = options()
            if job == "index" { jobOptions.mergeFactor = 1000 }
            for operation in ["write", "fsync", "rename"] {
                var n = 1
                while true {
                    try copyFolder(pristine.path, work.path)
                    let injector = Injector(operation: operation, n: n)
                    injector.install()
                    var thrown: Error?
                    do {
                        if job == "merge" {
                            _ = try IndexWriter(indexPath: work.path).mergeAll()
                        } else {
                            _ = try IndexWriter(indexPath: work.path).index(folder: docs.path, options: jobOptions)
                        }
                    } catch {
                        thrown = error
                    }
                    SystemCall.failure = nil
                    if !injector.fired {
                        XCTAssertNil(thrown, "\(job) without a failure threw \(String(describing: thrown))")
                        callsPerRun["\(job) \(operation)"] = injector.calls
                        break
                    }
                    cases += 1
                    let label = "\(job): \(operation) #\(n) fails with ENOSPC"
                    guard let error = thrown as? IndexError else {
                        XCTFail("\(label): \(job) threw \(String(describing: thrown)), not IndexError.io")
                        n += 1
                        continue
                    }
                    XCTAssertEqual(error.exitCode, 5, "\(label): \(error)")
                    if case .io(_, let op, let code) = error {
                        XCTAssertEqual(op, operation, label)
                        XCTAssertEqual(code, ENOSPC, label)
                    } else {
                        XCTFail("\(label): \(error)")
                    }
                    XCTAssertTrue(error.description.contains("No space left on device"), "\(label): message '\(error.description)'")
                    // The index is the last commit — or, when only the folder's fsync after
                    // the manifest's rename failed, the new commit, complete.
                    let generation = try IndexDirectory(path: work.path).latestManifest()!.generation
                    let problems = try IndexChecker(directory: IndexDirectory(path: work.path)).run().problems
                    XCTAssertEqual(problems, [], label)
                    let answered = try answers(work.path)
                    if generation == generationBefore {
                        XCTAssertEqual(answered, before, "\(label): the last commit answers differently")
                        failedCleanly += 1
                    } else {
                        XCTAssertEqual(generation, generationBefore + 1, label)
                        XCTAssertEqual(answered, job == "merge" ? before : after, "\(label): a new commit answers wrongly")
                        committedAnyway += 1
                    }
                    // Every fifth case: the next successful run cleans up and commits.
                    if n % 5 == 1 {
                        if job != "merge" {
                            _ = try IndexWriter(indexPath: work.path).index(folder: docs.path, options: jobOptions)
                            XCTAssertEqual(try answers(work.path), after, "\(label): the next run")
                        } else {
                            _ = try IndexWriter(indexPath: work.path).mergeAll()
                            XCTAssertEqual(try answers(work.path), before, "\(label): the next merge")
                        }
                        XCTAssertTrue(try committedFilesOnly(work.path), "\(label): leftovers after the next run: \(listFiles(work.path))")
                    }
                    n += 1
                }
            }
        }
        print("failure injection: \(cases) cases (\(failedCleanly) kept the last commit, \(committedAnyway) failed after the new manifest was in place); calls per run: \(callsPerRun.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        XCTAssertGreaterThan(cases, 20)
    }
}
