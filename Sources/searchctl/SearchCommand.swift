import ArgumentParser
import IndexFormat
import Search

/// `searchctl search <query>`: ranked BM25 search; `--batch` reads queries from stdin.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the index (BM25). Exit 0 with hits, 1 without.",
        discussion: """
            Query syntax: words (OR), "a phrase", "a sloppy phrase"~3, +must -mustnot, \
            AND / OR / NOT with parentheses, prefix*.
            """)

    @Argument(help: "The query (omit with --batch).")
    var query: String?

    @OptionGroup var location: IndexLocation

    // `.unconditional`: `--limit -1` is a (rejected) negative number, not a missing value.
    @Option(parsing: .unconditional, help: "Number of hits to show.")
    var limit = 10

    @Option(parsing: .unconditional, help: "Number of hits to skip.")
    var offset = 0

    @Flag(help: "Every clause must match (default operator AND).")
    var all = false

    @Option(parsing: .unconditional, help: "BM25 k1.")
    var k1 = BM25.defaultK1

    @Option(parsing: .unconditional, help: "BM25 b.")
    var b = BM25.defaultB

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Add the per-clause BM25 figures to each hit.")
    var explain = false

    @Flag(name: .customLong("no-snippet"), help: "Leave out snippets.")
    var noSnippet = false

    @Flag(help: "Read one query per line from standard input; print one JSON object per line, each as soon as its line is read.")
    var batch = false

    @Option(parsing: .unconditional,
            help: "Threads that share a query's work: a costly query's matching, and its hits' snippets, made while matching goes on (0: one per processor this process may use, as taskset or a container CPU quota allow, up to 2; the default with --batch, else 1). The results are the same for any number.")
    var threads: Int?

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must not be negative") }
        if offset < 0 { throw ValidationError("--offset must not be negative") }
        if !(k1 >= 0 && k1.isFinite) { throw ValidationError("--k1 must be a non-negative number") }
        if !(b >= 0 && b <= 1) { throw ValidationError("--b must be between 0 and 1") }
        if let threads, threads < 0 { throw ValidationError("--threads must not be negative") }
        if batch && query != nil { throw ValidationError("give either a query or --batch, not both") }
        if !batch && query == nil { throw ValidationError("missing query: searchctl search \"<query>\" (or --batch)") }
    }

    var options: SearchOptions {
        var o = SearchOptions()
        o.limit = limit
        o.offset = offset
        o.requireAll = all
        o.k1 = k1
        o.b = b
        o.explain = explain
        o.snippets = !noSnippet
        // One query in a new process: the first use of a second thread costs about 4 ms
        // there (the pool starting), more than it saves on nearly any query.
        o.threads = threads ?? (batch ? 0 : 1)
        return o
    }

    func run() throws {
        let searcher: Searcher
        do {
            searcher = try Searcher(snapshot: IndexSnapshot(directory: IndexDirectory(path: location.path)))
        } catch {
            throw cliError(error)
        }
        if batch { return try runBatch(searcher) }
        let query = self.query!
        if query.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            throw CLIError(code: Exit.usage, message: "empty query: give at least one word")
        }
        let started = now()
        let result: SearchResult
        do {
            result = try searcher.search(query, options: options)
        } catch let error as QueryError {
            throw CLIError(code: Exit.usage, message: error.description)
        } catch {
            throw cliError(error)
        }
        let took = (now() - started) * 1000
        if json {
            Output.out(ResultJSON.object(query: query, result: result, tookMs: took, explain: explain) + "\n")
        } else {
            Output.out(HumanOutput.render(result, bold: Output.stdoutIsTerminal, explain: explain))
        }
        if result.total == 0 { throw ExitCode(Exit.noHits) }
    }

    /// Answers each line as it comes: the answers so far are written out whenever the
    /// next line is not there yet (and every 64 KB), so that a program can keep one
    /// process open and send a query, read its answer, send the next.
    private func runBatch(_ searcher: Searcher) throws {
        var input = InputLines()
        var anyHits = false
        var out = JSONWriter(capacity: 1 << 17)
        let flush = {
            if !out.bytes.isEmpty {
                Output.out(out.bytes)
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        while let rawLine = input.next(beforeWaiting: flush) {
            var line = String(decoding: rawLine, as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            // One object per input line (SPEC section 4), so that answers line up with
            // queries: a blank line is a bad query, as it is without --batch.
            if line.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
                out.member("{\"query\": ", line)
                out.raw(", \"error\": \"empty query: give at least one word\"}\n")
                continue
            }
            let started = now()
            do {
                let result = try searcher.search(line, options: options)
                let took = (now() - started) * 1000
                if result.total > 0 { anyHits = true }
                ResultJSON.write(query: line, result: result, tookMs: took, explain: explain, to: &out)
                out.raw("\n")
            } catch let error as QueryError {
                out.member("{\"query\": ", line)
                out.member(", \"error\": ", error.description)
                out.raw("}\n")
            } catch {
                Output.out(out.bytes)
                throw cliError(error)
            }
            if out.bytes.count > 1 << 16 { flush() }
        }
        flush()
        if !anyHits { throw ExitCode(Exit.noHits) }
    }
}

/// The JSON contract of SPEC section 4.
enum ResultJSON {
    static func object(query: String, result: SearchResult, tookMs: Double, explain: Bool) -> String {
        var w = JSONWriter(capacity: 512)
        write(query: query, result: result, tookMs: tookMs, explain: explain, to: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func write(query: String, result: SearchResult, tookMs: Double, explain: Bool, to w: inout JSONWriter) {
        w.member("{\"query\": ", query)
        w.member(", \"total\": ", result.total)
        w.member(", \"took_ms\": ", roundTo(tookMs, 3))
        w.raw(", \"hits\": [")
        for (i, hit) in result.hits.enumerated() {
            w.member(i > 0 ? ", {\"rank\": " : "{\"rank\": ", hit.rank)
            w.member(", \"path\": ", hit.path)
            w.member(", \"score\": ", hit.score)
            w.member(", \"title\": ", hit.title)
            w.member(", \"snippet\": ", hit.snippet?.text ?? "")
            w.raw(", \"highlights\": [")
            for (k, h) in (hit.snippet?.highlights ?? []).enumerated() {
                w.member(k > 0 ? ", [" : "[", h[0])
                w.member(", ", h[1])
                w.raw("]")
            }
            w.raw("]")
            if explain, let clauses = hit.explanation {
                w.raw(", \"explain\": [")
                for (k, c) in clauses.enumerated() {
                    w.member(k > 0 ? ", {\"clause\": " : "{\"clause\": ", c.clause)
                    w.member(", \"tf\": ", c.tf)
                    w.member(", \"df\": ", c.df)
                    w.member(", \"idf\": ", c.idf)
                    w.member(", \"dl\": ", c.dl)
                    w.member(", \"avgdl\": ", c.avgdl)
                    w.member(", \"score\": ", c.score)
                    w.raw("}")
                }
                w.raw("]")
            }
            w.raw("}")
        }
        w.raw("]}")
    }

    static func roundTo(_ x: Double, _ digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (x * scale).rounded() / scale
    }
}

/// Output for people: rank, score, path, title, snippet (matches in bold on a terminal).
enum HumanOutput {
    static func render(_ result: SearchResult, bold: Bool, explain: Bool) -> String {
        if result.total == 0 { return "no documents match\n" }
        var s = ""
        for hit in result.hits {
            s += "\(hit.rank). \(scoreText(hit.score))  \(hit.path)\n"
            if !hit.title.isEmpty { s += "   \(hit.title)\n" }
            if let snippet = hit.snippet, !snippet.text.isEmpty {
                s += "   " + highlighted(snippet, bold: bold) + "\n"
            }
            if explain, let clauses = hit.explanation {
                for c in clauses {
                    s += "     \(c.clause): score \(scoreText(c.score)) = idf \(scoreText(c.idf)), tf \(c.tf), df \(c.df), dl \(c.dl), avgdl \(scoreText(c.avgdl))\n"
                }
            }
        }
        let last = result.hits.last?.rank ?? 0
        let first = result.hits.first?.rank ?? 0
        s += result.hits.isEmpty ? "\(result.total) matching documents (none on this page)\n"
                                 : "\(first)-\(last) of \(result.total) matching documents\n"
        return s
    }

    /// At least six significant digits (SPEC section 2): six decimals, more below 0.1;
    /// a tiny figure in full.
    static func scoreText(_ x: Double) -> String {
        if x == 0 || abs(x) >= 0.1 { return formatNumber(x, digits: 6) }
        if abs(x) < 1e-9 { return "\(x)" }
        var digits = 6
        var m = abs(x)
        while m < 0.1 { m *= 10; digits += 1 }
        return formatNumber(x, digits: digits)
    }

    static func highlighted(_ snippet: Snippet, bold: Bool) -> String {
        let (open, close) = bold ? ("\u{1B}[1m", "\u{1B}[0m") : ("*", "*")
        var out = ""
        var i = 0
        var marks = snippet.highlights.makeIterator()
        var mark = marks.next()
        for scalar in snippet.text.unicodeScalars {
            if let m = mark, m[0] == i { out += open }
            out.unicodeScalars.append(scalar)
            i += 1
            if let m = mark, m[1] == i { out += close; mark = marks.next() }
        }
        return out
    }
}
