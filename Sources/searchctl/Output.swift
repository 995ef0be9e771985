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
            if n <= 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }
}
