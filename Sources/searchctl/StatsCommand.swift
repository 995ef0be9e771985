import ArgumentParser
import IndexFormat

/// `searchctl stats`: what the index holds.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show index statistics.")

    @OptionGroup var location: IndexLocation

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let snapshot: IndexSnapshot
        var bytesByKind: [String: Int] = [:]
        var distinct = 0
        var total = 0
        do {
            snapshot = try IndexSnapshot(directory: IndexDirectory(path: location.path))
            // Distinct terms across segments: a merge of the sorted dictionaries.
            var lists: [[[UInt8]]] = []
            for s in snapshot.segments {
                var terms: [[UInt8]] = []
                if snapshot.segments.count > 1 {
                    try s.reader.forEachTerm { t, _ in terms.append(Array(t)) }
                }
                lists.append(terms)
                for (kind, section) in s.reader.sections { bytesByKind[kind.name, default: 0] += section.range.count }
                let overhead = s.reader.file.bytes.count - s.reader.sections.values.reduce(0) { $0 + $1.range.count }
                bytesByKind["headers", default: 0] += overhead
                // Sizes as the snapshot opened them: a running `index` may have removed
                // these files since.
                if s.info.deletionsFile != nil { bytesByKind["deletions", default: 0] += s.deletionsBytes }
            }
            if snapshot.segments.count == 1 {
                distinct = snapshot.segments[0].reader.termCount
            } else {
                var all = Set<[UInt8]>()
                for l in lists { for t in l { all.insert(t) } }
                distinct = all.count
            }
            bytesByKind["manifest"] = snapshot.manifestBytes
            total = bytesByKind.values.reduce(0, +)
        } catch {
            throw cliError(error)
        }
        let kinds = bytesByKind.keys.sorted()
        if json {
            var s = "{\"documents\": \(snapshot.documentCount), \"deleted\": \(snapshot.manifest.deletedDocuments), "
            s += "\"terms\": \(distinct), \"tokens\": \(snapshot.tokenCount), \"avgdl\": \(JSONWriter.number(snapshot.averageLength)), "
            s += "\"segments\": \(snapshot.segments.count), \"bytes\": \(total), \"bytes_by_kind\": {"
            s += kinds.map { "\(JSONWriter.quoted($0)): \(bytesByKind[$0]!)" }.joined(separator: ", ")
            s += "}, \"generation\": \(snapshot.manifest.generation), \"root\": \(JSONWriter.quoted(snapshot.manifest.root)), "
            s += "\"analysis\": \(JSONWriter.quoted(snapshot.manifest.analysis))}\n"
            Output.out(s)
        } else {
            var s = "index       \(location.path) (generation \(snapshot.manifest.generation))\n"
            s += "folder      \(snapshot.manifest.root)\n"
            s += "documents   \(snapshot.documentCount) live, \(snapshot.manifest.deletedDocuments) deleted\n"
            s += "terms       \(distinct) distinct\n"
            s += "tokens      \(snapshot.tokenCount) (avgdl \(formatNumber(snapshot.averageLength, digits: 2)))\n"
            s += "segments    \(snapshot.segments.count)\n"
            s += "size        \(formatBytes(total))\n"
            for k in kinds { s += "  \(k.padding(12))\(formatBytes(bytesByKind[k]!))\n" }
            s += "analysis    \(snapshot.manifest.analysis)\n"
            Output.out(s)
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
