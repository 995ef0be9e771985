import ArgumentParser

/// The exit codes of SPEC section 4.
enum Exit {
    static let success: Int32 = 0
    static let noHits: Int32 = 1
    static let usage: Int32 = 2
    static let indexUnavailable: Int32 = 3
    static let indexDamaged: Int32 = 4
    static let io: Int32 = 5
}

/// An error that carries its exit code and a one-line message.
struct CLIError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { message }
}
