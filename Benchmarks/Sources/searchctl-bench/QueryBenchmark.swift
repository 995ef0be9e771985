import Foundation
import IndexFormat
import Search

/// In-process query latency over a fixed, seeded query mix drawn from the index's own
/// vocabulary: single terms, 2–4 term OR, 2–4 term AND, 2–3 word phrases (taken from
/// stored text so they match). Prints p50/p95/p99 per kind and the batch rate.
enum QueryBenchmark {
    static func run(index: String, count: Int, seed: UInt64, snippets: Bool, threads: Int, dump: String?, load: String?) throws {
        let openStart = DispatchTime.now().uptimeNanoseconds
        let snapshot = try IndexSnapshot(directory: IndexDirectory(path: index))
        let searcher = try Searcher(snapshot: snapshot)
        let openMs = Double(DispatchTime.now().uptimeNanoseconds - openStart) / 1e6
        var rng = SplitMix64(seed: seed)
        // Sample words from stored documents, drawn by their number across all segments
        // (path order), so that the same corpus gives the same queries however its
        // segments are cut.
        var sentences: [[String]] = []
        let readers = snapshot.segments.map(\.reader)
        let documents = readers.reduce(0) { $0 + $1.documentCount }
        for _ in 0..<200 {
            var doc = Int(rng.next() % UInt64(documents))
            var s = 0
            while doc >= readers[s].documentCount { doc -= readers[s].documentCount; s += 1 }
            let text = String(decoding: try readers[s].storedText(doc), as: UTF8.self)
            let words = text.split(whereSeparator: { !$0.isLetter }).map(String.init).filter { $0.count > 2 }
            if words.count > 10 { sentences.append(words) }
        }
        func pick() -> String {
            let s = sentences[Int(rng.next() % UInt64(sentences.count))]
            return s[Int(rng.next() % UInt64(s.count))].lowercased()
        }
        var queries: [(String, String)] = []
        for i in 0..<count {
            switch i % 4 {
            case 0: queries.append(("term", pick()))
            case 1: queries.append(("OR", (0..<(2 + Int(rng.next() % 3))).map { _ in pick() }.joined(separator: " ")))
            case 2: queries.append(("AND", (0..<(2 + Int(rng.next() % 3))).map { _ in "+" + pick() }.joined(separator: " ")))
            default:
                let s = sentences[Int(rng.next() % UInt64(sentences.count))]
                let n = 2 + Int(rng.next() % 2)
                let start = Int(rng.next() % UInt64(s.count - n))
                queries.append(("phrase", "\"" + s[start..<(start + n)].joined(separator: " ").lowercased() + "\""))
            }
        }
        if let load {
            // One query a line, "kind<TAB>query".
            queries = try String(contentsOfFile: load, encoding: .utf8).split(separator: "\n").compactMap { line in
                let parts = line.split(separator: "\t", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }
        }
        if let dump {
            try queries.map { "\($0.0)\t\($0.1)" }.joined(separator: "\n").appending("\n").write(toFile: dump, atomically: true, encoding: .utf8)
        }
        var options = SearchOptions()
        options.limit = 10
        options.snippets = snippets
        options.threads = threads
        var times: [String: [Double]] = [:]
        var hits = 0
        let all = DispatchTime.now().uptimeNanoseconds
        for (kind, q) in queries {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try searcher.search(q, options: options)
            hits += r.total > 0 ? 1 : 0
            times[kind, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - all) / 1e9
        func pct(_ v: [Double], _ p: Double) -> Double {
            let s = v.sorted()
            return s[min(s.count - 1, Int(Double(s.count) * p))]
        }
        print("query latency (ms, in-process, snippets \(snippets ? "on" : "off"), \(threads == 0 ? "default threads" : "--threads \(threads)")), "
              + "\(snapshot.documentCount) documents, open \(String(format: "%.2f", openMs)) ms")
        var rows: [[String]] = []
        for kind in ["term", "OR", "AND", "phrase"] {
            guard let v = times[kind] else { continue }
            rows.append([kind, "\(v.count)", String(format: "%.3f", pct(v, 0.5)), String(format: "%.3f", pct(v, 0.95)), String(format: "%.3f", pct(v, 0.99))])
        }
        let allTimes = times.values.flatMap { $0 }
        rows.append(["all", "\(allTimes.count)", String(format: "%.3f", pct(allTimes, 0.5)), String(format: "%.3f", pct(allTimes, 0.95)), String(format: "%.3f", pct(allTimes, 0.99))])
        table(["kind", "queries", "p50", "p95", "p99"], rows)
        let rate = { (seconds: Double) in String(format: "%.0f", Double(queries.count) / seconds) }
        if threads == 1 {
            print("throughput: \(rate(seconds)) queries/s on one core; \(hits) of \(queries.count) queries had hits")
            return
        }
        // The same queries on one thread (costly ones are otherwise shared among threads),
        // each time over a new opening of the index, so that its checksums are verified
        // again: the median of three runs and their range, as the CLI's rate below is a
        // median (on a shared machine the rate of one run can be a third off another's).
        options.threads = 1
        var oneRuns: [Double] = []
        for _ in 0..<3 {
            let single = try Searcher(snapshot: IndexSnapshot(directory: IndexDirectory(path: index)))
            let oneStart = DispatchTime.now().uptimeNanoseconds
            for (_, q) in queries { _ = try single.search(q, options: options) }
            oneRuns.append(Double(DispatchTime.now().uptimeNanoseconds - oneStart) / 1e9)
        }
        oneRuns.sort()
        print("throughput: \(rate(oneRuns[1])) queries/s on one core (--threads 1, median of 3, \(rate(oneRuns[2]))–\(rate(oneRuns[0]))), "
              + "\(rate(seconds)) with \(threads == 0 ? "the default threads" : "\(threads) threads") (the latencies above); "
              + "\(hits) of \(queries.count) queries had hits")
    }
}
