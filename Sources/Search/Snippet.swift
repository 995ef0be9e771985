import Analysis
import IndexFormat

/// A passage of a document's stored text around its best cluster of matches.
public struct Snippet: Sendable, Equatable {
    public var text: String
    /// `[start, end)` offsets in Unicode scalars into `text`.
    public var highlights: [[Int]]
}

/// Picks the window of `windowTokens` consecutive tokens holding the most distinct
/// query terms (then the most matches), and highlights the matching words in it.
struct SnippetMaker {
    var analyzer: Analyzer
    let terms: [[UInt8]]
    let prefixes: [[UInt8]]
    var windowTokens = 24
    /// Only the first part of a very large document is analyzed for its snippet.
    var maximumTextBytes = 1 << 20

    /// The same maker with another analyzer (one per thread: an analyzer is not
    /// thread-safe).
    func with(analyzer other: Analyzer) -> SnippetMaker {
        var copy = self
        copy.analyzer = other
        return copy
    }

    /// True when `term` is one of the query's terms or starts with one of its prefixes.
    private func isQueryTerm(_ term: UnsafeBufferPointer<UInt8>) -> Bool {
        for t in terms where t.count == term.count && t.elementsEqual(term) { return true }
        for p in prefixes where term.count >= p.count && term.starts(with: p) { return true }
        return false
    }

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
            let matched = isQueryTerm(token.term)
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
        let utf16 = Self.utf16(bytes)
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
        // Start the window a few tokens before the first match, for context, as far as
        // the window still holds its last match.
        let inWindow = bestStart..<min(n, bestStart + w)
        if let firstMatch = inWindow.first(where: { r.matchIds[$0] >= 0 }),
           let lastMatch = inWindow.last(where: { r.matchIds[$0] >= 0 }) {
            bestStart = max(0, min(bestStart, firstMatch - Self.lead(first: firstMatch, last: lastMatch, windowTokens: w)))
        }
        let lastToken = min(n, bestStart + w) - 1
        let from = bestStart == 0 ? 0 : r.starts[bestStart]
        let to = lastToken == n - 1 && limit >= utf16.count ? utf16.count : r.ends[lastToken]
        let words = (bestStart...lastToken).filter { r.matchIds[$0] >= 0 }.map { (r.starts[$0], r.ends[$0]) }
        return build(utf16, from: from, to: to, cutBefore: from > 0, highlighting: words)
    }

    /// The snippet `utf16[from..<to]`, white space collapsed, with `words` (UTF-16 ranges)
    /// highlighted, and "… " / " …" where text was cut (`cutBefore`: text precedes `from`,
    /// which `utf16` may not hold).
    private func build(_ utf16: [UInt16], from: Int, to: Int, cutBefore: Bool, highlighting words: [(Int, Int)]) -> Snippet {
        let (body, map) = clean(utf16[from..<to], before: cutBefore ? "… " : "", after: to < utf16.count ? " …" : "")
        var highlights: [[Int]] = []
        highlights.reserveCapacity(words.count)
        for (start, end) in words {
            // A word may begin or end with a unit that `clean` drops (a soft hyphen, which
            // ICU keeps inside the word): use its first and last kept units.
            let units = (start - from)..<(end - from)
            guard let s = units.first(where: { map[$0] >= 0 }), let e = units.last(where: { map[$0] >= 0 }) else { continue }
            highlights.append([Int(map[s]), Int(map[e]) + 1])
        }
        return Snippet(text: body, highlights: highlights)
    }

    /// A match known from the index: the position of a query term in the document.
    struct MatchPosition {
        var position: Int32
        var term: Int
    }

    /// Where the snippet of a document's matches lies, found from their positions alone.
    struct Window {
        /// The matched positions, in order.
        var positions: [Int32] = []
        /// The snippet's first position; `nil` when there is no match.
        var start: Int32?

        init(_ matches: [MatchPosition], windowTokens: Int) {
            guard !matches.isEmpty else { return }
            // One term's matches come in order; several terms' are interleaved.
            let inOrder = zip(matches, matches.dropFirst()).allSatisfy { $0.position <= $1.position }
            let sorted = inOrder ? matches : matches.sorted { $0.position < $1.position }
            positions = sorted.map(\.position)
            start = SnippetMaker.windowStart(sorted, windowTokens: windowTokens)
        }
    }

    /// How many UTF-16 units of the text's start `make` needs for the snippet in
    /// `window`, or `nil` when it may need all of them: up to the first checkpoint well
    /// past the window.
    func textNeeded(checkpoints: [StoredDocument.Checkpoint], window: Window) -> Int? {
        guard let start = window.start else { return nil }
        let end = start + Int32(windowTokens)
        guard let after = checkpoints.first(where: { $0.position >= end + 8 }) else { return nil }
        return Int(after.offset) + 32
    }

    /// The first position of the snippet window for `sorted` matches: a few tokens before
    /// the start of the best window of `windowTokens` positions that starts at a match
    /// (`lead`: never so many that its last match falls out).
    static func windowStart(_ sorted: [MatchPosition], windowTokens: Int) -> Int32 {
        var best = 0, bestLast = 0
        var bestKey = (-1, -1)
        // Matches per term in the window [i, j), and how many terms have any.
        let terms = (sorted.lazy.map(\.term).max() ?? 0) + 1
        withUnsafeTemporaryAllocation(of: Int.self, capacity: terms) { counts in
            counts.initialize(repeating: 0)
            var distinct = 0
            var j = 0
            for i in sorted.indices {
                while j < sorted.count && sorted[j].position < sorted[i].position + Int32(windowTokens) {
                    if counts[sorted[j].term] == 0 { distinct += 1 }
                    counts[sorted[j].term] += 1
                    j += 1
                }
                let key = (distinct, j - i)
                if key > bestKey { bestKey = key; best = i; bestLast = j - 1 }
                let t = sorted[i].term
                counts[t] -= 1
                if counts[t] == 0 { distinct -= 1 }
            }
        }
        let first = Int(sorted[best].position)
        return Int32(max(0, first - lead(first: first, last: Int(sorted[bestLast].position), windowTokens: windowTokens)))
    }

    /// How many tokens before its first match (at `first`) a window of `windowTokens`
    /// starts, for context: 3, fewer when its matches up to `last` would not fit then.
    static func lead(first: Int, last: Int, windowTokens: Int) -> Int {
        max(0, min(3, windowTokens - 1 - (last - first)))
    }

    /// The snippet for a document whose match positions are known (`window`): only the
    /// text from the checkpoint before the window is analyzed, to find the words'
    /// offsets; the text is scanned instead when no position is known. `text` is the
    /// whole text or (`complete` false) a prefix of its bytes; `nil` when the prefix does
    /// not reach far enough to give the same snippet as the whole text.
    func make(utf8 whole: [UInt8], complete: Bool, checkpoints: [StoredDocument.Checkpoint], window: Window) -> Snippet? {
        var text = whole
        if !complete {
            // Not into a character: drop the start of one the prefix cuts.
            var cut = text.count
            while cut > 0 && text[cut - 1] & 0xC0 == 0x80 { cut -= 1 }
            if cut > 0 && text[cut - 1] >= 0xC0 {
                let lead = text[cut - 1]
                let width = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
                if text.count - (cut - 1) < width { text.removeSubrange((cut - 1)...) }
            }
        }
        guard let start = window.start, text.count <= maximumTextBytes else { return complete ? make(utf8: text) : nil }
        let matchedPositions = window.positions
        let end = start + Int32(windowTokens)
        let checkpoint = checkpoints.last { $0.position <= start } ?? .init(position: 0, offset: 0)
        // The text's units from the checkpoint on (`base` of them skipped), or from its
        // start when the snippet starts there (with what precedes the first word).
        let (utf16, base) = Self.utf16(text, from: start == 0 ? 0 : Int(checkpoint.offset))
        let origin = Int(checkpoint.offset) - base
        guard origin <= utf16.count else { return complete ? make(utf8: text) : nil }
        // Analyze from the checkpoint to the window's last position; in a prefix, only up
        // to its last space or line end (the word after it may be cut).
        func isBreak(_ u: UInt16) -> Bool { u == 0x20 || u == 0x0A }
        let usable = complete ? utf16.count : (utf16.lastIndex(where: isBreak) ?? 0)
        guard origin <= usable else { return nil }
        // Word boundaries stop at the window's end by themselves; a term analysis (for
        // prefixes) goes through a span that grows until it covers the window.
        var limit = prefixes.isEmpty ? usable : min(usable, origin + Int(end - checkpoint.position + 8) * 12)
        var tokens: [(position: Int32, start: Int, end: Int, matched: Bool)] = []
        // Room for the words from the checkpoint to the window's end, the most kept.
        tokens.reserveCapacity(min(Int(end - checkpoint.position), 4096))
        var covered = false
        while true {
            while limit < usable && !isBreak(utf16[limit]) { limit += 1 }
            tokens.removeAll(keepingCapacity: true)
            var matchOfTerm: [Int32: Bool] = [:]
            var nextMatch = 0   // in `matchedPositions`: tokens come in position order
            utf16.withUnsafeBufferPointer { buffer in
                let span = UnsafeBufferPointer(rebasing: buffer[origin..<limit])
                if prefixes.isEmpty {
                    // The index gave every match's position: word boundaries are all
                    // that is needed, no term analysis.
                    var position = checkpoint.position
                    try? analyzer.forEachSegmentBatch(in: span, limit: Int(end - checkpoint.position)) { starts, ends in
                        for i in 0..<starts.count {
                            defer { position += 1 }
                            guard position >= start else { continue }
                            while nextMatch < matchedPositions.count && matchedPositions[nextMatch] < position { nextMatch += 1 }
                            let matched = nextMatch < matchedPositions.count && matchedPositions[nextMatch] == position
                            tokens.append((position, origin + Int(starts[i]), origin + Int(ends[i]), matched))
                        }
                    }
                    return
                }
                _ = try? analyzer.analyze(span) { token in
                    let position = checkpoint.position + token.position
                    guard position >= start && position < end else { return }
                    var matched = matchOfTerm[token.termID]
                    if matched == nil {
                        matched = isQueryTerm(token.term)
                        matchOfTerm[token.termID] = matched
                    }
                    tokens.append((position, origin + Int(token.start), origin + Int(token.end), matched!))
                }
            }
            covered = tokens.last.map { $0.position >= end - 1 } ?? false
            // A prefix must hold the whole window.
            if !complete && !covered && limit >= usable { return nil }
            if limit >= usable || covered { break }
            limit = min(usable, origin + (limit - origin) * 2)
        }
        guard let first = tokens.first, let last = tokens.last else { return complete ? make(utf8: text) : nil }
        let from = start == 0 ? 0 : first.start
        // Up to the end of the text when no indexed word follows the window's last one
        // (or the text ends before the window does).
        let rest = utf16[last.end...]
        let nothingFollows = rest.allSatisfy({ !Self.isWordUnit($0) })
        if !complete && nothingFollows { return nil }
        let to = !covered && limit >= utf16.count || nothingFollows ? utf16.count : last.end
        return build(utf16, from: from, to: to, cutBefore: base + from > 0,
                     highlighting: tokens.filter(\.matched).map { ($0.start, $0.end) })
    }

    /// `utf16(bytes)` from the UTF-16 unit `unit` on, and `unit`; or, when the bytes do
    /// not split there (not valid UTF-8 up to it, or `unit` in a surrogate pair or past
    /// the end), all of `utf16(bytes)` and 0. Skipping the units before is a count of
    /// the bytes that start characters, eight ASCII bytes at a time.
    static func utf16(_ bytes: [UInt8], from unit: Int) -> (units: [UInt16], base: Int) {
        guard unit > 0 else { return (utf16(bytes), 0) }
        let split: Int? = bytes.withUnsafeBufferPointer { b in
            let n = b.count
            var i = bomLength(b)
            var count = 0
            while count < unit && i < n {
                if i + 8 <= n && count + 8 <= unit {
                    let word = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 {
                        i += 8
                        count += 8
                        continue
                    }
                }
                guard let (value, width) = scalar(in: b, at: i) else { return nil }
                i += width
                count += value >= 0x10000 ? 2 : 1
            }
            return count == unit ? i : nil
        }
        // Not valid UTF-8 after the split: the whole text, as `utf16` repairs it.
        guard let split, let units = bytes.withUnsafeBufferPointer({ validUTF16(UnsafeBufferPointer(rebasing: $0[split...])) }) else {
            return (utf16(bytes), 0)
        }
        return (units, unit)
    }

    /// Stored text (valid UTF-8, written by the indexer) as UTF-16, a leading BOM
    /// dropped as `TextDecoder` drops it; anything that is not valid UTF-8 goes to the
    /// standard library's repairing decoder instead.
    static func utf16(_ bytes: [UInt8]) -> [UInt16] {
        let units = bytes.withUnsafeBufferPointer { b in validUTF16(UnsafeBufferPointer(rebasing: b[bomLength(b)...])) }
        return units ?? Array(String(decoding: bytes, as: UTF8.self).utf16)
    }

    /// 3 when `b` starts with a UTF-8 byte order mark, else 0.
    private static func bomLength(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
    }

    /// Valid UTF-8 as UTF-16, or `nil`.
    private static func validUTF16(_ b: UnsafeBufferPointer<UInt8>) -> [UInt16]? {
        var valid = true
        let units = [UInt16](unsafeUninitializedCapacity: b.count) { out, count in
            let written = b.isEmpty ? 0 : decodeUTF8(b, into: out.baseAddress!)
            valid = written != nil
            count = written ?? 0
        }
        return valid ? units : nil
    }

    /// The scalar of the UTF-8 sequence at `b[i]` and its length in bytes, or `nil` when
    /// it is ill-formed (overlong, surrogate, beyond U+10FFFF, cut).
    @inline(__always)
    private static func scalar(in b: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, width: Int)? {
        let n = b.count
        @inline(__always) func continuation(_ k: Int) -> UInt32? {
            k < n && b[k] & 0xC0 == 0x80 ? UInt32(b[k] & 0x3F) : nil
        }
        let lead = b[i]
        if lead < 0x80 { return (UInt32(lead), 1) }
        if lead >= 0xC2 && lead < 0xE0 {
            guard let c1 = continuation(i + 1) else { return nil }
            return (UInt32(lead & 0x1F) << 6 | c1, 2)
        }
        if lead >= 0xE0 && lead < 0xF0 {
            guard let c1 = continuation(i + 1), let c2 = continuation(i + 2) else { return nil }
            let v = UInt32(lead & 0x0F) << 12 | c1 << 6 | c2
            return v >= 0x800 && v & 0xF800 != 0xD800 ? (v, 3) : nil
        }
        if lead >= 0xF0 && lead < 0xF5 {
            guard let c1 = continuation(i + 1), let c2 = continuation(i + 2), let c3 = continuation(i + 3) else { return nil }
            let v = UInt32(lead & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            return v >= 0x10000 && v <= 0x10FFFF ? (v, 4) : nil
        }
        return nil
    }

    /// UTF-8 to UTF-16 (room for `bytes.count` units), eight ASCII bytes at a time: the
    /// units written, or `nil` at the first ill-formed sequence.
    private static func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt16>) -> Int? {
        guard let base = bytes.baseAddress else { return 0 }
        let n = bytes.count
        var i = 0
        var j = 0
        while i < n {
            if i + 8 <= n {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                if word & 0x8080_8080_8080_8080 == 0 {
                    for k in 0..<8 { out[j + k] = UInt16(truncatingIfNeeded: word >> UInt64(8 * k)) & 0xFF }
                    i += 8
                    j += 8
                    continue
                }
            }
            guard let (v, width) = scalar(in: bytes, at: i) else { return nil }
            if v >= 0x10000 {
                out[j] = UInt16(0xD800 + ((v - 0x10000) >> 10))
                out[j + 1] = UInt16(0xDC00 + ((v - 0x10000) & 0x3FF))
                j += 2
            } else {
                out[j] = UInt16(v)
                j += 1
            }
            i += width
        }
        return j
    }

    /// White space, with an ASCII fast path.
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        return scalar.properties.isWhitespace
    }

    /// Letters and digits (ASCII and beyond): a cheap test for "is there more text".
    private static func isWordUnit(_ u: UInt16) -> Bool {
        (u >= 0x30 && u <= 0x39) || (u | 0x20 >= 0x61 && u | 0x20 <= 0x7A) || u >= 0xC0
    }

    /// Collapses white space runs to one space and trims, between `before` and `after`
    /// (ASCII or "…"); `map[i]` is the scalar offset in the result of the UTF-16 unit `i`
    /// of `units` (-1 for dropped white space and low surrogates).
    private func clean(_ units: ArraySlice<UInt16>, before: String = "", after: String = "") -> (text: String, map: [Int32]) {
        var map = [Int32](repeating: -1, count: units.count)
        // At most three bytes per unit (four per surrogate pair), a space before each
        // kept unit taking the place of a dropped one.
        let capacity = units.count * 3 + before.utf8.count + after.utf8.count
        let text = map.withUnsafeMutableBufferPointer { map in
            units.withUnsafeBufferPointer { u in
                String(unsafeUninitializedCapacity: capacity) { out in
                    var n = 0
                    for b in before.utf8 { out[n] = b; n += 1 }
                    var count = before.unicodeScalars.count
                    let first = count
                    var pendingSpace = false
                    @inline(__always) func put(_ b: UInt8) { out[n] = b; n &+= 1 }
                    var i = 0
                    while i < u.count {
                        let c = u[i]
                        if c < 0x80 {
                            // ASCII: controls and white space collapse, the rest is kept.
                            if c <= 0x20 {
                                pendingSpace = count > first
                            } else {
                                if pendingSpace { put(0x20); count &+= 1; pendingSpace = false }
                                map[i] = Int32(count)
                                put(UInt8(c))
                                count &+= 1
                            }
                            i &+= 1
                            continue
                        }
                        var scalar: Unicode.Scalar
                        var width = 1
                        if c & 0xFC00 == 0xD800, i + 1 < u.count, u[i + 1] & 0xFC00 == 0xDC00 {
                            scalar = Unicode.Scalar(0x10000 + ((UInt32(c) - 0xD800) << 10) + (UInt32(u[i + 1]) - 0xDC00))!
                            width = 2
                        } else {
                            scalar = Unicode.Scalar(c) ?? "\u{FFFD}"
                        }
                        if Self.isSpace(scalar) || scalar == "\u{AD}" {
                            if scalar != "\u{AD}" { pendingSpace = count > first }
                        } else {
                            if pendingSpace { put(0x20); count &+= 1; pendingSpace = false }
                            map[i] = Int32(count)
                            if width == 2 { map[i + 1] = Int32(count) }
                            let v = scalar.value
                            if v < 0x800 {
                                put(UInt8(0xC0 | v >> 6)); put(UInt8(0x80 | v & 0x3F))
                            } else if v < 0x10000 {
                                put(UInt8(0xE0 | v >> 12)); put(UInt8(0x80 | v >> 6 & 0x3F)); put(UInt8(0x80 | v & 0x3F))
                            } else {
                                put(UInt8(0xF0 | v >> 18)); put(UInt8(0x80 | v >> 12 & 0x3F))
                                put(UInt8(0x80 | v >> 6 & 0x3F)); put(UInt8(0x80 | v & 0x3F))
                            }
                            count &+= 1
                        }
                        i &+= width
                    }
                    for b in after.utf8 { put(b) }
                    return n
                }
            }
        }
        return (text, map)
    }
}
