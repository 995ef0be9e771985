#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout/stderr without Foundation.
enum Output {
    /// `searchctl: <message>` on stderr, one line.
    static func error(_ message: String) {
        errorRaw("searchctl: " + message)
    }

    static func warning(_ message: String) {
        errorRaw("searchctl: warning: " + message)
    }

    static func errorRaw(_ line: String) {
        var text = line
        text.append("\n")
        text.withUTF8 { bytes in writeAll(STDERR_FILENO, bytes) }
    }

    /// Writes every byte to `fd`, retrying short writes.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }

    /// Writes `text` to stdout unbuffered by stdio.
    static func out(_ text: String) {
        var text = text
        text.withUTF8 { writeAll(STDOUT_FILENO, $0) }
    }

    /// Writes UTF-8 `bytes` to stdout unbuffered by stdio.
    static func out(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { writeAll(STDOUT_FILENO, $0) }
    }

    /// Rewrites the progress line on stderr (a terminal); `nil` clears it.
    static func progress(_ line: String?) {
        var text = "\r\u{1B}[K"
        if let line { text += line }
        text.withUTF8 { writeAll(STDERR_FILENO, $0) }
    }

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Reads all of standard input.
    static func readStandardInput() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }
}

/// The lines of a file descriptor as they arrive (`search --batch`): a line is handed
/// out as soon as its newline is read, so that a program that writes a query and waits
/// for its answer gets it; input that is all there already is read 64 KB at a time.
struct InputLines {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Where the next line starts in `buffer`, and how far it is known to hold no newline.
    private var start = 0
    private var scanned = 0
    private var ended = false
    static let chunk = 1 << 16

    init(fd: Int32 = STDIN_FILENO) { self.fd = fd }

    /// The next line, without its newline; what follows the last newline is a line when
    /// it is not empty. `nil` at the end of the input. `beforeWaiting` is called before
    /// each read, which may wait for more input (to flush the answers so far).
    mutating func next(beforeWaiting: () -> Void) -> ArraySlice<UInt8>? {
        while true {
            let newline: Int? = buffer.withUnsafeBufferPointer { b in
                guard scanned < b.count, let base = b.baseAddress,
                      let hit = memchr(base + scanned, 0x0A, b.count - scanned) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let newline {
                let line = buffer[start..<newline]
                start = newline + 1
                scanned = start
                return line
            }
            scanned = buffer.count
            if ended {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                scanned = start
                return line
            }
            if start > 0 {
                buffer.removeSubrange(0..<start)
                scanned -= start
                start = 0
            }
            beforeWaiting()
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: Self.chunk))
            var n = 0
            repeat {
                n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, Self.chunk) }
            } while n < 0 && errno == EINTR
            buffer.removeSubrange((old + max(n, 0))...)
            if n <= 0 { ended = true }
        }
    }
}
