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
    /// true when a `+` or `-` is attached to the clause (`NOT` is an operator of its own):
    /// a word that analyzes into several terms is then one phrase clause (SPEC section 3).
    public var signed: Bool
    /// The occurs of the terms of a bare word (no `+`/`-`) that analyzes into several:
    /// each term its own clause, exactly as if typed apart (SPEC section 3).
    public var parts: WordParts

    public init(occur: Occur, node: QueryNode, explicitModifier: Bool = false, column: Int, signed: Bool? = nil,
                parts: WordParts? = nil) {
        self.occur = occur
        self.node = node
        self.explicitModifier = explicitModifier
        self.column = column
        self.signed = signed ?? explicitModifier
        self.parts = parts ?? WordParts(first: occur, others: .should, following: .none)
    }
}

/// How the terms of a bare word typed apart take part in their group: what comes before
/// the word (AND, OR, NOT) acts on its first term, the conjunction after it on its last
/// term, and the terms between get the default operator's occur.
/// `besturing AND database-instellingen` is `besturing AND database instellingen`,
/// `+besturing +database instellingen`, not `+besturing +database +instellingen`;
/// `a NOT Noord-Korea` is `a NOT Noord Korea`, `a -noord korea` (`a -Noord-Korea` excludes
/// the phrase).
public struct WordParts: Sendable, Equatable {
    /// What the word's first term (when it is the word's first segment) gets: the
    /// occur the clause got where it was added.
    public var first: Occur
    /// What the other terms get: `.should` with default operator OR, `.must` with AND.
    public var others: Occur
    /// What the conjunction after the word does to its last term.
    public var following: Following

    public enum Following: Sendable, Equatable {
        case none
        /// `AND` makes the term before it required.
        case required
        /// `OR` with default operator AND makes the term before it optional.
        case optional
    }

    public init(first: Occur, others: Occur, following: Following) {
        self.first = first
        self.others = others
        self.following = following
    }

    /// The occur of term `index` of `count`, which stands at `position` among the
    /// word's segments (a segment whose term is dropped takes no part, as a clause of
    /// only dropped terms is ignored). A prohibited term (`NOT x AND y`) stays prohibited.
    public func occur(ofTerm index: Int, of count: Int, position: Int) -> Occur {
        var occur = position == 0 ? first : others
        if index == count - 1 && occur != .mustNot {
            switch following {
            case .none: break
            case .required: occur = .must
            case .optional: occur = .should
            }
        }
        return occur
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
