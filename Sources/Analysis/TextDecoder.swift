import CICU

/// Step 1 of the analysis chain: bytes to UTF-16.
///
/// UTF-8 (a leading BOM dropped) is the norm. Bytes that are not valid UTF-8 are
/// decoded with the charset ICU's detector guesses (`ucsdet`; older Dutch text is
/// often Windows-1252 or ISO-8859-1), and the result says which charset was used so
/// the caller can warn. A NUL byte in the first 8 KiB means binary content.
public enum TextDecoder {
    /// The result of decoding: the text as UTF-16, and the charset used when it was not UTF-8.
    public struct Decoded: Sendable {
        public var utf16: [UInt16]
        /// `nil` for UTF-8; otherwise the charset name ICU detected, e.g. `windows-1252`.
        public var detectedCharset: String?

        public init(utf16: [UInt16], detectedCharset: String? = nil) {
            self.utf16 = utf16
            self.detectedCharset = detectedCharset
        }
    }

    /// How many leading bytes are searched for a NUL to call the content binary.
    public static let binaryProbeLength = 8192
    /// The largest document decoded (1 GiB).
    public static let maximumLength = 1 << 30

    /// Decodes `bytes`. Throws `.binary` for binary content, `.tooLarge` above
    /// `maximumLength`, `.undecodable` when no charset fits.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(AnalysisError) -> Decoded {
        if bytes.count > maximumLength { throw .tooLarge(bytes: bytes.count) }
        let probe = min(bytes.count, binaryProbeLength)
        for i in 0..<probe where bytes[i] == 0 { throw .binary }
        var body = bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            body = UnsafeRawBufferPointer(rebasing: bytes[3...])
        }
        if body.isEmpty { return Decoded(utf16: [], detectedCharset: nil) }
        if let utf16 = try decodeUTF8(body) {
            return Decoded(utf16: utf16, detectedCharset: nil)
        }
        return try decodeDetected(body)
    }

    /// Convenience for byte arrays.
    public static func decode(_ bytes: [UInt8]) throws(AnalysisError) -> Decoded {
        try bytes.withUnsafeBufferPointer { (buffer) throws(AnalysisError) in try decode(UnsafeRawBufferPointer(buffer)) }
    }

    /// UTF-8 to UTF-16, or `nil` when `bytes` is not valid UTF-8.
    static func decodeUTF8(_ bytes: UnsafeRawBufferPointer) throws(AnalysisError) -> [UInt16]? {
        let source = bytes.baseAddress!.assumingMemoryBound(to: CChar.self)
        // UTF-16 never needs more code units than UTF-8 has bytes.
        var error: Int32 = 0
        let output = [UInt16](unsafeUninitializedCapacity: bytes.count) { out, count in
            let n = cicu_utf8_to_utf16(source, Int32(bytes.count), out.baseAddress, Int32(out.count), &error)
            count = error > 0 ? 0 : Int(n)
        }
        if error == 10 /* U_INVALID_CHAR_FOUND */ { return nil }
        try AnalysisError.check(error, "u_strFromUTF8")
        return output
    }

    static func decodeDetected(_ bytes: UnsafeRawBufferPointer) throws(AnalysisError) -> Decoded {
        let source = bytes.baseAddress!.assumingMemoryBound(to: CChar.self)
        var nameBuffer = [CChar](repeating: 0, count: 64)
        var error: Int32 = 0
        _ = cicu_detect_charset(source, Int32(bytes.count), &nameBuffer, Int32(nameBuffer.count), &error)
        var charset = error <= 0 ? String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        // The detector may still answer UTF-8 (the bytes are not) or a multi-byte
        // charset on short input; Windows-1252 is the safe reading of Dutch text then.
        if charset.isEmpty || charset.uppercased().hasPrefix("UTF") {
            charset = "windows-1252"
        }
        var output = [UInt16](repeating: 0, count: bytes.count * 2 + 8)
        error = 0
        var n = output.withUnsafeMutableBufferPointer { out in
            cicu_convert_to_utf16(charset, source, Int32(bytes.count), out.baseAddress, Int32(out.count), &error)
        }
        if error == 15 /* U_BUFFER_OVERFLOW_ERROR */ {
            output = [UInt16](repeating: 0, count: Int(n) + 8)
            error = 0
            n = output.withUnsafeMutableBufferPointer { out in
                cicu_convert_to_utf16(charset, source, Int32(bytes.count), out.baseAddress, Int32(out.count), &error)
            }
        }
        if error > 0 {
            throw .undecodable(reason: "\(charset): \(String(cString: cicu_error_name(error)))")
        }
        output.removeSubrange(Int(n)...)
        return Decoded(utf16: output, detectedCharset: charset)
    }
}
