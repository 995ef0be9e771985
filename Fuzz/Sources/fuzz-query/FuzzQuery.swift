// Fuzz target: the query language. Arbitrary bytes, read as UTF-8 (invalid sequences
// become U+FFFD, as a shell argument would after `String(cString:)`), go through
// `QueryParser.parse` with both default operators, then the full plan
// (`QueryPlanner.plan` with a real `Analyzer`), then a search of a small real index
// (BM25, snippets, explanations).
//
// Properties checked besides "no crash": error and clause columns lie inside the
// query; the printed tree (`queryDescription`) parses back to the same printed tree,
// as QueryAST.swift promises; planning and searching a well-formed query never throw.
#if canImport(Glibc)
import Glibc
#endif
import Analysis
import FuzzSupport
import IndexFormat
import Search

nonisolated(unsafe) var analyzer: Analyzer!
nonisolated(unsafe) var searcher: Searcher!

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    writeSeedsIfRequested { QuerySeeds.all.enumerated().map { ("\($0.offset)", Array($0.element.utf8)) } }
    do {
        analyzer = try Analyzer()
        let sample = try SampleIndex.build(in: Scratch.folder("sample"))
        searcher = try Searcher(snapshot: IndexSnapshot(directory: IndexDirectory(path: sample.small)))
    } catch {
        printError("fuzz-query: cannot set up: \(error)")
        exit(1)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let query = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let scalars = query.unicodeScalars.count
    for defaultOperator in [DefaultOperator.or, .and] {
        let clauses: [QueryClause]
        do {
            clauses = try QueryParser(defaultOperator: defaultOperator).parse(query)
        } catch {
            fuzzCheck((1...(scalars + 1)).contains(error.column), "error column \(error.column) outside 1...\(scalars + 1): \(error)")
            _ = error.description
            continue
        }
        checkColumns(clauses, scalars: scalars)
        let printed = clauses.queryDescription
        do {
            let again = try QueryParser().parse(printed).queryDescription
            fuzzCheck(again == printed, "printed tree \(printed.debugDescription) parses back as \(again.debugDescription)")
        } catch {
            fuzzCheck(false, "printed tree \(printed.debugDescription) does not parse: \(error)")
        }

        let plan: PlanGroup
        do {
            plan = try QueryPlanner(analyzer: analyzer).plan(clauses)
        } catch {
            fuzzCheck(false, "planning \(printed.debugDescription) failed: \(error)")
            return 0
        }
        _ = plan.description
        var options = SearchOptions()
        options.limit = 3
        options.requireAll = defaultOperator == .and
        options.explain = true
        options.snippets = true
        do {
            let result = try searcher.search(plan: plan, options: options)
            fuzzCheck(result.hits.count <= min(3, result.total), "\(result.hits.count) hits of \(result.total)")
        } catch {
            fuzzCheck(false, "searching \(plan.description.debugDescription) failed: \(error)")
        }
    }
    return 0
}

func checkColumns(_ clauses: [QueryClause], scalars: Int) {
    for clause in clauses {
        fuzzCheck((1...max(scalars, 1)).contains(clause.column), "clause column \(clause.column) outside 1...\(scalars)")
        if case .group(let inner) = clause.node {
            fuzzCheck(!inner.isEmpty, "empty group")
            checkColumns(inner, scalars: scalars)
        }
        if case .prefix(let text) = clause.node { fuzzCheck(!text.isEmpty, "empty prefix") }
    }
}

enum QuerySeeds {
    static let all: [String] = [
        "gifgas aanval",
        "\"veto in de veiligheidsraad\"",
        "\"sancties rusland\"~3",
        "+assad -tillerson",
        "assad AND (rusland OR iran) NOT trump",
        "aanval*",
        "a AND b OR c",
        "(a OR b) c",
        "Noord-Korea auto's G7-top foo~2",
        "\"\"",
        "a \"b c",
        "(a b",
        "a b)",
        "NOT -a",
        "\"a b\"~",
        "a*b *",
        "a ()",
        "((((a))))",
        "+(rusland iran) -\"noord-korea\"~12 zo'n ﬁets ＡＢＣ café",
        "syrië\u{00A0}rusland\u{2003}veto",
        "e\u{0301}e\u{0301}n 🙂 beëindigen",
    ]
}
