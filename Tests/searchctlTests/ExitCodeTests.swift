import Foundation
import XCTest

/// The exit codes of SPEC section 4, each with its one-line message on stderr:
/// 0 hits, 1 no hits, 2 usage or malformed query, 3 index missing / locked / other
/// version or analysis chain, 4 damaged, 5 I/O error on the documents.
final class ExitCodeTests: CLITestCase {
    var folder: URL!
    var index: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        folder = try makeCorpus([
            "a.txt": "Aanval\nBij de aanval op de Syrische stad kwamen bijna negentig mensen om.\n",
            "b.txt": "Veto\nHet is de achtste keer dat Rusland een veto uitspreekt in de Veiligheidsraad.\n",
            "c/d.txt": "Top\nDe ministers van de G7 waren in Lucca voor een tweedaagse top.\n",
        ])
        index = scratch.appendingPathComponent("idx")
        let r = run(["index", folder.path, "--index", index.path])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
    }

    /// An error is exactly one line on stderr, never a Swift runtime trap or a stack trace.
    func assertOneLineError(_ r: CLIResult, code: Int32, mentions fragments: [String] = [],
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.exitCode, code, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, "one line on stderr, got:\n\(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasSuffix("\n"), file: file, line: line)
        for bad in ["Fatal error", "Stack dump", "Current stack trace", "0x0000"] {
            XCTAssertFalse(r.stderr.contains(bad), r.stderr, file: file, line: line)
        }
        for f in fragments {
            XCTAssertTrue(r.stderr.contains(f), "stderr should mention '\(f)': \(r.stderr)", file: file, line: line)
        }
    }

    // MARK: 0 and 1

    func testHitsExitZeroNoHitsExitOne() throws {
        let hit = run(["search", "aanval", "--index", index.path])
        XCTAssertEqual(hit.exitCode, 0, hit.stderr)
        XCTAssertEqual(hit.stderr, "")
        let miss = run(["search", "olifant", "--index", index.path])
        XCTAssertEqual(miss.exitCode, 1, miss.stderr)
        XCTAssertEqual(miss.stderr, "", "no hits is not an error")
        let missJSON = run(["search", "olifant", "--json", "--index", index.path])
        XCTAssertEqual(missJSON.exitCode, 1)
        let o = try jsonObject(missJSON.stdout)
        XCTAssertEqual(int(o["total"]), 0)
        XCTAssertEqual((o["hits"] as? [Any])?.count, 0)
        // A query whose terms are all dropped matches nothing, without an error.
        XCTAssertEqual(run(["search", "--index", index.path, "--", "-aanval"]).exitCode, 1)
        for command in [["stats"], ["check"], ["merge"]] {
            let r = run(command + ["--index", index.path])
            XCTAssertEqual(r.exitCode, 0, "\(command): \(r.stderr)")
        }
    }

    // MARK: 2

    func testMalformedQueryNamesTheColumn() throws {
        for (query, column) in [("aanval \"veto", 8), ("(aanval", 1), ("aanval AND", 8), ("aanval (veto OR top", 8)] {
            for json in [false, true] {
                let r = run(["search", query, "--index", index.path] + (json ? ["--json"] : []))
                assertOneLineError(r, code: 2, mentions: ["column \(column)"])
                XCTAssertEqual(r.stdout, "", query)
            }
        }
        assertOneLineError(run(["search", "   ", "--index", index.path]), code: 2)
    }

    func testUsageErrorsExitTwo() throws {
        assertOneLineError(run(["search", "aanval", "--bogus", "--index", index.path]), code: 2, mentions: ["--bogus"])
        assertOneLineError(run(["search", "aanval", "--limit", "-1", "--index", index.path]), code: 2, mentions: ["--limit"])
        assertOneLineError(run(["search", "aanval", "--limit", "tien", "--index", index.path]), code: 2, mentions: ["--limit"])
        assertOneLineError(run(["search", "aanval", "--offset", "-3", "--index", index.path]), code: 2, mentions: ["--offset"])
        assertOneLineError(run(["search", "aanval", "--b", "2", "--index", index.path]), code: 2, mentions: ["--b"])
        assertOneLineError(run(["search", "aanval", "--threads", "-1", "--index", index.path]), code: 2, mentions: ["--threads"])
        assertOneLineError(run(["search", "--index", index.path]), code: 2)
        assertOneLineError(run(["frobnicate"]), code: 2, mentions: ["frobnicate"])
        assertOneLineError(run(["index"]), code: 2)
        assertOneLineError(run(["index", folder.path, "--index", index.path, "--memory-mb", "0"]), code: 2, mentions: ["--memory-mb"])
        assertOneLineError(run(["index", folder.path, "--index", index.path, "--memory-mb", "-1"]), code: 2, mentions: ["--memory-mb"])
        assertOneLineError(run(["index", folder.path, "--index", index.path, "--threads", "-2"]), code: 2, mentions: ["--threads"])
        assertOneLineError(run(["stats", "--index", index.path, "--bogus"]), code: 2, mentions: ["--bogus"])
        // --help is not an error.
        let help = run(["search", "--help"])
        XCTAssertEqual(help.exitCode, 0)
        XCTAssertTrue(help.stdout.contains("--limit"), help.stdout)
        // SPEC section 5: the indexing buffer defaults to 256 MB.
        let indexHelp = run(["index", "--help"])
        XCTAssertEqual(indexHelp.exitCode, 0)
        XCTAssertTrue(indexHelp.stdout.contains("(default: 256)"), indexHelp.stdout)
    }

    /// `--limit -1` is a negative number, not a missing value.
    func testNegativeLimitSaysWhatIsWrong() throws {
        let r = run(["search", "aanval", "--limit", "-1", "--index", index.path])
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("negative"), r.stderr)
    }

    // MARK: 3

    func testMissingIndexExitsThree() throws {
        assertOneLineError(run(["search", "aanval", "--index", "/nonexistent"]), code: 3, mentions: ["/nonexistent"])
        let missing = scratch.appendingPathComponent("no-index-here").path
        for command in [["search", "aanval"], ["stats"], ["check"], ["merge"], ["search", "--batch"]] {
            let r = run(command + ["--index", missing], stdin: Data("aanval\n".utf8))
            assertOneLineError(r, code: 3, mentions: [missing])
        }
        // An existing but empty folder is no index either.
        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        assertOneLineError(run(["search", "aanval", "--index", empty.path]), code: 3)
    }

    /// Rewrites the latest manifest through `edit` and gives it a correct `crc32` line:
    /// CRC-32C of every byte before that line, 8 lowercase hex digits.
    func patchManifest(fixChecksum: Bool = true, _ edit: (String) -> String) throws {
        let url = try latestManifest(index)
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let crcLine = text.range(of: "\ncrc32 ", options: .backwards) else {
            return XCTFail("no crc32 line in \(text)")
        }
        let originalBody = String(text[..<text.index(after: crcLine.lowerBound)])
        // The test's CRC-32C agrees with the file's own.
        XCTAssertEqual("crc32 " + CRC32C.hex(CRC32C.checksum(Array(originalBody.utf8))) + "\n",
                       String(text[text.index(after: crcLine.lowerBound)...]))
        let body = edit(originalBody)
        XCTAssertNotEqual(body, originalBody, "the edit changed nothing")
        let crc = fixChecksum ? CRC32C.checksum(Array(body.utf8)) : CRC32C.checksum(Array(originalBody.utf8))
        try write(body + "crc32 " + CRC32C.hex(crc) + "\n", to: url)
    }

    func replacingLine(_ prefix: String, in body: String, with newLine: String) -> String {
        body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(prefix) ? Substring(newLine) : $0 }
            .joined(separator: "\n")
    }

    func testOtherAnalysisChainExitsThree() throws {
        try patchManifest { self.replacingLine("analysis ", in: $0, with: "analysis icu=1.0 unicode=1.0 stemmer=snowball-dutch_porter-1 spec=0") }
        for command in [["search", "aanval"], ["stats"], ["check"]] {
            assertOneLineError(run(command + ["--index", index.path]), code: 3, mentions: ["analysis", "--rebuild"])
        }
        // The writer refuses to mix chains too…
        assertOneLineError(run(["index", folder.path, "--index", index.path]), code: 3, mentions: ["--rebuild"])
        // …and --rebuild starts afresh.
        let rebuilt = run(["index", folder.path, "--index", index.path, "--rebuild"])
        XCTAssertEqual(rebuilt.exitCode, 0, rebuilt.stderr)
        XCTAssertEqual(run(["search", "aanval", "--index", index.path]).exitCode, 0)
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 0)
    }

    func testManifestWithWrongChecksumIsDamaged() throws {
        try patchManifest(fixChecksum: false) { self.replacingLine("analysis ", in: $0, with: "analysis something-else") }
        assertOneLineError(run(["search", "aanval", "--index", index.path]), code: 4, mentions: ["manifest"])
    }

    func testUnknownManifestVersionExitsThree() throws {
        try patchManifest { self.replacingLine("searchctl-manifest ", in: $0, with: "searchctl-manifest 99") }
        assertOneLineError(run(["search", "aanval", "--index", index.path]), code: 3, mentions: ["99"])
    }

    /// Sets the format version (u32 little-endian at byte 8 of the header) of every segment.
    func patchSegmentVersion(_ version: UInt32) throws {
        let segments = try indexFiles(index, prefix: "seg-", suffix: ".seg")
        XCTAssertFalse(segments.isEmpty)
        for url in segments {
            var data = try Data(contentsOf: url)
            XCTAssertEqual(Array(data.prefix(4)), Array("SCTL".utf8))
            withUnsafeBytes(of: version.littleEndian) { data.replaceSubrange(8..<12, with: $0) }
            try data.write(to: url)
        }
    }

    func testUnknownSegmentVersionExitsThree() throws {
        try patchSegmentVersion(99)
        assertOneLineError(run(["search", "aanval", "--index", index.path]), code: 3, mentions: ["version", "99"])
        assertOneLineError(run(["stats", "--index", index.path]), code: 3, mentions: ["99"])
        assertOneLineError(run(["search", "--batch", "--index", index.path], stdin: Data("aanval\n".utf8)), code: 3)
    }

    func testCheckRefusesUnknownSegmentVersionWithExitThree() throws {
        try patchSegmentVersion(99)
        let r = run(["check", "--index", index.path])
        XCTAssertTrue(r.stderr.contains("99"), r.stderr)
        XCTAssertEqual(r.exitCode, 3, r.stderr)
    }

    /// An index of an older format version (here: its manifest and segments marked
    /// version 1) is refused with exit 3 and the advice to rebuild, and `--rebuild`
    /// replaces it: new file names, the old files removed only after the commit.
    func testRebuildReplacesAnIndexOfAnOlderFormatVersion() throws {
        try patchManifest { self.replacingLine("searchctl-manifest ", in: $0, with: "searchctl-manifest 1") }
        try patchSegmentVersion(1)
        let oldFiles = Set(try indexFiles(index).map(\.lastPathComponent)).subtracting(["write.lock"])
        assertOneLineError(run(["search", "aanval", "--index", index.path]), code: 3, mentions: ["version 1", "--rebuild"])
        assertOneLineError(run(["index", folder.path, "--index", index.path]), code: 3, mentions: ["--rebuild"])
        let r = run(["index", folder.path, "--index", index.path, "--rebuild"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let newFiles = Set(try indexFiles(index).map(\.lastPathComponent)).subtracting(["write.lock"])
        XCTAssertTrue(oldFiles.isDisjoint(with: newFiles), "old \(oldFiles), new \(newFiles)")
        XCTAssertEqual(run(["search", "aanval", "--index", index.path]).exitCode, 0)
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 0)
    }

    // MARK: 4

    func testTruncatedSegmentExitsFour() throws {
        let segment = try XCTUnwrap(try indexFiles(index, prefix: "seg-", suffix: ".seg").first)
        let data = try Data(contentsOf: segment)
        for length in [data.count / 2, data.count - 1, 20, 0] {
            try data.prefix(length).write(to: segment)
            assertOneLineError(run(["search", "aanval", "--index", index.path]), code: 4, mentions: [segment.lastPathComponent])
            XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 4, "truncated to \(length)")
            XCTAssertEqual(run(["stats", "--index", index.path]).exitCode, 4, "truncated to \(length)")
        }
    }

    func testMissingSegmentExitsFour() throws {
        let segment = try XCTUnwrap(try indexFiles(index, prefix: "seg-", suffix: ".seg").first)
        try FileManager.default.removeItem(at: segment)
        assertOneLineError(run(["search", "aanval", "--index", index.path]), code: 4, mentions: [segment.lastPathComponent])
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 4)
    }

    /// `search` verifies headers and footers only; `check` verifies every checksum.
    func testFlippedByteIsFoundByCheck() throws {
        XCTAssertEqual(run(["check", "--index", index.path]).exitCode, 0)
        let segment = try XCTUnwrap(try indexFiles(index, prefix: "seg-", suffix: ".seg").first)
        var data = try Data(contentsOf: segment)
        let middle = data.count / 2
        data[middle] ^= 0xFF
        try data.write(to: segment)
        let r = run(["check", "--index", index.path])
        XCTAssertEqual(r.exitCode, 4, r.stderr)
        XCTAssertTrue(r.stderr.contains("checksum"), r.stderr)
        XCTAssertTrue(r.stderr.contains(segment.lastPathComponent), r.stderr)
        XCTAssertTrue(r.stderr.contains("--rebuild"), "says what to do: \(r.stderr)")
        // A search may or may not notice; it must not crash or call it an I/O error.
        for query in ["aanval", "veto", "\"de g7\"", "top*"] {
            let s = run(["search", query, "--index", index.path])
            XCTAssertTrue([0, 1, 4].contains(s.exitCode), "\(query): exit \(s.exitCode): \(s.stderr)")
        }
    }

    /// A byte flipped anywhere in a segment never crashes a reader: every command ends
    /// with a SPEC exit code and a one-line message.
    func testDamageAnywhereNeverCrashes() throws {
        let seeds = Self.repoRoot.appendingPathComponent("seeds")
        let corpus = scratch.appendingPathComponent("seeds-corpus")
        try FileManager.default.copyItem(at: seeds, to: corpus)
        let idx = scratch.appendingPathComponent("damage-idx")
        XCTAssertEqual(run(["index", corpus.path, "--index", idx.path, "--quiet"]).exitCode, 0)
        let segment = try XCTUnwrap(try indexFiles(idx, prefix: "seg-", suffix: ".seg").first)
        let original = try Data(contentsOf: segment)
        let probes = 32
        var failures: [String] = []
        for k in 0..<probes {
            let offset = k * original.count / probes + (k % 7)
            var data = original
            data[offset] ^= 0x5A
            try data.write(to: segment)
            for args in [["search", "aanval syrië"], ["search", "\"de veiligheidsraad\""], ["search", "ver*", "--json"], ["check"], ["stats", "--json"]] {
                let r = run(args + ["--index", idx.path])
                let allowed: [Int32] = args[0] == "search" ? [0, 1, 3, 4] : [0, 3, 4]
                if !allowed.contains(r.exitCode) || r.stderr.contains("Fatal error") || (r.exitCode > 1 && r.stderrLines.count != 1 && args[0] != "check") {
                    failures.append("byte \(offset) of \(original.count): \(args.joined(separator: " ")): exit \(r.exitCode): \(r.stderr.prefix(300))")
                }
            }
        }
        try original.write(to: segment)
        XCTAssertEqual(run(["check", "--index", idx.path]).exitCode, 0)
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
    }

    // MARK: 5

    func testUnreadableFolderToIndexExitsFive() throws {
        let target = scratch.appendingPathComponent("idx-5").path
        let missing = scratch.appendingPathComponent("no-such-folder").path
        assertOneLineError(run(["index", missing, "--index", target]), code: 5, mentions: ["no-such-folder"])
        let notAFolder = folder.appendingPathComponent("a.txt").path
        assertOneLineError(run(["index", notAFolder, "--index", target]), code: 5, mentions: ["a.txt"])
        if getuid() != 0 {
            let locked = scratch.appendingPathComponent("locked-folder")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
            try write("tekst", to: locked.appendingPathComponent("x.txt"))
            XCTAssertEqual(chmod(locked.path, 0), 0)
            defer { chmod(locked.path, 0o755) }
            assertOneLineError(run(["index", locked.path, "--index", target]), code: 5, mentions: ["locked-folder"])
        }
    }
}
