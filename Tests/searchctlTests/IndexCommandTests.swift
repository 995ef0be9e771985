import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `searchctl index`: choosing the index folder, odd files in the corpus, the writer
/// lock, and readers while a writer runs.
final class IndexCommandTests: CLITestCase {

    // MARK: Where the index is

    func testEnvironmentVariableSelectsTheIndex() throws {
        let a = try makeCorpus(["a.txt": "Alfa\nDe eerste verzameling over kastanjes.\n"], name: "a")
        let b = try makeCorpus(["b.txt": "Bravo\nDe tweede verzameling over walnoten.\n"], name: "b")
        let idxA = scratch.appendingPathComponent("idx-a")
        let idxB = scratch.appendingPathComponent("idx-b")
        // `index` honours SEARCHCTL_INDEX as well.
        let ia = run(["index", a.path], env: ["SEARCHCTL_INDEX": idxA.path])
        XCTAssertEqual(ia.exitCode, 0, ia.stderr)
        XCTAssertNotNil(try? latestManifest(idxA), "SEARCHCTL_INDEX chose where 'index' writes")
        XCTAssertEqual(run(["index", b.path, "--index", idxB.path]).exitCode, 0)

        let envA = ["SEARCHCTL_INDEX": idxA.path]
        XCTAssertEqual(run(["search", "kastanjes"], env: envA).exitCode, 0)
        XCTAssertEqual(run(["search", "walnoten"], env: envA).exitCode, 1)
        let stats = run(["stats", "--json"], env: envA)
        XCTAssertEqual(stats.exitCode, 0, stats.stderr)
        XCTAssertEqual(int(try jsonObject(stats.stdout)["documents"]), 1)
        // --index wins over the environment.
        XCTAssertEqual(run(["search", "walnoten", "--index", idxB.path], env: envA).exitCode, 0)
        XCTAssertEqual(run(["search", "kastanjes", "--index", idxB.path], env: envA).exitCode, 1)
        // A missing index named by the environment is exit 3 with its path.
        let missing = scratch.appendingPathComponent("nowhere").path
        let r = run(["search", "kastanjes"], env: ["SEARCHCTL_INDEX": missing])
        XCTAssertEqual(r.exitCode, 3)
        XCTAssertTrue(r.stderr.contains(missing), r.stderr)
    }

    func testDefaultIndexFolderIsIndexDataInTheWorkingFolder() throws {
        let corpus = try makeCorpus(["x.txt": "Xray\nHier staat het woord pimpelmees.\n"])
        let cwd = scratch.appendingPathComponent("cwd")
        try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        XCTAssertEqual(run(["search", "pimpelmees"], cwd: cwd).exitCode, 3)
        let r = run(["index", corpus.path], cwd: cwd)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertNotNil(try? latestManifest(cwd.appendingPathComponent("index-data")))
        XCTAssertEqual(run(["search", "pimpelmees"], cwd: cwd).exitCode, 0)
    }

