import ArgumentParser
import IndexFormat
#if canImport(Glibc)
import Glibc
#endif

/// Options every index-using command shares.
struct IndexLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The index folder (default: $SEARCHCTL_INDEX, else ./index-data).", valueName: "dir"))
    var index: String?

    var path: String {
        if let index { return index }
        if let env = getenv("SEARCHCTL_INDEX"), env.pointee != 0 { return String(cString: env) }
        return "index-data"
    }
}

extension IndexError {
    var cliError: CLIError { CLIError(code: exitCode, message: description) }
}

/// Maps any error from the libraries to a `CLIError` with SPEC's exit code.
func cliError(_ error: Error) -> CLIError {
    switch error {
    case let e as CLIError: return e
    case let e as IndexError: return e.cliError
    default: return CLIError(code: Exit.io, message: "\(error)")
    }
}

/// Formats a byte count for people: `12.3 MB`.
func formatBytes(_ n: Int) -> String {
    if n < 1024 { return "\(n) B" }
    if n < 1024 * 1024 { return formatNumber(Double(n) / 1024, digits: 1) + " KB" }
    if n < 1024 * 1024 * 1024 { return formatNumber(Double(n) / 1048576, digits: 1) + " MB" }
    return formatNumber(Double(n) / 1073741824, digits: 2) + " GB"
}

/// A number with a fixed count of decimals, without Foundation.
func formatNumber(_ x: Double, digits: Int) -> String {
    guard x.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let negative = x < 0
    let v = (abs(x) * scale).rounded()
    let whole = Int64(v / scale)
    var frac = String(Int64(v) - whole * Int64(scale))
    if digits == 0 { return (negative ? "-" : "") + String(whole) }
    while frac.count < digits { frac = "0" + frac }
    return (negative && v != 0 ? "-" : "") + String(whole) + "." + frac
}

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
