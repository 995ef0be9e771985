import CICU

/// Step 2 of the analysis chain: splits UTF-16 text into word segments with ICU's
/// word break iterator, keeping only segments whose rule status is not in
/// `[UBRK_WORD_NONE, UBRK_WORD_NONE_LIMIT)` (numbers, letters, kana, ideographs).
///
/// The corresponding ICU function is `ubrk_open(UBRK_WORD, locale, …)`. One
/// segmenter is reused for many texts (`ubrk_setText`); it is not thread-safe.
///
/// ASCII fast path: text is cut at ASCII white space, which is always a boundary on its
/// side of a run of white space (UAX #29 joins nothing to a space but more spaces and,
/// after it, Extend/Format/ZWJ marks, none of them ASCII). A piece between white space
/// that is all ASCII is segmented here with the rules ICU applies to ASCII
/// (`segmentASCII`); any other piece is left to ICU, from the boundary at its start.
/// A differential test holds the two paths to the same output on the test corpora and
/// on random text.
public final class WordSegmenter {
    private let iterator: OpaquePointer
    private var starts = [Int32](repeating: 0, count: 512)
    private var ends = [Int32](repeating: 0, count: 512)
    /// Segment ASCII pieces without ICU (the default; `false` gives ICU alone, for tests).
    public let asciiFastPath: Bool

    /// - Parameter locale: the ICU locale, `nl` for Dutch.
    public init(locale: String = "nl", asciiFastPath: Bool = true) throws(AnalysisError) {
        self.asciiFastPath = asciiFastPath
        var error: Int32 = 0
        let iterator = cicu_word_break_open(locale, &error)
        try AnalysisError.check(error, "ubrk_open")
        guard let iterator else { throw AnalysisError.icu(function: "ubrk_open", code: 1) }
        self.iterator = iterator
    }

    deinit { cicu_break_close(iterator) }

    /// Calls `body(start, end)` for each kept segment of `text`, in order, with UTF-16 offsets,
    /// and stops after the first `limit` of them. `text` must stay valid for the duration
    /// of the call.
    /// - Complexity: O(n) in the length of `text`.
    public func forEachWord(in text: UnsafeBufferPointer<UInt16>, limit: Int = Int.max,
                            _ body: (Int32, Int32) -> Void) throws(AnalysisError) {
        try forEachBatch(in: text, limit: limit) { starts, ends in
            for i in 0..<starts.count { body(starts[i], ends[i]) }
        }
    }

