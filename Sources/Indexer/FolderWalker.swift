#if canImport(Glibc)
import Glibc
#endif

/// A file found by `FolderWalker`.
public struct FileEntry: Sendable, Equatable {
    /// `/`-separated path relative to the indexed folder: the document's identity.
    public var relativePath: String
    /// The indexed folder (shared by every entry of a walk).
    public var root: String
    public var absolutePath: String { root + "/" + relativePath }
    public var size: UInt64
    /// Modification time in nanoseconds since 1970.
    public var mtime: Int64
}

/// Walks a folder recursively: hidden files and folders (name starting with `.`) and
/// symlinks are skipped, only regular files whose name matches an include glob and no
/// exclude glob are kept. A glob without `/` matches the file name; one with `/`
/// matches the relative path. Results are in path order (UTF-8 byte order), so every
/// run sees the same order.
public struct FolderWalker {
    public static let defaultIncludes = ["*.txt", "*.md", "*.text"]

    public var includes: [String]
    public var excludes: [String]
    /// Called with a one-line warning for each thing skipped for a reason the user should know.
    public var warn: (String) -> Void

    public init(includes: [String] = FolderWalker.defaultIncludes, excludes: [String] = [], warn: @escaping (String) -> Void = { _ in }) {
        self.includes = includes.isEmpty ? Self.defaultIncludes : includes
        self.excludes = excludes
        self.warn = warn
    }

    /// - Throws: `WalkError` when `root` itself cannot be read.
    public func walk(_ root: String) throws(WalkError) -> [FileEntry] {
        var st = stat()
        guard stat(root, &st) == 0 else { throw WalkError(path: root, errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw WalkError(path: root, errno: ENOTDIR) }
        guard let dir = opendir(root) else { throw WalkError(path: root, errno: errno) }
        closedir(dir)
        var result: [FileEntry] = []
        var stack: [String] = [""]
        var visited = Set<[UInt64]>()
        while let relative = stack.popLast() {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            guard let dir = opendir(absolute) else {
                warn("skipped folder \(relative.isEmpty ? "." : relative): \(String(cString: strerror(errno)))")
                continue
            }
            var dst = stat()
            if fstat(dirfd(dir), &dst) == 0 {
                let key = [UInt64(dst.st_dev), UInt64(dst.st_ino)]
                if visited.contains(key) { closedir(dir); continue }
                visited.insert(key)
            }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(validatingCString: $0) }
                }
                guard let name else {
                    // Repaired, for the warning only.
                    let shown = withUnsafePointer(to: entry.pointee.d_name) {
                        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                    }
                    warn("skipped \(relative.isEmpty ? "" : relative + "/")\(shown): file name is not valid UTF-8")
                    continue
                }
                if name == "." || name == ".." || name.hasPrefix(".") { continue }
                names.append(name)
            }
            // Entries are examined relative to the open folder (no path resolution from
            // the root for every file), then the folder is closed.
            defer { closedir(dir) }
            let folder = dirfd(dir)
            for name in names {
                let childRelative = relative.isEmpty ? name : relative + "/" + name
                var cst = stat()
                guard fstatat(folder, name, &cst, AT_SYMLINK_NOFOLLOW) == 0 else {
                    warn("skipped \(childRelative): \(String(cString: strerror(errno)))")
                    continue
                }
                switch cst.st_mode & S_IFMT {
                case S_IFDIR:
                    if !matches(excludes, name: name, path: childRelative) { stack.append(childRelative) }
                case S_IFREG:
                    guard matches(includes, name: name, path: childRelative),
                          !matches(excludes, name: name, path: childRelative) else { continue }
                    let mtime = Int64(cst.st_mtim.tv_sec) * 1_000_000_000 + Int64(cst.st_mtim.tv_nsec)
                    result.append(FileEntry(relativePath: childRelative, root: root,
                                            size: UInt64(cst.st_size), mtime: mtime))
                default:
                    continue  // symlinks, FIFOs, sockets, devices
                }
            }
        }
        result.sort { Self.precedesInUTF8Order($0.relativePath, $1.relativePath) }
        return result
    }

    /// `a` before `b` in UTF-8 byte order (= code point order), by `memcmp` on the
    /// strings' own storage: the generic `UTF8View` comparison took a fifth of a no-op run.
    @inline(__always)
    static func precedesInUTF8Order(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
        if let fast, let result = fast { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private func matches(_ globs: [String], name: String, path: String) -> Bool {
        for glob in globs {
            // A glob with `/` matches the path, any other the name. (`utf8.contains`: a
            // Character search would segment the glob into graphemes for every file.)
            if glob.utf8.contains(0x2F) {
                if fnmatch(glob, path, 0) == 0 { return true }
            } else if fnmatch(glob, name, 0) == 0 {
                return true
            }
        }
        return false
    }
}

/// The folder to index cannot be read.
public struct WalkError: Error, CustomStringConvertible {
    public var path: String
    public var errno: Int32
    public var description: String {
        "cannot read folder \(path): \(String(cString: strerror(errno)))"
    }
}
