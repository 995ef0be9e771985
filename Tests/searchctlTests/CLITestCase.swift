import Foundation
import XCTest

/// The result of one `searchctl` run.
struct CLIResult {
    var exitCode: Int32
    var stdout: String
    var stderr: String
    /// Raw standard output (for large outputs and byte-exact checks).
    var stdoutData: Data

    /// The non-empty lines of standard error.
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

/// Base class of the end-to-end tests: runs the built `searchctl` binary as a
/// subprocess, with a fresh temporary folder per test for corpora and indexes.
///
/// Standard output and error go to files, not pipes, so a chatty run can never
/// dead-lock against a full pipe buffer; every run has a time limit.
class CLITestCase: XCTestCase {
    /// A fresh folder per test, removed afterwards.
    var scratch: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("searchctl-clitests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        _ = try Self.binary()  // fail early with a clear message when the binary is missing
    }

    override func tearDownWithError() throws {
        if let scratch {
            // Folders a test made unreadable must be readable again to be removed.
            if let e = FileManager.default.enumerator(atPath: scratch.path) {
                for case let rel as String in e {
                    let p = scratch.appendingPathComponent(rel).path
                    var isDir: ObjCBool = false
                    if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
                        chmod(p, 0o755)
                    }
                }
            }
            try? FileManager.default.removeItem(at: scratch)
        }
        try super.tearDownWithError()
    }

    // MARK: Locating things

    /// The repository root, from this file's path (`Tests/searchctlTests/…`).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let binaryLock = NSLock()
    nonisolated(unsafe) private static var cachedBinary: URL?

