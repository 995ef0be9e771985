// QueryAST.swift
//
// The syntax tree that `QueryParser` produces: what the user typed, with the
// boolean structure resolved into flat clause lists, but before any analysis.
// Words are kept exactly as written (`Noord-Korea`, `auto's`, `G7-top`); the
// planner runs them through the analysis chain later.
//
// `description` prints the tree in the terse Lucene/tantivy style that the
// tests compare against:
//
//     +assad -tillerson "veto in de"~2 aanval* +(rusland iran)
//
// must clauses get `+`, mustNot clauses `-`, should clauses nothing; a phrase
// prints its slop only when it is not 0; a group prints its clauses in
// parentheses. Since a word never contains white space, `"`, `(` or `)`, and
// never starts with `+`/`-` or ends with `*`, the printed form parses back
// to the same tree (with default operator OR).

/// How a clause takes part in its group, as in Lucene's `BooleanClause.Occur`.
public enum Occur: Sendable, Equatable {
    /// Optional: matching adds score (`a`).
    case should
    /// Required: a document must match it (`+a`, `a AND b`).
    case must
    /// Prohibited: a document that matches it is excluded (`-a`, `NOT a`).
    case mustNot
}

/// The operator between clauses that the user did not join explicitly.
/// `.and` is the CLI's `--all` flag.
public enum DefaultOperator: Sendable, Equatable {
    case or
    case and
}

/// One query element, unanalyzed.
public indirect enum QueryNode: Sendable, Equatable {
    /// A bare word, exactly as typed (`Noord-Korea`, `foo~2`).
    case word(String)
    /// The text between the quotes, exactly as typed, and the slop (`~N`,
    /// 0 when absent). The text may be empty (`""`).
    case phrase(String, slop: Int)
    /// A prefix query: the word without its trailing `*` (never empty).
    case prefix(String)
    /// A parenthesized group: its own clause list (never empty).
    case group([QueryClause])
}

/// One clause of a group: a node and how it occurs.
public struct QueryClause: Sendable, Equatable {
    public var occur: Occur
    public var node: QueryNode
    /// true when the user wrote `+` or `-` (or NOT) explicitly in front
    public var explicitModifier: Bool
    /// 1-based column, in Unicode scalars of the query string, where the
    /// clause starts: the `+`/`-` modifier if one is attached, otherwise the
    /// first character of the word, the opening quote or the opening
    /// parenthesis. A `NOT` operator is a separate word and is not part of
    /// the clause, so `NOT trump` has the column of `t`.
    public var column: Int

    public init(occur: Occur, node: QueryNode, explicitModifier: Bool = false, column: Int) {
        self.occur = occur
        self.node = node
        self.explicitModifier = explicitModifier
        self.column = column
    }
}

extension Occur: CustomStringConvertible {
    /// The prefix this occur prints with: `+`, `-` or nothing.
    public var description: String {
        switch self {
        case .should: return ""
        case .must: return "+"
        case .mustNot: return "-"
        }
    }
}

extension QueryNode: CustomStringConvertible {
    /// `word`, `"some phrase"`, `"some phrase"~3`, `prefix*`, `(a +b)`.
    public var description: String {
        switch self {
        case .word(let text):
            return text
        case .phrase(let text, let slop):
            return slop == 0 ? "\"\(text)\"" : "\"\(text)\"~\(slop)"
        case .prefix(let text):
            return text + "*"
        case .group(let clauses):
            return "(" + clauses.queryDescription + ")"
        }
    }
}

extension QueryClause: CustomStringConvertible {
    /// The occur prefix followed by the node: `+assad`, `-"noord-korea"`.
    public var description: String {
        occur.description + node.description
    }
}

extension Array where Element == QueryClause {
    /// The clauses of a parsed query, printed one after the other, separated
    /// by single spaces: `+assad +(rusland iran) -trump`. Empty for an empty
    /// query.
    public var queryDescription: String {
        map(\.description).joined(separator: " ")
    }
}
