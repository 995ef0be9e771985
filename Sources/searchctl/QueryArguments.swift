/// Lets a query (or text to analyze) start with `-`, as SPEC section 3's excluded
/// clauses do (`searchctl search '-"noord-korea" assad'`): swift-argument-parser would
/// read such an argument as options and fail. An argument of `search` or `analyze` that
/// starts with a single `-` and is none of the command's own options (nor an option's
/// value) is moved after a `--` terminator, where it is read as the positional argument.
/// Unknown `--long` options are left alone, so a typo still gets "unknown option".
enum QueryArguments {
    /// The commands that take free text, with their options that take a value (as
    /// `SearchCommand` and `AnalyzeCommand` declare them): the argument after one of those
    /// is its value, whatever it starts with. Their only single-dash option is `-h`.
    private static let valuedOptions: [String: Set<String>] = [
        "search": ["--index", "--limit", "--offset", "--k1", "--b"],
        "analyze": [],
    ]

    /// `arguments` (without the program name) with free text starting with `-` moved
    /// behind `--`; unchanged for other commands or when there is none.
    static func normalized(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, let valued = valuedOptions[command] else { return arguments }
        var kept = [command]
        var moved: [String] = []
        var rest: [String] = []
        var i = 1
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" {
                rest = Array(arguments[(i + 1)...])
                break
            }
            if valued.contains(a) {
                kept.append(a)
                if i + 1 < arguments.count { kept.append(arguments[i + 1]) }
                i += 2
                continue
            }
            if a.hasPrefix("--") || a == "-" || a == "-h" || !a.hasPrefix("-") {
                kept.append(a)
            } else {
                moved.append(a)
            }
            i += 1
        }
        if moved.isEmpty { return arguments }
        return kept + ["--"] + moved + rest
    }
}
