import CICU

/// Step 2 of the analysis chain: splits UTF-16 text into word segments with ICU's
/// word break iterator, keeping only segments whose rule status is not in
/// `[UBRK_WORD_NONE, UBRK_WORD_NONE_LIMIT)` (numbers, letters, kana, ideographs).
///
/// The corresponding ICU function is `ubrk_open(UBRK_WORD, locale, …)`. One
/// segmenter is reused for many texts (`ubrk_setText`); it is not thread-safe.
public final class WordSegmenter {
    private let iterator: OpaquePointer
    private var starts = [Int32](repeating: 0, count: 512)
    private var ends = [Int32](repeating: 0, count: 512)

    /// - Parameter locale: the ICU locale, `nl` for Dutch.
    public init(locale: String = "nl") throws(AnalysisError) {
        var error: Int32 = 0
        let iterator = cicu_word_break_open(locale, &error)
        try AnalysisError.check(error, "ubrk_open")
        guard let iterator else { throw AnalysisError.icu(function: "ubrk_open", code: 1) }
        self.iterator = iterator
    }

    deinit { cicu_break_close(iterator) }

    /// Calls `body(start, end)` for each kept segment of `text`, in order, with UTF-16 offsets.
    /// `text` must stay valid for the duration of the call.
    /// - Complexity: O(n) in the length of `text`.
    public func forEachWord(in text: UnsafeBufferPointer<UInt16>, _ body: (Int32, Int32) -> Void) throws(AnalysisError) {
        try forEachBatch(in: text) { starts, ends in
            for i in 0..<starts.count { body(starts[i], ends[i]) }
        }
    }

    /// Like `forEachWord`, a batch of segments at a time: `body(starts, ends)` with up to
    /// 512 segments, in order (so a caller can look ahead within a batch).
    public func forEachBatch(in text: UnsafeBufferPointer<UInt16>,
                             _ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>) -> Void) throws(AnalysisError) {
        guard let base = text.baseAddress, text.count > 0 else { return }
        guard text.count < Int(Int32.max) else { throw .tooLarge(bytes: text.count * 2) }
        var error: Int32 = 0
        cicu_break_set_text(iterator, base, Int32(text.count), &error)
        try AnalysisError.check(error, "ubrk_setText")
        let capacity = Int32(starts.count)
        while true {
            let n = starts.withUnsafeMutableBufferPointer { s in
                ends.withUnsafeMutableBufferPointer { e in
                    cicu_break_next_words(iterator, s.baseAddress, e.baseAddress, capacity)
                }
            }
            if n == 0 { break }
            starts.withUnsafeBufferPointer { s in
                ends.withUnsafeBufferPointer { e in
                    body(UnsafeBufferPointer(rebasing: s[0..<Int(n)]), UnsafeBufferPointer(rebasing: e[0..<Int(n)]))
                }
            }
        }
        // Do not keep a pointer to the caller's buffer past this call.
        cicu_break_set_text(iterator, nil, 0, &error)
    }
}
