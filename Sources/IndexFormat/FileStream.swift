#if canImport(Glibc)
import Glibc
#endif

/// An append-only file with a 256 KiB buffer that checksums what it writes section by
/// section: the segment writer streams postings and stored text through it instead of
/// holding them in memory.
struct FileStream {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written so far (buffered included).
    private(set) var offset = 0
    private var sectionStart = 0
    private var sectionCRC: UInt32 = 0
    private var closed = false
    /// (Larger buffers save no time: writes into the page cache are cheap, while each
    /// buffer page costs a fault when first written.)
    static let bufferSize = 1 << 18

    init(path: String) throws(IndexError) {
        self.path = path
        fd = try SystemCall.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        buffer.reserveCapacity(Self.bufferSize)
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(IndexError) {
        sectionCRC = Checksum.crc32(bytes, continuing: sectionCRC)
        offset += bytes.count
        if buffer.count + bytes.count > Self.bufferSize { try flushBuffer() }
        if bytes.count >= Self.bufferSize {
            try SystemCall.writeAll(fd, bytes, path: path)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    mutating func write(_ bytes: [UInt8]) throws(IndexError) {
        try bytes.withUnsafeBufferPointer { (b) throws(IndexError) in try write(UnsafeRawBufferPointer(b)) }
    }

    private mutating func flushBuffer() throws(IndexError) {
        if buffer.isEmpty { return }
        try SystemCall.writeAll(fd, buffer, path: path)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Pads with zeros to a multiple of 8 and starts a new section there.
    mutating func beginSection() throws(IndexError) {
        let padding = (8 - offset % 8) % 8
        if padding > 0 {
            buffer.append(contentsOf: repeatElement(0, count: padding))
            offset += padding
            if buffer.count >= Self.bufferSize { try flushBuffer() }
        }
        sectionStart = offset
        sectionCRC = 0
    }

    /// The range and CRC-32C of the section written since `beginSection`.
    func endSection() -> (range: Range<Int>, crc: UInt32) {
        (sectionStart..<offset, sectionCRC)
    }

    /// Copies the whole file at `source` — `length` bytes whose CRC-32C is `crc` — into
    /// this stream as the whole of the section just begun. The kernel copies the bytes:
    /// none pass through this process.
    mutating func appendSection(from source: String, length: Int, crc: UInt32) throws(IndexError) {
        precondition(offset == sectionStart, "appendSection starts a section")
        try flushBuffer()
        let input = try SystemCall.open(source, O_RDONLY)
        defer { Glibc.close(input) }
        try SystemCall.copy(from: input, source: source, to: fd, count: length, path: path)
        offset += length
        sectionCRC = crc
    }

    /// Flushes, optionally fsyncs, and closes.
    mutating func close(sync: Bool) throws(IndexError) {
        try flushBuffer()
        if sync { try SystemCall.fsync(fd, path: path) }
        Glibc.close(fd)
        closed = true
    }

    /// Closes without flushing (after a failure).
    mutating func abandon() {
        if !closed { Glibc.close(fd); closed = true }
    }
}
