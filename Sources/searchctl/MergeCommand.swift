import ArgumentParser
import Indexer

/// `searchctl merge`: merge all segments into one and drop deleted documents.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Merge all segments into one and reclaim deleted documents.")

    @OptionGroup var location: IndexLocation

    @Flag(help: "No summary line.")
    var quiet = false

    func run() throws {
        do {
            let (before, after) = try IndexWriter(indexPath: location.path).mergeAll()
            if !quiet { Output.errorRaw("merged \(before) segment(s) into \(after)") }
        } catch {
            throw cliError(error)
        }
    }
}
