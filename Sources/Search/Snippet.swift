import Analysis

/// A passage of a document's stored text around its best cluster of matches.
public struct Snippet: Sendable, Equatable {
    public var text: String
    /// `[start, end)` offsets in Unicode scalars into `text`.
    public var highlights: [[Int]]
}

/// Picks the window of `windowTokens` consecutive tokens holding the most distinct
/// query terms (then the most matches), and highlights the matching words in it.
struct SnippetMaker {
    let analyzer: Analyzer
    let terms: Set<[UInt8]>
    let prefixes: [[UInt8]]
    var windowTokens = 24
    /// Only the first part of a very large document is analyzed for its snippet.
    var maximumTextBytes = 1 << 20

    func make(utf8 text: [UInt8]) -> Snippet {
        var bytes = text
        if bytes.count > maximumTextBytes {
            var cut = maximumTextBytes
            while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            bytes.removeSubrange(cut...)
        }
        let utf16 = Array(String(decoding: bytes, as: UTF8.self).utf16)
        var starts: [Int] = []
        var ends: [Int] = []
        var matchIds: [Int] = []   // -1 for no match, else an id per distinct matched term
        var ids: [[UInt8]: Int] = [:]
        utf16.withUnsafeBufferPointer { buffer in
            _ = try? analyzer.analyze(buffer) { token in
                starts.append(Int(token.start))
                ends.append(Int(token.end))
                let term = Array(token.term)
                var matched = terms.contains(term)
                if !matched {
                    for p in prefixes where term.count >= p.count && term.starts(with: p) { matched = true; break }
                }
                if matched {
                    if ids[term] == nil { ids[term] = ids.count }
                    matchIds.append(ids[term]!)
                } else {
                    matchIds.append(-1)
                }
            }
        }
        let n = starts.count
        if n == 0 { return Snippet(text: clean(utf16[...]).text, highlights: []) }
        // Best window by (distinct matched terms, matches).
        var bestStart = 0
        var bestKey = (-1, -1)
        var counts = [Int](repeating: 0, count: ids.count)
        var distinct = 0
        var matches = 0
        let w = min(windowTokens, n)
        for i in 0..<n {
            if matchIds[i] >= 0 {
                if counts[matchIds[i]] == 0 { distinct += 1 }
                counts[matchIds[i]] += 1
                matches += 1
            }
            if i >= w {
                let out = matchIds[i - w]
                if out >= 0 {
                    counts[out] -= 1
                    if counts[out] == 0 { distinct -= 1 }
                    matches -= 1
                }
            }
            if i >= w - 1 {
                let key = (distinct, matches)
                if key > bestKey {
                    bestKey = key
                    bestStart = i - w + 1
                }
            }
        }
        // Start the window a few tokens before the first match, for context.
        if let firstMatch = (bestStart..<(bestStart + w)).first(where: { matchIds[$0] >= 0 }) {
            bestStart = max(0, min(bestStart, firstMatch - 3))
        }
        let lastToken = min(n, bestStart + w) - 1
        let from = bestStart == 0 ? 0 : starts[bestStart]
        let to = lastToken == n - 1 ? utf16.count : ends[lastToken]
        var (body, map) = clean(utf16[from..<to])
        var highlights: [[Int]] = []
        for i in bestStart...lastToken where matchIds[i] >= 0 {
            // A word may begin or end with a unit that `clean` drops (a soft hyphen, which
            // ICU keeps inside the word): use its first and last kept units.
            let units = (starts[i] - from)..<(ends[i] - from)
            guard let s = units.lazy.compactMap({ map[$0] }).first,
                  let e = units.reversed().lazy.compactMap({ map[$0] }).first else { continue }
            highlights.append([s, e + 1])
        }
        if from > 0 {
            body = "… " + body
            highlights = highlights.map { [$0[0] + 2, $0[1] + 2] }
        }
        if to < utf16.count { body += " …" }
        return Snippet(text: body, highlights: highlights)
    }

    /// Collapses white space runs to one space and trims; `map[i]` is the scalar offset
    /// in the result of the UTF-16 unit `i` of `units` (nil for dropped white space and
    /// low surrogates).
    private func clean(_ units: ArraySlice<UInt16>) -> (text: String, map: [Int?]) {
        var out = String.UnicodeScalarView()
        var map = [Int?](repeating: nil, count: units.count)
        var count = 0
        var pendingSpace = false
        var i = units.startIndex
        while i < units.endIndex {
            let u = units[i]
            var scalar: Unicode.Scalar
            var width = 1
            if u & 0xFC00 == 0xD800, i + 1 < units.endIndex, units[i + 1] & 0xFC00 == 0xDC00 {
                scalar = Unicode.Scalar(0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[i + 1]) - 0xDC00))!
                width = 2
            } else {
                scalar = Unicode.Scalar(u) ?? "\u{FFFD}"
            }
            if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar == "\u{AD}" {
                if scalar != "\u{AD}" { pendingSpace = count > 0 }
            } else {
                if pendingSpace {
                    out.append(" ")
                    count += 1
                    pendingSpace = false
                }
                map[i - units.startIndex] = count
                if width == 2 { map[i + 1 - units.startIndex] = count }
                out.append(scalar)
                count += 1
            }
            i += width
        }
        return (String(out), map)
    }
}
