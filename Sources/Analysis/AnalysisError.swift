import CICU

/// What can go wrong while turning bytes into terms.
public enum AnalysisError: Error, Equatable, CustomStringConvertible {
    /// An ICU call failed. `function` is the ICU function, `code` its `UErrorCode`.
    case icu(function: String, code: Int32)
    /// The bytes are neither valid UTF-8 nor anything ICU's charset detector recognizes.
    case undecodable(reason: String)
    /// A NUL byte in the first 8 KiB: the file is treated as binary.
    case binary
    /// A text longer than the analyzer handles in one piece (2 GiB of UTF-16).
    case tooLarge(bytes: Int)

    public var description: String {
        switch self {
        case let .icu(function, code):
            let name = String(cString: cicu_error_name(code))
            return "ICU call \(function) failed with \(name); check that libicu is installed (apt-get install libicu-dev)"
        case let .undecodable(reason):
            return "text is not valid UTF-8 and its charset could not be detected (\(reason))"
        case .binary:
            return "binary content (NUL byte in the first 8 KiB)"
        case let .tooLarge(bytes):
            return "text of \(bytes) bytes is larger than the 1 GiB a single document may have"
        }
    }

    /// Throws when an ICU `UErrorCode` is a failure. Warnings (negative codes, such as
    /// `U_USING_DEFAULT_WARNING`) are not failures.
    static func check(_ code: Int32, _ function: String) throws(AnalysisError) {
        if code > 0 { throw .icu(function: function, code: code) }
    }
}