    /// Like `forEachWord`, a batch of segments at a time: `body(starts, ends)` with up to
    /// 512 segments, in order (so a caller can look ahead within a batch).
    public func forEachBatch(in text: UnsafeBufferPointer<UInt16>, limit: Int = Int.max,
                             _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>) -> Void) throws(AnalysisError) {
        guard let base = text.baseAddress, text.count > 0, limit > 0 else { return }
        guard text.count < Int(Int32.max) else { throw .tooLarge(bytes: text.count * 2) }
        var error: Int32 = 0
        if asciiFastPath {
            // ICU gets the text only when a piece needs it (most texts: none).
            var textSet = false
            defer { if textSet { cicu_break_set_text(iterator, nil, 0, &error) } }
            forEachBatchFast(in: text, limit: limit, setText: {
                if !textSet {
                    cicu_break_set_text(iterator, base, Int32(text.count), &error)
                    textSet = true
                }
                return error <= 0
            }, body)
            try AnalysisError.check(error, "ubrk_setText")
            return
        }
        cicu_break_set_text(iterator, base, Int32(text.count), &error)
        try AnalysisError.check(error, "ubrk_setText")
        // Do not keep a pointer to the caller's buffer past this call.
        defer { cicu_break_set_text(iterator, nil, 0, &error) }
        let capacity = Int32(starts.count)
        var left = limit
        while left > 0 {
            var n = starts.withUnsafeMutableBufferPointer { s in
                ends.withUnsafeMutableBufferPointer { e in
                    cicu_break_next_words(iterator, s.baseAddress, e.baseAddress, capacity)
                }
            }
            if n == 0 { break }
            n = Int32(min(Int(n), left))
            left -= Int(n)
            starts.withUnsafeBufferPointer { s in
                ends.withUnsafeBufferPointer { e in
                    body(UnsafeBufferPointer(rebasing: s[0..<Int(n)]), UnsafeBufferPointer(rebasing: e[0..<Int(n)]))
                }
            }
        }
    }

    /// The fast path of `forEachBatch`: `setText()` sets the text on the ICU iterator
    /// before a piece goes to it (false when ICU refused it: the words stop there).
    private func forEachBatchFast(in text: UnsafeBufferPointer<UInt16>, limit: Int, setText: () -> Bool,
                                  _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>) -> Void) {
        let capacity = starts.count
        starts.withUnsafeMutableBufferPointer { s in
            ends.withUnsafeMutableBufferPointer { e in
                var count = 0
                // Segments still to give; a piece's words past the limit are dropped.
                var left = limit
                @inline(__always) func emit(_ start: Int, _ end: Int) {
                    guard left > 0 else { return }
                    left &-= 1
                    s[count] = Int32(truncatingIfNeeded: start)
                    e[count] = Int32(truncatingIfNeeded: end)
                    count &+= 1
                    if count == capacity {
                        body(UnsafeBufferPointer(s), UnsafeBufferPointer(e))
                        count = 0
                    }
                }
                let p = text.baseAddress!
                let n = text.count
                var i = 0
                while i < n && left > 0 {
                    if Self.isASCIIWhiteSpace(p[i]) { i &+= 1; continue }
                    var j = i
                    var ascii = true
                    while j < n {
                        let c = p[j]
                        if c < 0x80 {
                            if Self.isASCIIWhiteSpace(c) { break }
                            // '@' (a letter since ICU 72) and '_' (ExtendNumLet): left to ICU.
                            if c == 0x40 || c == 0x5F { ascii = false }
                        } else {
                            ascii = false
                        }
                        j &+= 1
                    }
                    if ascii {
                        Self.segmentASCII(p, from: i, to: j, emit)
                        i = j
                    } else {
                        guard setText() else { break }
                        i = max(j, segmentWithICU(from: i, to: j, emit))
                    }
                }
                if count > 0 {
                    body(UnsafeBufferPointer(rebasing: s[0..<count]), UnsafeBufferPointer(rebasing: e[0..<count]))
                }
            }
        }
    }

    /// Tab, line feed, vertical tab, form feed, carriage return, space.
    @inline(__always)
    static func isASCIIWhiteSpace(_ c: UInt16) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0D)
    }

    @inline(__always) static func isLetter(_ c: UInt16) -> Bool { (c | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isDigit(_ c: UInt16) -> Bool { c &- 0x30 < 10 }

    /// The words of `p[from..<to]`, an ASCII piece without white space, `@` or `_`, by the
    /// UAX #29 rules as ICU applies them to ASCII: letters and digits join (WB5, WB8–10);
    /// `.` and `'` join letters to letters (WB6–7), and `.`, `'`, `,`, `;` digits to
    /// digits (WB11–12); every other character is a segment of its own, not a word.
    @inline(__always)
    static func segmentASCII(_ p: UnsafePointer<UInt16>, from: Int, to: Int, _ emit: (Int, Int) -> Void) {
        var k = from
        while k < to {
            var last = p[k]
            guard isLetter(last) || isDigit(last) else { k &+= 1; continue }
            let start = k
            k &+= 1
            while k < to {
                let d = p[k]
                if isLetter(d) || isDigit(d) { last = d; k &+= 1; continue }
                if k &+ 1 < to {
                    let next = p[k &+ 1]
                    let letterMid = d == 0x2E || d == 0x27
                    if letterMid && isLetter(last) && isLetter(next) { last = next; k &+= 2; continue }
                    if (letterMid || d == 0x2C || d == 0x3B) && isDigit(last) && isDigit(next) { last = next; k &+= 2; continue }
                }
                break
            }
            emit(start, k)
        }
    }

    /// ICU's words of the piece `[from, to)` (a boundary precedes `from`'s white space or
    /// the text's start). Returns where it stopped: `to`, the boundary after the piece.
    private func segmentWithICU(from: Int, to: Int, _ emit: (Int, Int) -> Void) -> Int {
        // The first boundary after the white space before the piece: the piece's start,
        // or past marks that joined that white space (a segment that is not a word).
        var start = Int(cicu_break_following(iterator, Int32(truncatingIfNeeded: from &- 1)))
        if start < 0 { return to }
        var kept: Int32 = 0
        while start < to {
            let end = Int(cicu_break_next_boundary(iterator, &kept))
            if end < 0 { return to }
            if kept != 0 { emit(start, end) }
            start = end
        }
        return start
    }
}
