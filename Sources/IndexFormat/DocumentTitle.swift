/// A document's title: its first non-empty line (lines end at LF or CR), trimmed of
/// white space, at most 300 characters (then "…"), or "" when every line is empty.
///
/// Stored in the document record (format versions 2, 3 and 6 on); versions 4 and 5
/// derive it from the stored text when a document is read, usually from a short prefix
/// of it (`title(utf8:complete:)`).
public enum DocumentTitle {
    public static let maximumCharacters = 300

    /// The title of the whole text `text` (UTF-8).
    public static func title(utf8 text: UnsafeRawBufferPointer) -> String {
        title(utf8: text, complete: true)!
    }

    /// The title of `text` (UTF-8), or `nil` when `text` is only a prefix of the document
    /// (`complete` false) and the title may lie past it: no line of it ended yet with
    /// text on it.
    public static func title(utf8 text: [UInt8], complete: Bool) -> String? {
        text.withUnsafeBytes { title(utf8: $0, complete: complete) }
    }

    public static func title(utf8 text: UnsafeRawBufferPointer, complete: Bool) -> String? {
        var start = 0
        let n = text.count
        while start < n {
            var end = start
            while end < n && text[end] != 0x0A && text[end] != 0x0D { end += 1 }
            // The last line of a prefix may go on past it.
            if end == n && !complete { return nil }
            let trimmed = trimmingWhitespace(String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<end]), as: UTF8.self))
            if !trimmed.isEmpty { return capped(trimmed) }
            start = end + 1
        }
        return complete ? "" : nil
    }

    private static func capped(_ line: String) -> String {
        line.count > maximumCharacters ? String(line.prefix(maximumCharacters)) + "…" : line
    }

    private static func trimmingWhitespace(_ line: String) -> String {
        let scalars = line.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
