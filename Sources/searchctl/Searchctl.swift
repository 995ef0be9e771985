import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

struct Searchctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "searchctl",
        abstract: "Full-text search for Dutch text: index a folder, then search it.",
        subcommands: [IndexCommand.self, SearchCommand.self, AnalyzeCommand.self, StatsCommand.self, CheckCommand.self, MergeCommand.self]
    )
}

/// Our own entry point around `parseAsRoot`, so every error maps to SPEC's exit codes
/// (swift-argument-parser's `ValidationError` would exit 64 on Linux; SPEC says 2).
@main
enum Main {
    static func main() {
        do {
            var command = try Searchctl.parseAsRoot(QueryArguments.normalized(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            exit(Exit.success)
        } catch let error as CLIError {
            Output.error(error.message)
            exit(error.code)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            let code = Searchctl.exitCode(for: error)
            if code == .success {
                // --help and --version
                print(Searchctl.fullMessage(for: error))
                exit(Exit.success)
            }
            // SPEC section 4: every error is one line on stderr.
            let message = Searchctl.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
            Output.error(message + "; run 'searchctl --help' for usage")
            exit(Exit.usage)
        }
    }
}