    /// The `searchctl` executable in the build products folder next to the test bundle,
    /// else `.build/debug/searchctl`.
    static func binary() throws -> URL {
        binaryLock.lock()
        defer { binaryLock.unlock() }
        if let cachedBinary { return cachedBinary }
        var folders: [URL] = []
        let bundle = Bundle.main.bundleURL
        folders.append(bundle)
        folders.append(bundle.deletingLastPathComponent())
        for b in Bundle.allBundles where b.bundleURL.pathExtension == "xctest" {
            folders.append(b.bundleURL.deletingLastPathComponent())
        }
        if let argv0 = CommandLine.arguments.first {
            let url = URL(fileURLWithPath: argv0)
            folders.append(url.deletingLastPathComponent())
            folders.append(url.deletingLastPathComponent().deletingLastPathComponent())
        }
        folders.append(repoRoot.appendingPathComponent(".build/debug"))
        for folder in folders {
            let candidate = folder.appendingPathComponent("searchctl")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate.path) {
                cachedBinary = candidate
                return candidate
            }
        }
        throw XCTSkip("searchctl binary not found (looked in \(folders.map(\.path))); run 'swift build' first")
    }

    // MARK: Running

    /// Runs `searchctl args…` in `cwd` (default: the scratch folder) with `stdin` and extra
    /// environment variables; `SEARCHCTL_INDEX` is removed from the inherited environment
    /// unless `env` sets it. With a `launcher` (`["/usr/bin/taskset", "-c", "0"]`), runs
    /// `launcher… searchctl args…`.
    @discardableResult
    func run(_ args: [String], stdin: Data? = nil, env: [String: String] = [:],
             cwd: URL? = nil, timeout: TimeInterval = 60, launcher: [String] = [],
             file: StaticString = #filePath, line: UInt = #line) -> CLIResult {
        do {
            return try Self.execute(args, stdin: stdin, env: env, cwd: cwd ?? scratch, timeout: timeout, scratch: scratch,
                                    launcher: launcher)
        } catch {
            XCTFail("could not run searchctl \(args): \(error)", file: file, line: line)
            return CLIResult(exitCode: -1, stdout: "", stderr: "\(error)", stdoutData: Data())
        }
    }

    /// Thread-safe: usable from background threads.
    static func execute(_ args: [String], stdin: Data?, env: [String: String], cwd: URL,
                        timeout: TimeInterval, scratch: URL, launcher: [String] = []) throws -> CLIResult {
        let io = scratch.appendingPathComponent(".io-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: io) }
        let outURL = io.appendingPathComponent("stdout")
        let errURL = io.appendingPathComponent("stderr")
        let inURL = io.appendingPathComponent("stdin")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        try (stdin ?? Data()).write(to: inURL)

        let process = Process()
        if let tool = launcher.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = launcher.dropFirst() + [try binary().path] + args
        } else {
            process.executableURL = try binary()
            process.arguments = args
        }
        process.currentDirectoryURL = cwd
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "SEARCHCTL_INDEX")
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
            try? inHandle.close()
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw NSError(domain: "searchctlTests", code: 1,
                              userInfo: [NSLocalizedDescriptionKey: "timed out after \(timeout) s: searchctl \(args)"])
            }
            usleep(2000)
        }
        process.waitUntilExit()
        let outData = try Data(contentsOf: outURL)
        let errData = try Data(contentsOf: errURL)
        var code = process.terminationStatus
        if process.terminationReason == .uncaughtSignal { code = 128 + code }
        return CLIResult(exitCode: code,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self),
                         stdoutData: outData)
    }

    // MARK: Files

    /// Writes `files` (relative path → content) below `folder`, making parent folders.
    @discardableResult
    func makeCorpus(_ files: [String: String], name: String = "corpus") throws -> URL {
        let folder = scratch.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (path, text) in files { try write(text, to: folder.appendingPathComponent(path)) }
        return folder
    }

    func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    func write(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// The files of `index` whose name matches `prefix` and `suffix`, sorted.
    func indexFiles(_ index: URL, prefix: String = "", suffix: String = "") throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: index.path)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }
            .sorted()
            .map { index.appendingPathComponent($0) }
    }

    /// The manifest with the highest generation.
    func latestManifest(_ index: URL) throws -> URL {
        let manifests = try indexFiles(index, prefix: "manifest-")
            .compactMap { url -> (Int, URL)? in Int(url.lastPathComponent.dropFirst("manifest-".count)).map { ($0, url) } }
        guard let latest = manifests.max(by: { $0.0 < $1.0 }) else {
            throw XCTSkip("no manifest-N file in \(index.path)")
        }
        return latest.1
    }

    // MARK: JSON

    func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        guard let object = value as? [String: Any] else {
            XCTFail("not a JSON object: \(text.prefix(200))", file: file, line: line)
            return [:]
        }
        return object
    }

    func jsonArray(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        guard let array = value as? [[String: Any]] else {
            XCTFail("not a JSON array of objects: \(text.prefix(200))", file: file, line: line)
            return []
        }
        return array
    }

    /// `analyze --json text` as (position, text, term) triples.
    func analyze(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Token] {
        let r = run(["analyze", "--json", text], file: file, line: line)
        XCTAssertEqual(r.exitCode, 0, "analyze \(text): \(r.stderr)", file: file, line: line)
        return try tokens(r.stdout, file: file, line: line)
    }

    struct Token: Equatable, CustomStringConvertible {
        var position: Int
        var text: String
        var term: String
        var description: String { "\(position):\(text)→\(term)" }
    }

    func tokens(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Token] {
        try jsonArray(json, file: file, line: line).map { o in
            XCTAssertEqual(Set(o.keys), ["position", "text", "term"], "keys of \(o)", file: file, line: line)
            return Token(position: (o["position"] as? NSNumber)?.intValue ?? -1,
                         text: o["text"] as? String ?? "<missing>",
                         term: o["term"] as? String ?? "<missing>")
        }
    }

    /// `stats --json` of `index`.
    func stats(_ index: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let r = run(["stats", "--json", "--index", index.path], file: file, line: line)
        XCTAssertEqual(r.exitCode, 0, "stats: \(r.stderr)", file: file, line: line)
        return try jsonObject(r.stdout, file: file, line: line)
    }

    /// `search --json` hits as (path, score) in rank order, and the exit code.
    func searchHits(_ query: String, index: URL, extra: [String] = [],
                    file: StaticString = #filePath, line: UInt = #line) throws -> (code: Int32, hits: [(path: String, score: Double)]) {
        let r = run(["search", query, "--json", "--no-snippet", "--limit", "1000", "--index", index.path] + extra, file: file, line: line)
        XCTAssert(r.exitCode == 0 || r.exitCode == 1, "search \(query): exit \(r.exitCode): \(r.stderr)", file: file, line: line)
        let o = try jsonObject(r.stdout, file: file, line: line)
        let hits = (o["hits"] as? [[String: Any]] ?? []).map { h in
            (path: h["path"] as? String ?? "", score: (h["score"] as? NSNumber)?.doubleValue ?? .nan)
        }
        return (r.exitCode, hits)
    }

    func int(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }
    func double(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }
}

/// CRC-32C as every searchctl file uses it (Castagnoli, reflected polynomial 0x82F63B78),
/// computed independently of the product's own code, for patching manifests.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// 8 lowercase hex digits.
    static func hex(_ value: UInt32) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
