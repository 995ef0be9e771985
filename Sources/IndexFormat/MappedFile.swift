#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of a whole file; unmapped when the last reference goes.
/// The bytes are lent out as an `UnsafeRawBufferPointer` that must not outlive `self`.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    public init(path: String) throws(IndexError) {
        self.path = path
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw .corrupt(file: path, offset: nil, reason: "file is missing") }
            throw .io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        let size = Int(st.st_size)
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else { throw .io(path: path, operation: "mmap", errno: errno) }
        mapping = p
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// Lets the kernel drop this mapping's resident pages (they stay in the page
    /// cache; a later access faults them back in). Long sequential reads, such as a
    /// merge, call this now and then so the process's resident memory stays bounded.
    public func dropResidentPages() {
        if let mapping { madvise(mapping, bytes.count, MADV_DONTNEED) }
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }
}
