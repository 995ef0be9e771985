// What the fuzz targets share: the input as bytes, a per-process scratch folder,
// writing files, and the seed mode (`SEARCHCTL_FUZZ_WRITE_SEEDS=<folder>`).
#if canImport(Glibc)
import Glibc
#endif

/// The fuzzer's input as an array (libFuzzer passes a null pointer for size 0).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Writes `text` and a newline to standard error.
public func printError(_ text: String) {
    var line = Array((text + "\n").utf8)
    line.withUnsafeMutableBytes { _ = write(2, $0.baseAddress!, $0.count) }
}

/// Stops the process the way libFuzzer reports a crash (SIGABRT, input saved) when a
/// property that must hold for every input does not. `precondition` would do the same
/// in a debug build; this also says which property, whatever the build.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        printError("fuzz property failed at \(file):\(line): \(message())")
        abort()
    }
}

/// A folder of this process's own under `$TMPDIR` (or /tmp), removed at exit, so that
/// several fuzzers (or libFuzzer's `-jobs`) never share files.
public enum Scratch {
    public static let directory: String = {
        var base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        if base.isEmpty { base = "/tmp" }
        var template = Array("\(base)/searchctl-fuzz-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            printError("cannot create a scratch folder under \(base)")
            exit(1)
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        atexit { removeTree(Scratch.directory) }
        return path
    }()

    /// A sub-folder of the scratch folder, created if missing.
    public static func folder(_ name: String) -> String {
        let path = directory + "/" + name
        mkdir(path, 0o755)
        return path
    }
}

/// Writes `bytes` to `path`, replacing it (truncate, then write).
public func writeFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        printError("cannot write \(path): \(String(cString: strerror(errno)))")
        exit(1)
    }
    defer { close(fd) }
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                printError("cannot write \(path): \(String(cString: strerror(errno)))")
                exit(1)
            }
            offset += n
        }
    }
}

/// The whole content of `path`, or nil.
public func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return nil }
        if n == 0 { return result }
        result += chunk[0..<n]
    }
}

/// `rm -rf path` for the scratch folders (files and folders only).
func removeTree(_ path: String) {
    if let dir = opendir(path) {
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var st = stat()
            if lstat(child, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                removeTree(child)
            } else {
                unlink(child)
            }
        }
        closedir(dir)
    }
    rmdir(path)
}

/// The seed mode of every fuzz target: run with `SEARCHCTL_FUZZ_WRITE_SEEDS=<folder>`,
/// a target writes its seed inputs there (`seed-<name>`) and exits instead of fuzzing.
/// `Fuzz/make-seeds.sh` uses it to (re)create `Fuzz/Corpora/`.
public func writeSeedsIfRequested(_ seeds: () throws -> [(name: String, bytes: [UInt8])]) {
    guard let target = getenv("SEARCHCTL_FUZZ_WRITE_SEEDS").map({ String(cString: $0) }), !target.isEmpty else { return }
    mkdir(target, 0o755)
    do {
        let list = try seeds()
        for seed in list {
            writeFile(target + "/seed-" + seed.name, seed.bytes)
        }
        print("wrote \(list.count) seeds to \(target)")
        exit(0)
    } catch {
        printError("writing seeds failed: \(error)")
        exit(1)
    }
}

/// A small deterministic pseudo-random stream drawn from the input (SplitMix64), for
/// choices a target makes that libFuzzer should be able to steer.
public struct InputRandom {
    var state: UInt64

    public init(_ bytes: [UInt8]) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes.suffix(16) { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        state = h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (0 when n ≤ 0).
    public mutating func below(_ n: Int) -> Int {
        n <= 0 ? 0 : Int(next() % UInt64(n))
    }
}
