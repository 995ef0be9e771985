import Foundation
import XCTest

/// `kill -9` at any moment of `index` or `merge` leaves the last committed index intact
/// and searchable (SPEC section 5): after every kill `check` passes and the queries
/// answer exactly what the last completed commit answered; a killed writer's lock does
/// not block the next writer; leftovers are removed by the next completed run.
///
/// `SEARCHCTL_CRASH_KILLS` sets the number of kills (default 50), `SEARCHCTL_CRASH_SEED`
/// the seed of the kill times and run kinds.
final class CrashTests: CLITestCase {
    static let queries = ["aanval", "\"de oorlog\"", "syrie rusland", "+gifgas -mensen", "minist*",
                          "veto AND resolutie", "zeldzaamwoord", "nieuwsbericht"]

    /// Deterministic SplitMix64.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let words = ["de", "het", "een", "aanval", "aanvallen", "Syrië", "Rusland", "veto", "in", "Veiligheidsraad",
                        "gifgas", "mensen", "huizen", "minister", "ministers", "president", "Assad", "resolutie",
                        "sancties", "landen", "oorlog", "stad", "beëindigen", "financiële"]

    /// The two states the corpus switches between: `B` rewrites 200 files, removes 100
    /// and adds 100, so the answers of the two differ.
    enum CorpusState: String { case a = "A", b = "B" }

    func text(_ i: Int, variant: Int) -> String {
        var r = Random(state: UInt64(i) &* 7919 &+ UInt64(variant))
        var words: [String] = []
        for _ in 0..<(20 + r.below(180)) { words.append(Self.words[r.below(Self.words.count)]) }
        if i % 97 == 0 { words.append("zeldzaamwoord") }
        if variant == 1 && i % 3 == 0 { words.append("nieuwsbericht") }
        return "Bericht \(i)\n\n" + words.joined(separator: " ")
    }

    func path(_ corpus: URL, _ i: Int) -> URL {
        corpus.appendingPathComponent(String(format: "d%02d/f%04d.txt", i % 20, i))
    }

    func apply(_ state: CorpusState, to corpus: URL) throws {
        for i in 0..<2100 {
            let url = path(corpus, i)
            let present = state == .a ? i < 2000 : (i >= 100 && i < 2100)
            if !present {
                try? FileManager.default.removeItem(at: url)
            } else if state == .b && i >= 1800 && i < 2000 {
                try write(text(i, variant: 1), to: url)
            } else if !FileManager.default.fileExists(atPath: url.path) || (state == .a && i >= 1800) {
                try write(text(i, variant: 0), to: url)
            }
        }
    }

    /// The answers of every query, without timings: (total, [path score]) per query.
    func answers(_ index: URL) throws -> [String] {
        let r = run(["search", "--batch", "--json", "--no-snippet", "--limit", "1000", "--index", index.path],
                    stdin: Data(Self.queries.joined(separator: "\n").utf8))
        XCTAssert(r.exitCode == 0 || r.exitCode == 1, "search --batch: exit \(r.exitCode): \(r.stderr)")
        return try r.stdout.split(separator: "\n").map { line in
            let o = try jsonObject(String(line))
            let hits = (o["hits"] as? [[String: Any]] ?? []).map { "\($0["path"] ?? "?") \($0["score"] ?? "?")" }
            return "\(o["query"] ?? "?") total \(o["total"] ?? "?"): " + hits.joined(separator: ", ")
        }
    }

    func generations(_ index: URL) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: index.path)) ?? [])
            .compactMap { $0.hasPrefix("manifest-") ? Int($0.dropFirst("manifest-".count)) : nil }.sorted()
    }

    /// Starts `searchctl args`, SIGKILLs it after `delay` seconds unless it has finished;
    /// returns whether it was killed, and its exit code otherwise.
    func runAndKill(_ args: [String], after delay: TimeInterval) throws -> (killed: Bool, exitCode: Int32) {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = args
        process.currentDirectoryURL = scratch
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "SEARCHCTL_INDEX")
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(delay)
        while process.isRunning && Date() < deadline { usleep(500) }
        var killed = false
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            killed = true
        }
        process.waitUntilExit()
        killed = killed && process.terminationReason == .uncaughtSignal
        return (killed, process.terminationStatus)
    }

    func timed(_ body: () throws -> Void) rethrows -> TimeInterval {
        let t = Date()
        try body()
        return Date().timeIntervalSince(t)
    }

    func testKillNineAtAnyMomentLeavesTheLastCommitIntact() throws {
        let started = Date()
        let env = ProcessInfo.processInfo.environment
        let kills = env["SEARCHCTL_CRASH_KILLS"].flatMap(Int.init) ?? 50
        let seed = env["SEARCHCTL_CRASH_SEED"].flatMap(UInt64.init) ?? 20_260_401
        var random = Random(state: seed)
        let corpus = scratch.appendingPathComponent("corpus", isDirectory: true)
        let index = scratch.appendingPathComponent("index", isDirectory: true)

        // The reference answers of each corpus state, from clean rebuilds never killed.
        var reference: [CorpusState: [String]] = [:]
        var rebuildTime = 0.0
        for state in [CorpusState.b, .a] {
            try apply(state, to: corpus)
            let ref = scratch.appendingPathComponent("reference-\(state.rawValue)", isDirectory: true)
            let t = timed {
                let r = run(["index", corpus.path, "--index", ref.path, "--memory-mb", "1", "--quiet"], timeout: 120)
                XCTAssertEqual(r.exitCode, 0, r.stderr)
            }
            rebuildTime = max(rebuildTime, t)
            reference[state] = try answers(ref)
        }
        XCTAssertNotEqual(reference[.a], reference[.b], "the two corpus states answer differently")
        XCTAssertEqual(reference[.a]?.count, Self.queries.count)

        // The index under test starts as state A, fully committed.
        var corpusState = CorpusState.a
        XCTAssertEqual(run(["index", corpus.path, "--index", index.path, "--memory-mb", "1", "--quiet"], timeout: 120).exitCode, 0)
        var committed: [Int: CorpusState] = [generations(index).last!: .a]
        XCTAssertEqual(try answers(index), reference[.a])
        // Durations to spread the kill times over: an incremental run and a merge.
        try apply(.b, to: corpus)
        let incrementalTime = timed {
            XCTAssertEqual(run(["index", corpus.path, "--index", index.path, "--memory-mb", "1", "--quiet"]).exitCode, 0)
        }
        corpusState = .b
        committed[generations(index).last!] = .b
        let mergeTime = timed { XCTAssertEqual(run(["merge", "--index", index.path, "--quiet"]).exitCode, 0) }
        committed[generations(index).last!] = .b
        XCTAssertEqual(try answers(index), reference[.b])

        var tried = 0, survived = 0, finishedFirst = 0, mergeKills = 0, mergeFinished = 0, runs = 0
        var killTimes: [Double] = []
        var k = -1
        while tried < kills && runs < kills * 3 {
            k += 1
            let segments = ((try? FileManager.default.contentsOfDirectory(atPath: index.path)) ?? []).filter { $0.hasSuffix(".seg") }.count
            let isMerge = k % 4 == 3 && segments >= 2
            var args: [String]
            var duration: TimeInterval
            if isMerge {
                args = ["merge", "--index", index.path, "--quiet"]
                duration = mergeTime
            } else {
                // Usually switch the corpus so that the run has work to do; often rebuild.
                if random.unit() < 0.8 { corpusState = corpusState == .a ? .b : .a }
                try apply(corpusState, to: corpus)
                let rebuild = random.unit() < 0.4
                args = ["index", corpus.path, "--index", index.path, "--memory-mb", "1", "--quiet"] + (rebuild ? ["--rebuild"] : [])
                duration = rebuild ? rebuildTime : incrementalTime
            }
            let before = generations(index).last!
            let delay = random.unit() * duration
            let outcome = try runAndKill(args, after: delay)
            runs += 1
            if outcome.killed {
                tried += 1
                killTimes.append(delay / duration)
                if isMerge { mergeKills += 1 }
            } else {
                finishedFirst += 1
                if isMerge { mergeFinished += 1 }
                XCTAssertEqual(outcome.exitCode, 0, "\(args) finished with exit \(outcome.exitCode)")
            }
            // The committed generation is the highest manifest: the one before the run,
            // or the run's own commit (then complete: it reflects the corpus as it is).
            let after = generations(index).last!
            XCTAssert(after == before || after == before + 1, "generation \(before) → \(after)")
            let expected = after == before ? committed[before]! : (isMerge ? committed[before]! : corpusState)
            committed[after] = expected
            let check = run(["check", "--index", index.path])
            let answered = try answers(index)
            let ok = check.exitCode == 0 && answered == reference[expected]
            XCTAssertEqual(check.exitCode, 0, "check after kill \(k) at \(delay) s of \(args): \(check.stderr)")
            XCTAssertEqual(answered, reference[expected], "answers after kill \(k) at \(delay) s of \(args[0]) (generation \(before) → \(after))")
            if outcome.killed && ok { survived += 1 }

            // Now and then: a run to completion, which must take the lock of the killed
            // writer, answer as the corpus is, and leave only the files its manifest names.
            if k % 10 == 9 || tried == kills {
                let r = run(["index", corpus.path, "--index", index.path, "--memory-mb", "1", "--quiet"], timeout: 120)
                XCTAssertEqual(r.exitCode, 0, "index after a kill: \(r.stderr)")
                committed[generations(index).last!] = corpusState
                XCTAssertEqual(try answers(index), reference[corpusState])
                try assertOnlyCommittedFiles(index)
            }
        }
        let histogram = (0..<5).map { b in killTimes.filter { Int($0 * 5) == b }.count }
        print("crash test: \(survived)/\(tried) kills survived (\(mergeKills) during merge, \(mergeFinished) merges finished first; \(finishedFirst) of \(runs) runs finished before their kill time); kill times by fifth of the run: \(histogram); full run \(String(format: "%.2f", rebuildTime)) s, incremental \(String(format: "%.2f", incrementalTime)) s, merge \(String(format: "%.2f", mergeTime)) s; \(String(format: "%.1f", Date().timeIntervalSince(started))) s in all")
        XCTAssertEqual(survived, tried)
        XCTAssertEqual(tried, kills, "enough runs were killed before they finished")
    }

    /// While a writer runs a second one is refused (exit 3, "locked"); once the first is
    /// killed with SIGKILL the operating system has released its `flock`, and the next
    /// writer proceeds.
    func testAKilledWriterDoesNotBlockTheNext() throws {
        let corpus = scratch.appendingPathComponent("corpus", isDirectory: true)
        let index = scratch.appendingPathComponent("index", isDirectory: true)
        try apply(.a, to: corpus)
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["index", corpus.path, "--index", index.path, "--memory-mb", "1", "--quiet", "--threads", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until it holds the lock (the lock file exists), then try a second writer.
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: index.appendingPathComponent("write.lock").path) && Date() < deadline { usleep(1000) }
        usleep(50_000)
        let second = run(["index", corpus.path, "--index", index.path, "--quiet"])
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertTrue(wasRunning, "the first writer still ran when the second started")
        if wasRunning {
            XCTAssertEqual(second.exitCode, 3, "a second writer while the first runs: \(second.stderr)")
            XCTAssertTrue(second.stderr.contains("locked"), second.stderr)
        }
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the first writer was killed, not finished")
        let next = run(["index", corpus.path, "--index", index.path, "--memory-mb", "1", "--quiet"], timeout: 120)
        XCTAssertEqual(next.exitCode, 0, "the writer after a killed one: \(next.stderr)")
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 0)
        let merge = run(["merge", "--index", index.path, "--quiet"])
        XCTAssertEqual(merge.exitCode, 0, merge.stderr)
        try assertOnlyCommittedFiles(index)
    }

    /// Only the newest manifest, what it names and the lock file remain.
    func assertOnlyCommittedFiles(_ index: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let manifest = try String(contentsOf: latestManifest(index), encoding: .utf8)
        var keep: Set<String> = ["write.lock", try latestManifest(index).lastPathComponent]
        for l in manifest.split(separator: "\n") where l.hasPrefix("segment ") {
            let f = l.split(separator: " ")
            keep.insert("\(f[1]).seg")
            if f[9] != "0" { keep.insert("\(f[1]).del-\(f[9])") }
        }
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: index.path))
        XCTAssertEqual(present.subtracting(keep), [], "leftover files", file: file, line: line)
        XCTAssertEqual(keep.subtracting(present), [], "missing files", file: file, line: line)
    }
}
