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
    let terms: [[UInt8]]
    let prefixes: [[UInt8]]
    var windowTokens = 24
    /// Only the first part of a very large document is analyzed for its snippet.
    var maximumTextBytes = 1 << 20

    /// The analyzed prefix of a text: token ranges and which query term each matches.
    private struct Scan {
        var starts: [Int] = []
        var ends: [Int] = []
        var matchIds: [Int] = []   // -1: no match; else an id per distinct matched term
        var distinctMatched = 0
        var bestStart = 0
        var bestKey = (-1, -1)
    }

    /// Analyzes `units[0..<limit]` and finds the best window.
    private func scan(_ units: UnsafeBufferPointer<UInt16>, limit: Int) -> Scan {
        var r = Scan()
        var matchOfTerm: [Int32: Int] = [:]   // analyzer vocabulary id → match id or -1
        _ = try? analyzer.analyze(UnsafeBufferPointer(rebasing: units[0..<limit])) { token in
            r.starts.append(Int(token.start))
            r.ends.append(Int(token.end))
            if let known = matchOfTerm[token.termID] {
                r.matchIds.append(known)
                return
            }
            var matched = false
            for t in terms where t.count == token.term.count && t.elementsEqual(token.term) { matched = true; break }
            if !matched {
                for p in prefixes where token.term.count >= p.count && token.term.starts(with: p) { matched = true; break }
            }
            let id = matched ? r.distinctMatched : -1
            if matched { r.distinctMatched += 1 }
            matchOfTerm[token.termID] = id
            r.matchIds.append(id)
        }
        let n = r.starts.count
        if n == 0 { return r }
        // Best window by (distinct matched terms, matches).
        var counts = [Int](repeating: 0, count: r.distinctMatched)
        var distinct = 0
        var matches = 0
        let w = min(windowTokens, n)
        for i in 0..<n {
            if r.matchIds[i] >= 0 {
                if counts[r.matchIds[i]] == 0 { distinct += 1 }
                counts[r.matchIds[i]] += 1
                matches += 1
            }
            if i >= w {
                let out = r.matchIds[i - w]
                if out >= 0 {
                    counts[out] -= 1
                    if counts[out] == 0 { distinct -= 1 }
                    matches -= 1
                }
            }
            if i >= w - 1 {
                let key = (distinct, matches)
                if key > r.bestKey {
                    r.bestKey = key
                    r.bestStart = i - w + 1
                }
            }
        }
        return r
    }

    func make(utf8 text: [UInt8]) -> Snippet {
        var bytes = text
        if bytes.count > maximumTextBytes {
            var cut = maximumTextBytes
            while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            bytes.removeSubrange(cut...)
        }
        let utf16 = Array(String(decoding: bytes, as: UTF8.self).utf16)
        // Analyze a growing prefix until a window holds every query term (most snippets
        // are found in the first few KB) or the whole text has been seen.
        let wanted = terms.count + prefixes.count
        var limit = min(utf16.count, 1536)
        var r = Scan()
        while true {
            // Do not cut a word in two at the limit.
            while limit < utf16.count && limit > 0 && !(utf16[limit] == 0x20 || utf16[limit] == 0x0A) { limit += 1 }
            r = utf16.withUnsafeBufferPointer { scan($0, limit: limit) }
            if limit >= utf16.count || r.bestKey.0 >= wanted { break }
            limit = min(utf16.count, limit * 4)
        }
        let n = r.starts.count
        if n == 0 {
            var cut = min(utf16.count, 300)
            if cut < utf16.count && utf16[cut] & 0xFC00 == 0xDC00 { cut -= 1 }  // not inside a surrogate pair
            return Snippet(text: clean(utf16[..<cut]).text, highlights: [])
        }
        var bestStart = r.bestStart
        let w = min(windowTokens, n)
        // Start the window a few tokens before the first match, for context.
        if let firstMatch = (bestStart..<(bestStart + w)).first(where: { r.matchIds[$0] >= 0 }) {
            bestStart = max(0, min(bestStart, firstMatch - 3))
        }
        let lastToken = min(n, bestStart + w) - 1
        let from = bestStart == 0 ? 0 : r.starts[bestStart]
        let to = lastToken == n - 1 && limit >= utf16.count ? utf16.count : r.ends[lastToken]
        var (body, map) = clean(utf16[from..<to])
        var highlights: [[Int]] = []
        for i in bestStart...lastToken where r.matchIds[i] >= 0 {
            // A word may begin or end with a unit that `clean` drops (a soft hyphen, which
            // ICU keeps inside the word): use its first and last kept units.
            let units = (r.starts[i] - from)..<(r.ends[i] - from)
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
