import Analysis
import IndexFormat

/// One document after analysis, ready to be added to the in-memory segment: made by a
/// worker thread, consumed by the indexing thread.
struct AnalyzedDocument: @unchecked Sendable {
    var record: DocumentRecord
    /// Number of positions (`dl`).
    var length: Int
    /// The document's distinct terms, their UTF-8 bytes back to back in `termBytes`.
    var termBytes: [UInt8]
    var terms: [TermEntry]
    /// Position-delta varints of every term, back to back (`TermEntry.positions`).
    var positionBytes: [UInt8]
    /// `Compression.compress`ed UTF-8 text.
    var storedBlob: [UInt8]
    /// The charset used when the file was not UTF-8.
    var detectedCharset: String?

    struct TermEntry {
        var bytes: Range<Int32>
        var frequency: Int32
        var positions: Range<Int32>
    }
}

/// Turns a file's bytes into an `AnalyzedDocument`. One per worker thread.
final class DocumentAnalyzer {
    private let analyzer: Analyzer
    private var table = TermTable(capacity: 4096)
    private var tokenTerms: [Int32] = []
    private var tokenPositions: [Int32] = []
    private var counts: [Int32] = []
    private var order: [Int32] = []

    init() throws(AnalysisError) {
        analyzer = try Analyzer()
    }

    /// Analyzes `bytes` (the file's content). Throws `AnalysisError` for binary or
    /// undecodable content.
    func analyze(_ bytes: UnsafeRawBufferPointer, path: String, size: UInt64, mtime: Int64, contentHash: UInt64) throws(AnalysisError) -> AnalyzedDocument {
        let decoded = try TextDecoder.decode(bytes)
        table.removeAll()
        tokenTerms.removeAll(keepingCapacity: true)
        tokenPositions.removeAll(keepingCapacity: true)
        let length = try decoded.utf16.withUnsafeBufferPointer { (text) throws(AnalysisError) -> Int in
            try analyzer.analyze(text) { token in
                let (id, _) = table.id(of: token.term)
                tokenTerms.append(Int32(id))
                tokenPositions.append(token.position)
            }
        }
        // Group the tokens by term (a counting sort keeps positions increasing).
        let termCount = table.count
        counts.removeAll(keepingCapacity: true)
        counts.append(contentsOf: repeatElement(0, count: termCount + 1))
        for t in tokenTerms { counts[Int(t) + 1] += 1 }
        for i in 0..<termCount { counts[i + 1] += counts[i] }
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: repeatElement(0, count: tokenTerms.count))
        var next = counts
        for (k, t) in tokenTerms.enumerated() {
            order[Int(next[Int(t)])] = tokenPositions[k]
            next[Int(t)] += 1
        }
        var doc = AnalyzedDocument(
            record: DocumentRecord(path: path, title: Self.title(of: decoded.utf16), size: size, mtime: mtime, contentHash: contentHash),
            length: length, termBytes: table.arena, terms: [], positionBytes: [], storedBlob: [],
            detectedCharset: decoded.detectedCharset)
        doc.terms.reserveCapacity(termCount)
        doc.positionBytes.reserveCapacity(tokenTerms.count * 2)
        for id in 0..<termCount {
            let start = Int(counts[id])
            let end = Int(counts[id + 1])
            let positionsStart = doc.positionBytes.count
            var previous: Int32 = 0
            for k in start..<end {
                let p = order[k]
                appendVarint(UInt32(p - previous), to: &doc.positionBytes)
                previous = p
            }
            let s = table.starts[id]
            doc.terms.append(.init(bytes: s..<(s + table.lengths[id]), frequency: Int32(end - start),
                                   positions: Int32(positionsStart)..<Int32(doc.positionBytes.count)))
        }
        // Stored text: the file's own UTF-8 when it was UTF-8, else the decoded text as UTF-8.
        if decoded.detectedCharset == nil {
            var body = bytes
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                body = UnsafeRawBufferPointer(rebasing: bytes[3...])
            }
            doc.storedBlob = Compression.compress(body)
        } else {
            let utf8 = Array(String(decoding: decoded.utf16, as: UTF16.self).utf8)
            doc.storedBlob = utf8.withUnsafeBytes { Compression.compress($0) }
        }
        return doc
    }

    /// The first non-empty line, trimmed, at most 300 characters.
    static func title(of text: [UInt16]) -> String {
        var start = 0
        let n = text.count
        while start < n {
            var end = start
            while end < n && text[end] != 0x0A && text[end] != 0x0D { end += 1 }
            let line = String(decoding: text[start..<end], as: UTF16.self)
            let trimmed = line.trimmingWhitespace()
            if !trimmed.isEmpty {
                return trimmed.count > 300 ? String(trimmed.prefix(300)) + "…" : trimmed
            }
            start = end + 1
        }
        return ""
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
