import ArgumentParser
import Indexer
import IndexFormat

/// `searchctl index <folder>`: build or update the index of a folder.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index a folder of documents (incremental: only new, changed and removed files are processed).")

    @Argument(help: "The folder to index.")
    var folder: String

    @OptionGroup var location: IndexLocation

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Glob(s) of files to index (default: *.txt *.md *.text).", valueName: "glob"))
    var include: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Glob(s) of files and folders to leave out.", valueName: "glob"))
    var exclude: [String] = []

    // `.unconditional`: a negative number is a (rejected) value, not a missing one.
    @Option(parsing: .unconditional, help: "Analysis threads (default: the processors this process may use).")
    var threads: Int?

    @Option(name: .customLong("memory-mb"), parsing: .unconditional,
            help: "Indexing buffer size in MB before a segment is written.")
    var memoryMB = IndexWriter.defaultMemoryMB

    @Flag(help: "Start from scratch instead of updating.")
    var rebuild = false

    @Flag(help: "No progress and no summary line.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if memoryMB < 1 { throw ValidationError("--memory-mb must be at least 1") }
    }

    func run() throws {
        var options = IndexOptions()
        options.includes = include.isEmpty ? FolderWalker.defaultIncludes : include
        options.excludes = exclude
        options.threads = threads ?? IndexWriter.defaultThreads
        options.memoryMB = memoryMB
        options.rebuild = rebuild
        let writer = IndexWriter(indexPath: location.path)
        writer.warn = { Output.warning($0) }
        let started = now()
        let showProgress = !quiet && Output.stderrIsTerminal
        var lastShown = 0.0
        if showProgress {
            writer.progress = { p in
                let t = now()
                if t - lastShown < 0.25 && p.filesDone < p.filesTotal { return }
                lastShown = t
                let elapsed = max(t - started, 0.001)
                let rate = Double(p.bytesDone) / elapsed
                let eta = rate > 0 ? Double(p.bytesTotal - p.bytesDone) / rate : 0
                Output.progress("indexing: \(p.filesDone)/\(p.filesTotal) files, \(formatBytes(p.bytesDone)) of \(formatBytes(p.bytesTotal)), \(formatNumber(rate / 1048576, digits: 1)) MB/s, ETA \(formatNumber(eta, digits: 0)) s")
            }
        }
        let summary: IndexSummary
        do {
            summary = try writer.index(folder: folder, options: options)
        } catch let error as WalkError {
            if showProgress { Output.progress(nil) }
            throw CLIError(code: Exit.io, message: error.description)
        } catch {
            if showProgress { Output.progress(nil) }
            throw cliError(error)
        }
        if showProgress { Output.progress(nil) }
        if !quiet {
            let elapsed = now() - started
            var line = "indexed \(summary.added) new, \(summary.updated) updated, \(summary.removed) removed, \(summary.skipped) skipped, \(summary.unchanged) unchanged"
            line += "; \(summary.documents) documents in \(location.path)"
            line += " (\(formatBytes(summary.bytesRead)) in \(formatNumber(elapsed, digits: 2)) s"
            if elapsed > 0, summary.bytesRead > 0 { line += ", \(formatNumber(Double(summary.bytesRead) / 1048576 / elapsed, digits: 1)) MB/s" }
            if summary.bytesRead > 0 { line += " on \(options.threads) thread\(options.threads == 1 ? "" : "s")" }
            line += ")"
            if !summary.committed { line += "; nothing to commit" }
            Output.errorRaw(line)
        }
    }
}