    /// Progress goes to a terminal only; the summary is one line on stderr; --quiet drops it.
    func testSummaryLineAndQuiet() throws {
        let corpus = try makeCorpus(["a.txt": "Alfa\nEen tekst.\n", "b.txt": "Bravo\nNog een tekst.\n"])
        let index = scratch.appendingPathComponent("idx")
        let r = run(["index", corpus.path, "--index", index.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertFalse(r.stderr.contains("\r") || r.stderr.contains("\u{1B}"), "no progress line when stderr is not a terminal")
        XCTAssertTrue(r.stderr.contains("2"), r.stderr)
        try write("Charlie\nDerde tekst.\n", to: corpus.appendingPathComponent("c.txt"))
        let quiet = run(["index", corpus.path, "--index", index.path, "--quiet"])
        XCTAssertEqual(quiet.exitCode, 0, quiet.stderr)
        XCTAssertEqual(quiet.stderr, "")
        XCTAssertEqual(quiet.stdout, "")
        XCTAssertEqual(int(try stats(index)["documents"]), 3)
        let merge = run(["merge", "--index", index.path, "--quiet"])
        XCTAssertEqual(merge.exitCode, 0, merge.stderr)
        XCTAssertEqual(merge.stderr, "")
    }

    /// The default threads are the processors the process may use, not the machine's:
    /// under `taskset -c N` indexing runs on one thread (the summary says so), and a
    /// `search --batch` (two threads by default, when there are two processors) gives the
    /// same results there as on all of them.
    func testDefaultThreadsFollowTheProcessorsTheProcessMayUse() throws {
        guard let taskset = ["/usr/bin/taskset", "/bin/taskset"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("taskset is not installed")
        }
        // The first processor this process may run on ("Cpus_allowed_list: 0-1" or "2,4-7").
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let list = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
              let cpu = list.dropFirst("Cpus_allowed_list:".count).split(whereSeparator: { !$0.isNumber }).first else {
            throw XCTSkip("no Cpus_allowed_list in /proc/self/status")
        }
        let pin = [taskset, "-c", String(cpu)]
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: taskset)
        probe.arguments = ["-c", String(cpu), "true"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        if probe.terminationStatus != 0 { throw XCTSkip("taskset cannot pin a process here") }
        var files: [String: String] = [:]
        for i in 0..<40 { files["d\(i).txt"] = "Titel \(i)\nDe aanval op de stad begon om \(i) uur; de regering zweeg.\n" }
        let corpus = try makeCorpus(files)
        let one = scratch.appendingPathComponent("one")
        let r = run(["index", corpus.path, "--index", one.path], launcher: pin)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains(" on 1 thread)"), r.stderr)
        let three = run(["index", corpus.path, "--index", scratch.appendingPathComponent("three").path, "--threads", "3"])
        XCTAssertEqual(three.exitCode, 0, three.stderr)
        XCTAssertTrue(three.stderr.contains(" on 3 threads)"), three.stderr)
        let queries = Data("aanval\n\"de regering\"\n+stad +uur\n".utf8)
        func hits(_ r: CLIResult) -> String {
            r.stdout.replacingOccurrences(of: #""took_ms": [0-9.e-]+, "#, with: "", options: .regularExpression)
        }
        let pinned = run(["search", "--batch", "--index", one.path], stdin: queries, launcher: pin)
        let free = run(["search", "--batch", "--index", one.path], stdin: queries)
        XCTAssertEqual(pinned.exitCode, 0, pinned.stderr)
        XCTAssertEqual(free.exitCode, 0, free.stderr)
        XCTAssertEqual(pinned.stdout.split(separator: "\n").count, 3)
        XCTAssertTrue(pinned.stdout.contains("\"total\": 40"), pinned.stdout)
        XCTAssertEqual(hits(pinned), hits(free))
    }

    /// `--memory-mb 1` bounds the buffer at about 1 MB: 200 tiny files (6 KB) fit in one
    /// buffer, so only a handful of segments are written (the manifest's `next-segment`
    /// counts every segment name handed out, flushes and merges alike).
    func testSmallMemoryBudgetStillBuffersManyDocuments() throws {
        var files: [String: String] = [:]
        for i in 0..<200 { files["f\(i).txt"] = "Doc \(i) over appels en peren\n" }
        let corpus = try makeCorpus(files)
        let index = scratch.appendingPathComponent("idx")
        let r = run(["index", corpus.path, "--index", index.path, "--memory-mb", "1"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(int(try stats(index)["documents"]), 200)
        let manifest = try String(contentsOf: try latestManifest(index), encoding: .utf8)
        let next = manifest.split(separator: "\n").first { $0.hasPrefix("next-segment ") }.flatMap { Int($0.dropFirst(13)) }
        let written = try XCTUnwrap(next, "no next-segment line in:\n\(manifest)") - 1
        XCTAssertLessThanOrEqual(written, 10)
    }

    // MARK: Odd files

    func testBadFilesAreSkippedOrDecodedWithWarnings() throws {
        let corpus = try makeCorpus([
            "good.txt": "Goed\nEen gewone tekst over appels.\n",
            "sub/nested.md": "Genest\nEen nestwoord in een submap.\n",
            ".hidden.txt": "Verborgen geheimwoord\n",
            ".hiddendir/inner.txt": "Binnen geheimwoordtwee\n",
        ])
        try write(Data("Binair\u{0}\u{1}\u{2} appels verstopt".utf8), to: corpus.appendingPathComponent("binary.txt"))
        // Windows-1252: "Café\nHet café op de hoek serveert crème brûlée.\n"
        var latin = Data("Caf".utf8) + Data([0xE9]) + Data("\nHet caf".utf8) + Data([0xE9])
        latin += Data(" op de hoek serveert cr".utf8) + Data([0xE8]) + Data("me br".utf8) + Data([0xFB]) + Data("l".utf8) + Data([0xE9, 0x65]) + Data(".\n".utf8)
        try write(latin, to: corpus.appendingPathComponent("latin.txt"))
        try write(Data(), to: corpus.appendingPathComponent("empty.txt"))
        // A symlink to a file inside, and one to a folder outside the corpus.
        let outside = try makeCorpus(["far.txt": "Ver\nEen linkwoord van buiten.\n"], name: "outside")
        try FileManager.default.createSymbolicLink(at: corpus.appendingPathComponent("link.txt"),
                                                   withDestinationURL: corpus.appendingPathComponent("good.txt"))
        try FileManager.default.createSymbolicLink(at: corpus.appendingPathComponent("linkdir"), withDestinationURL: outside)

        let index = scratch.appendingPathComponent("idx")
        let r = run(["index", corpus.path, "--index", index.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        let binaryWarning = r.stderrLines.filter { $0.contains("binary.txt") }
        XCTAssertEqual(binaryWarning.count, 1, "one warning names the binary file:\n\(r.stderr)")
        let latinWarning = r.stderrLines.filter { $0.contains("latin.txt") }
        XCTAssertEqual(latinWarning.count, 1, "one warning names the Windows-1252 file:\n\(r.stderr)")
        let charset = latinWarning.first?.lowercased() ?? ""
        XCTAssertTrue(charset.contains("1252") || charset.contains("8859") || charset.contains("latin"), "names the charset: \(charset)")
        for name in ["good.txt", "nested.md", "empty.txt"] {
            XCTAssertFalse(r.stderrLines.contains { $0.contains(name) && $0.contains("warning") }, "no warning for \(name):\n\(r.stderr)")
        }

        // good, nested, latin and the empty file; not binary, hidden or linked ones.
        let s = try stats(index)
        XCTAssertEqual(int(s["documents"]), 4, "\(s)")
        XCTAssertEqual(int(s["deleted"]), 0)
        XCTAssertEqual(try searchHits("appels", index: index).hits.map(\.path), ["good.txt"])
        XCTAssertEqual(try searchHits("nestwoord", index: index).hits.map(\.path), ["sub/nested.md"])
        XCTAssertEqual(try searchHits("geheimwoord", index: index).code, 1, "hidden file skipped")
        XCTAssertEqual(try searchHits("geheimwoordtwee", index: index).code, 1, "hidden folder skipped")
        XCTAssertEqual(try searchHits("linkwoord", index: index).code, 1, "symlinked folder skipped")
        XCTAssertEqual(try searchHits("gewone", index: index).hits.map(\.path), ["good.txt"], "symlinked file skipped")
        // The Windows-1252 text is searchable, folded and shown decoded.
        XCTAssertEqual(try searchHits("cafe", index: index).hits.map(\.path), ["latin.txt"])
        XCTAssertEqual(try searchHits("brûlée", index: index).hits.map(\.path), ["latin.txt"])
        let json = run(["search", "café", "--json", "--index", index.path])
        let hit = (try jsonObject(json.stdout)["hits"] as? [[String: Any]])?.first
        XCTAssertEqual(hit?["title"] as? String, "Café")
        XCTAssertTrue((hit?["snippet"] as? String ?? "").contains("crème brûlée"), "\(hit ?? [:])")
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 0)
    }

    // MARK: One writer

    func testSecondWriterIsRefusedWhileTheLockIsHeld() throws {
        let corpus = try makeCorpus(["a.txt": "Alfa\nEen tekst over de zomer.\n"])
        let index = scratch.appendingPathComponent("idx")
        XCTAssertEqual(run(["index", corpus.path, "--index", index.path]).exitCode, 0)
        try write("Bravo\nNieuw bestand over de winter.\n", to: corpus.appendingPathComponent("b.txt"))

        let lockPath = index.appendingPathComponent("write.lock").path
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0, "open \(lockPath)")
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        var released = false
        defer { if !released { close(fd) } }

        let r = run(["index", corpus.path, "--index", index.path], timeout: 20)
        XCTAssertEqual(r.exitCode, 3, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.lowercased().contains("lock"), r.stderr)
        let m = run(["merge", "--index", index.path], timeout: 20)
        XCTAssertEqual(m.exitCode, 3, m.stderr)
        XCTAssertTrue(m.stderr.lowercased().contains("lock"), m.stderr)
        // Readers are never blocked by a writer.
        XCTAssertEqual(run(["search", "zomer", "--index", index.path], timeout: 20).exitCode, 0)
        XCTAssertEqual(run(["stats", "--index", index.path], timeout: 20).exitCode, 0)
        XCTAssertEqual(run(["check", "--index", index.path], timeout: 20).exitCode, 0)
        XCTAssertEqual(run(["search", "winter", "--index", index.path]).exitCode, 1, "the refused run changed nothing")

        close(fd)
        released = true
        let again = run(["index", corpus.path, "--index", index.path])
        XCTAssertEqual(again.exitCode, 0, again.stderr)
        XCTAssertEqual(run(["search", "winter", "--index", index.path]).exitCode, 0)
    }

    // MARK: Readers while a writer runs

    final class Box: @unchecked Sendable {
        let lock = NSLock()
        var done = false
        var writerResults: [(args: [String], result: CLIResult?)] = []
        var writerError: String?

        var isDone: Bool { lock.lock(); defer { lock.unlock() }; return done }
    }

    /// A deterministic text generator (no Foundation randomness: the corpus is the same every run).
    struct Words {
        var state: UInt64
        static let vocabulary = ["aanval", "syrië", "rusland", "veto", "stad", "mensen", "gifgas", "raad", "top",
                                 "minister", "oorlog", "vrede", "kaart", "weg", "huis", "boom", "appel", "peer",
                                 "zomer", "winter", "water", "land", "leger", "brief", "verdrag", "regering"]
        mutating func next() -> String {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Self.vocabulary[Int((state >> 33) % UInt64(Self.vocabulary.count))]
        }
    }

    /// `stats` counts the manifest and the deletions files at the sizes its snapshot
    /// opened (it does not open them again by name: a running `index` may have removed
    /// them by then), and those are the files' sizes.
    func testStatsCountsManifestAndDeletionsFiles() throws {
        let corpus = try makeCorpus(["a.txt": "Aanval\nDe aanval op de stad.\n", "b.txt": "Veto\nEen veto in de raad.\n",
                                     "c.txt": "Top\nDe top in Lucca.\n"])
        let index = scratch.appendingPathComponent("idx")
        XCTAssertEqual(run(["index", corpus.path, "--index", index.path, "--quiet"]).exitCode, 0)
        try FileManager.default.removeItem(at: corpus.appendingPathComponent("b.txt"))
        XCTAssertEqual(run(["index", corpus.path, "--index", index.path, "--quiet"]).exitCode, 0)
        func size(_ files: [URL]) throws -> Int {
            try files.reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? NSNumber)?.intValue ?? 0) }
        }
        let manifests = try indexFiles(index, prefix: "manifest-")
        let deletions = try indexFiles(index).filter { $0.lastPathComponent.contains(".del-") }
        XCTAssertEqual(manifests.count, 1)
        XCTAssertEqual(deletions.count, 1, "the removed document is marked deleted, not merged away")
        let kinds = try stats(index)["bytes_by_kind"] as? [String: Any] ?? [:]
        XCTAssertEqual(int(kinds["manifest"]), try size(manifests))
        XCTAssertEqual(int(kinds["deletions"]), try size(deletions))
    }

    func testSearchingWhileIndexRunsNeverFails() throws {
        let corpus = scratch.appendingPathComponent("gen")
        let fileCount = 1500
        let firstCommit = 100
        var words = Words(state: 42)
        func generate(_ range: Range<Int>) throws {
            for i in range {
                var text = "Document \(i)\ngemeenschappelijk"
                for _ in 0..<20 { text += " " + words.next() }
                try write(text + "\n", to: corpus.appendingPathComponent(String(format: "d%02d/f%05d.txt", i % 16, i)))
            }
        }
        // A first commit, so that searches have an index from the start.
        try generate(0..<firstCommit)
        let index = scratch.appendingPathComponent("idx")
        XCTAssertEqual(run(["index", corpus.path, "--index", index.path]).exitCode, 0)
        try generate(firstCommit..<fileCount)

        // The writer: a big run with a tiny buffer (many flushes), then an update that
        // changes and deletes files, then a merge.
        let box = Box()
        let scratch = self.scratch!
        let writer = Thread {
            func runStep(_ args: [String]) {
                let result = try? CLITestCase.execute(args, stdin: nil, env: [:], cwd: scratch, timeout: 120, scratch: scratch)
                box.lock.lock()
                box.writerResults.append((args, result))
                box.lock.unlock()
            }
            runStep(["index", corpus.path, "--index", index.path, "--memory-mb", "1", "--quiet"])
            do {
                for i in stride(from: 0, to: fileCount, by: 30) {
                    let url = corpus.appendingPathComponent(String(format: "d%02d/f%05d.txt", i % 16, i))
                    if i % 60 == 0 {
                        try FileManager.default.removeItem(at: url)
                    } else {
                        try Data("Gewijzigd \(i)\ngemeenschappelijk vernieuwd aanval\n".utf8).write(to: url)
                    }
                }
            } catch {
                box.lock.lock()
                box.writerError = "\(error)"
                box.lock.unlock()
            }
            runStep(["index", corpus.path, "--index", index.path, "--memory-mb", "1", "--quiet"])
            runStep(["merge", "--index", index.path, "--quiet"])
            box.lock.lock()
            box.done = true
            box.lock.unlock()
        }
        writer.start()

        let queries = ["gemeenschappelijk", "aanval veto", "\"syrië rusland\"", "verdr*", "+aanval -vrede", "vernieuwd"]
        var searches = 0
        var failures: [String] = []
        let started = Date()
        while !box.isDone && Date().timeIntervalSince(started) < 120 {
            for q in queries {
                let r = run(["search", q, "--json", "--limit", "5", "--index", index.path], timeout: 30)
                searches += 1
                if r.exitCode != 0 && r.exitCode != 1 {
                    failures.append("'\(q)': exit \(r.exitCode): \(r.stderr)")
                } else if (try? JSONSerialization.jsonObject(with: r.stdoutData)) == nil {
                    failures.append("'\(q)': not JSON: \(r.stdout.prefix(200))")
                }
            }
            let s = run(["stats", "--json", "--index", index.path], timeout: 30)
            if s.exitCode != 0 { failures.append("stats: exit \(s.exitCode): \(s.stderr)") }
        }
        while !box.isDone { usleep(10_000) }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(searches) searches failed:\n" + failures.prefix(10).joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(searches, 12, "searches ran while the writer worked")
        XCTAssertNil(box.writerError)
        for (args, result) in box.writerResults {
            XCTAssertEqual(result?.exitCode, 0, "\(args): \(result?.stderr ?? "did not run")")
        }
        // The final state: the generated files minus the deleted ones.
        let deleted = Array(stride(from: 0, to: fileCount, by: 60)).count
        let s = try stats(index)
        XCTAssertEqual(int(s["documents"]), fileCount - deleted, "\(s)")
        XCTAssertEqual(int(s["deleted"]), 0)
        XCTAssertEqual(int(s["segments"]), 1)
        XCTAssertEqual(try searchHits("vernieuwd", index: index).hits.count, Array(stride(from: 0, to: fileCount, by: 30)).count - deleted)
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 0)
    }
}
