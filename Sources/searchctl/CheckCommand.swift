import ArgumentParser
import IndexFormat

/// `searchctl check`: verify every checksum and invariant; exit 4 on damage.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Verify the whole index (checksums and invariants); exit 4 when damaged.")

    @OptionGroup var location: IndexLocation

    func run() throws {
        let report: IndexChecker.Report
        do {
            report = try IndexChecker(directory: IndexDirectory(path: location.path)).run()
        } catch {
            throw cliError(error)
        }
        if report.problems.isEmpty {
            Output.out("ok: \(report.segments) segments, \(report.documents) live documents, \(report.terms) terms, \(report.postings) postings, \(report.positions) positions verified\n")
            return
        }
        for p in report.problems { Output.error(p) }
        throw CLIError(code: Exit.indexDamaged,
                       message: "index damaged: \(report.problems.count) problem(s) found; rebuild with 'searchctl index <folder> --rebuild'")
    }
}
