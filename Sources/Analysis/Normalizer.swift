import CICU

/// One ICU normalization form, applied to UTF-16 with a reusable output buffer.
/// The corresponding ICU functions are `unorm2_spanQuickCheckYes` and `unorm2_normalize`.
struct Normalizer {
    let instance: OpaquePointer

    static func nfkcCasefold() throws(AnalysisError) -> Normalizer {
        var error: Int32 = 0
        let n = cicu_nfkc_casefold(&error)
        try AnalysisError.check(error, "unorm2_getNFKCCasefoldInstance")
        return Normalizer(instance: n!)
    }

    static func nfd() throws(AnalysisError) -> Normalizer {
        var error: Int32 = 0
        let n = cicu_nfd(&error)
        try AnalysisError.check(error, "unorm2_getNFDInstance")
        return Normalizer(instance: n!)
    }

    static func nfc() throws(AnalysisError) -> Normalizer {
        var error: Int32 = 0
        let n = cicu_nfc(&error)
        try AnalysisError.check(error, "unorm2_getNFCInstance")
        return Normalizer(instance: n!)
    }

    /// True when ICU's quick check says `text` is already in this form.
    func isNormalized(_ text: UnsafeBufferPointer<UInt16>) -> Bool {
        var error: Int32 = 0
        let span = cicu_normalized_prefix_length(instance, text.baseAddress, Int32(text.count), &error)
        return error <= 0 && Int(span) == text.count
    }

    /// Normalizes `source` into `output` (resized as needed).
    func normalize(_ source: UnsafeBufferPointer<UInt16>, into output: inout [UInt16]) throws(AnalysisError) {
        if output.count < source.count * 2 + 8 {
            output = [UInt16](repeating: 0, count: source.count * 2 + 8)
        }
        var error: Int32 = 0
        var n = output.withUnsafeMutableBufferPointer { out in
            cicu_normalize(instance, source.baseAddress, Int32(source.count), out.baseAddress, Int32(out.count), &error)
        }
        if error == 15 /* U_BUFFER_OVERFLOW_ERROR */ {
            output = [UInt16](repeating: 0, count: Int(n) + 8)
            error = 0
            n = output.withUnsafeMutableBufferPointer { out in
                cicu_normalize(instance, source.baseAddress, Int32(source.count), out.baseAddress, Int32(out.count), &error)
            }
        }
        try AnalysisError.check(error, "unorm2_normalize")
        output.removeSubrange(Int(n)...)
    }
}
