#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one seam through which the index touches the file system, so that failures can
/// be injected in tests (`SystemCall.failure`), in the manner of swift-system's syscall
/// layer.
public enum SystemCall {
    /// A test hook: when set, called before each write-side operation with its name
    /// (`write`, `fsync`, `rename`); returning an errno makes that call fail.
    nonisolated(unsafe) public static var failure: ((String) -> Int32?)?

    public static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    static func injected(_ operation: String) -> Int32? {
        failure?(operation)
    }

    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws(IndexError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        if fd < 0 { throw .io(path: path, operation: "open", errno: errno) }
        return fd
    }

    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(IndexError) {
        if let code = injected("write") { throw .io(path: path, operation: "write", errno: code) }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", errno: errno)
            }
            offset += n
        }
    }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(IndexError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(IndexError) in
            try writeAll(fd, UnsafeRawBufferPointer(buffer), path: path)
        }
    }

    /// Copies `count` bytes from the current offset of `input` (the file `source`) to
    /// `output` (the file `path`) inside the kernel (`sendfile`), or through a buffer
    /// where it cannot (another file system, an old kernel). Fails when `input` ends sooner.
    public static func copy(from input: Int32, source: String, to output: Int32, count: Int, path: String) throws(IndexError) {
        if let code = injected("write") { throw .io(path: path, operation: "write", errno: code) }
        var left = count
        while left > 0 {
            let n = sendfile(output, input, nil, min(left, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL || errno == ENOSYS || errno == EXDEV || errno == EOPNOTSUPP { break }
                throw .io(path: path, operation: "write", errno: errno)
            }
            if n == 0 { throw .io(path: source, operation: "read", errno: EIO) }
            left -= n
        }
        if left == 0 { return }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: min(left, 1 << 20), alignment: 16)
        defer { chunk.deallocate() }
        while left > 0 {
            let n = Glibc.read(input, chunk.baseAddress, min(chunk.count, left))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: source, operation: "read", errno: errno)
            }
            if n == 0 { throw .io(path: source, operation: "read", errno: EIO) }
            try writeAll(output, UnsafeRawBufferPointer(rebasing: chunk[0..<n]), path: path)
            left -= n
        }
    }

    public static func fsync(_ fd: Int32, path: String) throws(IndexError) {
        if let code = injected("fsync") { throw .io(path: path, operation: "fsync", errno: code) }
        if Glibc.fsync(fd) != 0 { throw .io(path: path, operation: "fsync", errno: errno) }
    }

    public static func rename(_ from: String, _ to: String) throws(IndexError) {
        if let code = injected("rename") { throw .io(path: to, operation: "rename", errno: code) }
        if Glibc.rename(from, to) != 0 { throw .io(path: to, operation: "rename", errno: errno) }
    }

    /// Makes the directory entries of `path` durable.
    public static func fsyncDirectory(_ path: String) throws(IndexError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    /// Writes `bytes` to `path` durably and atomically: a temporary file beside it,
    /// fsync, rename, fsync of the directory.
    public static func atomicWrite(_ bytes: [UInt8], to path: String, directory: String) throws(IndexError) {
        let temp = path + ".tmp"
        let fd = try open(temp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try writeAll(fd, bytes, path: temp)
            try fsync(fd, path: temp)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        try rename(temp, path)
        try fsyncDirectory(directory)
    }

    /// Reads a whole file.
    public static func readFile(_ path: String) throws(IndexError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// The names in a directory (without `.` and `..`).
    public static func listDirectory(_ path: String) throws(IndexError) -> [String] {
        guard let dir = opendir(path) else { throw .io(path: path, operation: "list", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func fileExists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its missing parents.
    public static func makeDirectories(_ path: String) throws(IndexError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .io(path: prefix, operation: "create directory", errno: errno)
            }
        }
    }
}
