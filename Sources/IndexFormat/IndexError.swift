/// Everything that can go wrong with an index, each with the exit code SPEC section 4
/// assigns and a message that says what happened and what to do.
public enum IndexError: Error, Equatable, CustomStringConvertible {
    /// No committed index in `directory`.
    case missing(directory: String)
    /// Another writer holds the lock.
    case locked(directory: String)
    /// A file of a format version this build does not read.
    case unsupportedVersion(file: String, found: UInt32, supported: ClosedRange<UInt32>)
    /// The index was built with another analysis chain.
    case analysisMismatch(found: String, expected: String)
    /// A file is damaged: bad magic, checksum, truncated, inconsistent.
    case corrupt(file: String, offset: Int?, reason: String)
    /// An operating-system I/O failure.
    case io(path: String, operation: String, errno: Int32)

    /// The exit code of SPEC section 4.
    public var exitCode: Int32 {
        switch self {
        case .missing, .locked, .unsupportedVersion, .analysisMismatch: return 3
        case .corrupt: return 4
        case .io: return 5
        }
    }

    public var description: String {
        switch self {
        case let .missing(directory):
            return "no index in \(directory): create one with 'searchctl index <folder> --index \(directory)'"
        case let .locked(directory):
            return "the index in \(directory) is locked by another running 'searchctl index' or 'merge'; wait for it to finish (a lock left by a killed process is released automatically)"
        case let .unsupportedVersion(file, found, supported):
            return "\(file) has format version \(found), this searchctl reads versions \(supported.lowerBound)...\(supported.upperBound); rebuild with 'searchctl index <folder> --rebuild'"
        case let .analysisMismatch(found, expected):
            return "the index was built with another analysis chain (\(found); this searchctl uses \(expected)); rebuild it with 'searchctl index <folder> --rebuild'"
        case let .corrupt(file, offset, reason):
            let at = offset.map { " at byte \($0)" } ?? ""
            return "index damaged: \(file)\(at): \(reason); run 'searchctl check' for details and rebuild with 'searchctl index <folder> --rebuild'"
        case let .io(path, operation, code):
            return "\(operation) \(path) failed: \(SystemCall.errorText(code))"
        }
    }
}
