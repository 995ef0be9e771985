import Analysis

/// A query after analysis: what is matched and scored. Made by `QueryPlanner`.
public indirect enum PlanNode: Sendable, Equatable, Hashable {
    /// One term (UTF-8 bytes of the stemmed term).
    case term([UInt8])
    /// Terms at relative positions; `slop` extra positions in total are allowed.
    case phrase(terms: [[UInt8]], positions: [Int], slop: Int)
    /// Documents holding any term that starts with these bytes: constant score 1.0.
    case prefix([UInt8])
    case group(PlanGroup)

    public var description: String {
        switch self {
        case .term(let t): return String(decoding: t, as: UTF8.self)
        case let .phrase(terms, positions, slop):
            let body = zip(terms, positions).map { "\(String(decoding: $0, as: UTF8.self))@\($1)" }.joined(separator: " ")
            return "\"\(body)\"" + (slop > 0 ? "~\(slop)" : "")
        case .prefix(let p): return String(decoding: p, as: UTF8.self) + "*"
        case .group(let g): return "(" + g.description + ")"
        }
    }
}

/// A boolean combination: every `must` matches, no `mustNot` matches, and (when there is
/// no `must`) at least one `should` matches. Its score is the sum of the scores of its
/// matching `must` and `should` clauses.
public struct PlanGroup: Sendable, Equatable, Hashable {
    /// The clauses in query order (scores are summed in this order).
    public var clauses: [PlanClause] = []

    public init(clauses: [PlanClause] = []) { self.clauses = clauses }

    public init(musts: [PlanNode] = [], shoulds: [PlanNode] = [], mustNots: [PlanNode] = []) {
        clauses = musts.map { PlanClause(occur: .must, node: $0) } + shoulds.map { PlanClause(occur: .should, node: $0) }
            + mustNots.map { PlanClause(occur: .mustNot, node: $0) }
    }

    public var musts: [PlanNode] { clauses.filter { $0.occur == .must }.map(\.node) }
    public var shoulds: [PlanNode] { clauses.filter { $0.occur == .should }.map(\.node) }
    public var mustNots: [PlanNode] { clauses.filter { $0.occur == .mustNot }.map(\.node) }

    public var isEmpty: Bool { clauses.isEmpty }
    /// A group that can match something (a group of only `mustNot` clauses matches nothing).
    public var canMatch: Bool { clauses.contains { $0.occur != .mustNot } }

    public var description: String {
        clauses.map { c in
            switch c.occur {
            case .must: return "+" + c.node.description
            case .should: return c.node.description
            case .mustNot: return "-" + c.node.description
            }
        }.joined(separator: " ")
    }
}

public struct PlanClause: Sendable, Equatable, Hashable {
    public var occur: Occur
    public var node: PlanNode
}

extension Occur: Hashable {}

/// Turns parsed clauses into a `PlanGroup` by running each word and phrase through the
/// analysis chain (SPEC section 3):
/// - a bare word that analyzes into several terms becomes one clause per term, exactly
///   as if typed apart (`WordParts`: an AND or NOT before it acts on its first term, an
///   AND after it on its last); with `+`/`-` in front it is one phrase clause;
/// - a clause whose terms are all dropped is ignored; a one-term phrase is a term;
/// - duplicate clauses (also after stemming) count once: when the same clause occurs
///   with several occurs, `mustNot` wins over `must`, `must` over `should`;
/// - a prefix is matched on the folded, unstemmed form of the word.
public struct QueryPlanner {
    let analyzer: Analyzer

    public init(analyzer: Analyzer) {
        self.analyzer = analyzer
    }

    public func plan(_ clauses: [QueryClause]) throws(AnalysisError) -> PlanGroup {
        var entries: [(Occur, PlanNode)] = []
        for clause in clauses {
            switch clause.node {
            case .word(let text):
                let tokens = try analyzer.tokens(of: text)
                if tokens.isEmpty { continue }
                if clause.signed {
                    entries.append((clause.occur, tokens.count == 1 ? .term(Array(tokens[0].term.utf8)) : phrase(tokens, slop: 0)))
                } else {
                    // (Positions count the word's segments from 0, dropped ones too.)
                    for (i, t) in tokens.enumerated() {
                        let occur = clause.parts.occur(ofTerm: i, of: tokens.count, position: t.position)
                        entries.append((occur, .term(Array(t.term.utf8))))
                    }
                }
            case let .phrase(text, slop):
                let tokens = try analyzer.tokens(of: text)
                if tokens.isEmpty { continue }
                entries.append((clause.occur, tokens.count == 1 ? .term(Array(tokens[0].term.utf8)) : phrase(tokens, slop: slop)))
            case .prefix(let text):
                let folded = try analyzer.foldedForm(of: text)
                if folded.isEmpty { continue }
                entries.append((clause.occur, .prefix(Array(folded.utf8))))
            case .group(let inner):
                let group = try plan(inner)
                if group.isEmpty { continue }
                entries.append((clause.occur, .group(group)))
            }
        }
        // Deduplicate, keeping first-occurrence order.
        var order: [PlanNode] = []
        var occurs: [PlanNode: Occur] = [:]
        for (occur, node) in entries {
            if let existing = occurs[node] {
                occurs[node] = strongest(existing, occur)
            } else {
                occurs[node] = occur
                order.append(node)
            }
        }
        return PlanGroup(clauses: order.map { PlanClause(occur: occurs[$0]!, node: $0) })
    }

    private func strongest(_ a: Occur, _ b: Occur) -> Occur {
        if a == .mustNot || b == .mustNot { return .mustNot }
        if a == .must || b == .must { return .must }
        return .should
    }

    private func phrase(_ tokens: [Token], slop: Int) -> PlanNode {
        let first = tokens[0].position
        return .phrase(terms: tokens.map { Array($0.term.utf8) }, positions: tokens.map { $0.position - first }, slop: slop)
    }
}
