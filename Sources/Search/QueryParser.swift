// QueryParser.swift
//
// Query string → `[QueryClause]` (see QueryAST.swift). Syntax only: no
// analysis, no index. The planner analyzes the words and phrases afterwards.

/// Parses the searchctl query language (SPEC section 3) into a syntax tree.
///
/// ## Tokens
///
/// Columns in errors and clauses are 1-based and counted in Unicode scalars
/// of the query string. White space is any scalar with the Unicode
/// `White_Space` property (so a no-break space separates clauses too).
///
/// - `"…"` — a phrase: the text between the quotes, verbatim (no escapes;
///   `""` is an empty phrase). Right after the closing quote an optional
///   `~N` sets the slop; N is a whole number ≥ 0 written with ASCII digits
///   and ends at white space, `(`, `)`, `"` or the end of the query.
/// - `(` and `)` — a group.
/// - `+` / `-` at the start of a token — a modifier; it must be followed
///   directly (no space) by a word, a phrase or a `(`.
/// - a word — a run of scalars that are not white space, `"`, `(` or `)`.
///   `"`, `(` and `)` end a word, so `foo(bar)` is the word `foo` followed by
///   a group, as in Lucene. A `+`/`-` inside a word is part of it (`G7-top`),
///   and so is `~` (`foo~2` is one word, not a fuzzy query).
///   - exactly `AND`, `OR` or `NOT` — an operator (`and`, `Or` … are words);
///   - ending in `*` — a prefix (`aanval*` → prefix `aanval`); the `*` must be
///     the only one and the last character, and there must be text before it.
///
/// ## Grammar (Lucene's classic QueryParser)
///
///     Query     := Clauses
///     Clauses   := Modifier? Clause ( Conjunction? Modifier? Clause )*
///     Conjunction := AND | OR
///     Modifier  := '+' | '-' | NOT
///     Clause    := word | prefix | phrase | '(' Clauses ')'
///
/// One modifier at most: `NOT -a` and `++a` are errors. An empty query (or
/// only white space) is an empty clause list, not an error.
///
/// ## How each clause gets its `Occur` (Lucene's `addClause`)
///
/// Each group is a flat list. Clauses are added left to right; adding clause
/// `c`, introduced by conjunction `conj` (AND, OR or none) and modifier `mod`:
///
/// 1. If `conj` is AND, the previous clause becomes `.must`, unless it is
///    `.mustNot` (a prohibited clause stays prohibited).
/// 2. If the default operator is AND and `conj` is OR, the previous clause
///    becomes `.should`, unless it is `.mustNot` or carries an explicit `+`.
/// 3. `c` itself: an explicit `+` makes it `.must`; `-` or `NOT` make it
///    `.mustNot`. Without a modifier:
///    - default operator OR: `.must` after AND, else `.should`;
///    - default operator AND: `.should` after OR, else `.must`.
///
/// Examples, default operator OR:
///
///     gifgas aanval                            gifgas aanval
///     +assad -tillerson                        +assad -tillerson
///     assad AND (rusland OR iran) NOT trump    +assad +(rusland iran) -trump
///     a AND b OR c                             +a +b c
///     a OR b AND c                             a +b +c
///     -a AND b                                 -a +b
///     a AND NOT b                              +a -b
///
/// Examples, default operator AND (`--all`):
///
///     gifgas aanval                            +gifgas +aanval
///     a b OR c                                 +a b c
///     a OR b AND c                             a +b +c
///     -a OR b                                  -a b
///     +a OR b                                  +a b
///     a OR +b                                  a +b
///     (a OR b) c                               +(a b) +c
///
/// Two deliberate differences from Lucene, both so that an explicit `+`
/// always wins: with default operator AND, Lucene turns `+a OR b` into
/// `a b` (rule 2 demotes the `+a`) and `a OR +b` into `a b` (the `+` after
/// OR is ignored); here they stay `+a b` and `a +b`.
///
/// ## Errors
///
/// `QueryError.syntax(column:message:)`, the first problem reading left to
/// right, except that an unclosed `(` is found only at its group's end:
///
/// | query         | column | problem                                         |
/// |---------------|--------|-------------------------------------------------|
/// | `a "b c`      | 3      | unbalanced quote (the opening quote)            |
/// | `(a b`        | 1      | unbalanced `(` (the unclosed one)               |
/// | `a b)`        | 4      | unbalanced `)`                                  |
/// | `AND a`       | 1      | dangling operator, nothing before it            |
/// | `a AND`       | 3      | dangling operator, nothing after it             |
/// | `a OR OR b`   | 3      | dangling operator (the one without a right operand) |
/// | `a AND NOT`   | 7      | dangling operator NOT                           |
/// | `a + b`       | 3      | dangling modifier (also `+)`, `++a`, `-AND b`)  |
/// | `NOT -a`      | 5      | conflicting modifiers                           |
/// | `"a b"~`      | 6      | missing slop (the `~`); `"a"~x` invalid slop    |
/// | `*`, `a*b`    | 1, 2   | lone `*`, misplaced `*` (the bad `*`)           |
/// | `a ()`        | 3      | empty group                                     |
///
/// Groups may nest at most `maxNestingDepth` levels deep.
public struct QueryParser: Sendable {
    /// How clauses without an explicit conjunction or modifier combine.
    public var defaultOperator: DefaultOperator

    /// The deepest nesting of parentheses accepted; deeper is a syntax error
    /// (keeps the recursive parser and the tree's recursion bounded).
    public static let maxNestingDepth = 64

    public init(defaultOperator: DefaultOperator = .or) {
        self.defaultOperator = defaultOperator
    }

    /// Parses `query` into the clause list of its top-level group.
    ///
    /// - Returns: the clauses; empty for an empty or all-white-space query.
    /// - Throws: `QueryError.syntax` for a malformed query.
    /// - Complexity: O(n) in the number of Unicode scalars of `query`.
    public func parse(_ query: String) throws(QueryError) -> [QueryClause] {
        var state = State(lexer: Lexer(query), defaultOperator: defaultOperator)
        try state.advance()
        return try state.parseClauses(openParenColumn: nil, depth: 0)
    }
}

// MARK: - Tokens

extension QueryParser {
    struct Token: Equatable {
        enum Kind: Equatable {
            case word(String)
            case prefix(String)
            case phrase(String, slop: Int)
            case openParen
            case closeParen
            case plus
            case minus
            case and
            case or
            case not
            case end
        }

        var kind: Kind
        /// 1-based, in Unicode scalars.
        var column: Int

        /// How the token reads in an error message, for tokens that can
        /// follow an operator or modifier where a clause belongs.
        var quoted: String? {
            switch kind {
            case .and: return "AND"
            case .or: return "OR"
            case .not: return "NOT"
            case .plus: return "'+'"
            case .minus: return "'-'"
            default: return nil
            }
        }
    }

    /// Splits the query into tokens on demand, so that errors come in reading
    /// order.
    struct Lexer {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ query: String) {
            scalars = Array(query.unicodeScalars)
        }

        static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
            let v = scalar.value
            // ASCII without a property lookup: tab to carriage return, and space.
            if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
            return scalar.properties.isWhitespace
        }

        /// White space, `"`, `(` and `)` end a word and a slop.
        static func endsWord(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\"" || scalar == "(" || scalar == ")" || isWhitespace(scalar)
        }

        mutating func next() throws(QueryError) -> Token {
            while index < scalars.count, Self.isWhitespace(scalars[index]) {
                index += 1
            }
            guard index < scalars.count else {
                return Token(kind: .end, column: scalars.count + 1)
            }
            let column = index + 1
            switch scalars[index] {
            case "(":
                index += 1
                return Token(kind: .openParen, column: column)
            case ")":
                index += 1
                return Token(kind: .closeParen, column: column)
            case "\"":
                return try phrase()
            case "+", "-":
                let modifier = scalars[index]
                let after = index + 1
                if after == scalars.count || Self.isWhitespace(scalars[after]) || scalars[after] == ")" {
                    throw .danglingModifier(String(modifier), column: column, followedBy: nil)
                }
                index = after
                return Token(kind: modifier == "+" ? .plus : .minus, column: column)
            default:
                return try word()
            }
        }

        /// At a `"`: the phrase up to the closing quote, then an optional `~N`.
        private mutating func phrase() throws(QueryError) -> Token {
            let open = index
            guard let close = scalars[(open + 1)...].firstIndex(of: "\"") else {
                throw .unbalancedQuote(column: open + 1, rest: scalars[(open + 1)...])
            }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[(open + 1)..<close])
            index = close + 1

            var slop = 0
            if index < scalars.count, scalars[index] == "~" {
                let tilde = index
                var end = tilde + 1
                while end < scalars.count, !Self.endsWord(scalars[end]) {
                    end += 1
                }
                let digits = scalars[(tilde + 1)..<end]
                index = end
                var written = String.UnicodeScalarView()
                written.append(contentsOf: digits)
                if digits.isEmpty {
                    throw .missingSlop(column: tilde + 1)
                }
                guard digits.allSatisfy({ ("0"..."9").contains($0) }) else {
                    throw .invalidSlop(String(written), column: tilde + 1)
                }
                for digit in digits {
                    let (times10, overflow1) = slop.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times10.addingReportingOverflow(Int(digit.value) - 48)
                    guard !overflow1, !overflow2 else {
                        throw .slopTooLarge(String(written), column: tilde + 1)
                    }
                    slop = sum
                }
            }
            return Token(kind: .phrase(String(text), slop: slop), column: open + 1)
        }

        /// At the first scalar of a word: the word, an operator or a prefix.
        private mutating func word() throws(QueryError) -> Token {
            let start = index
            while index < scalars.count, !Self.endsWord(scalars[index]) {
                index += 1
            }
            let run = scalars[start..<index]
            var view = String.UnicodeScalarView()
            view.append(contentsOf: run)
            let text = String(view)
            let column = start + 1

            switch text {
            case "AND": return Token(kind: .and, column: column)
            case "OR": return Token(kind: .or, column: column)
            case "NOT": return Token(kind: .not, column: column)
            default: break
            }

            if text == "*" {
                throw .loneStar(column: column)
            }
            if let star = run.firstIndex(of: "*"), star != index - 1 {
                throw .misplacedStar(in: text, column: star + 1)
            }
            if run.last == "*" {
                var stem = view
                stem.removeLast()
                return Token(kind: .prefix(String(stem)), column: column)
            }
            return Token(kind: .word(text), column: column)
        }
    }
}

// MARK: - Parser

extension QueryParser {
    private enum Conjunction {
        case none, and, or
    }

    private enum Modifier {
        case none, required, prohibited
    }

    /// Recursive descent over the token stream with one token of lookahead.
    struct State {
        var lexer: Lexer
        let defaultOperator: DefaultOperator
        /// The current (not yet consumed) token.
        var token = Token(kind: .end, column: 1)

        init(lexer: Lexer, defaultOperator: DefaultOperator) {
            self.lexer = lexer
            self.defaultOperator = defaultOperator
        }

        mutating func advance() throws(QueryError) {
            token = try lexer.next()
        }

        /// Parses clauses up to the end of the query (`openParenColumn` nil)
        /// or up to and including the `)` closing the group opened at
        /// `openParenColumn`.
        mutating func parseClauses(openParenColumn: Int?, depth: Int) throws(QueryError) -> [QueryClause] {
            var clauses: [QueryClause] = []
            while true {
                switch token.kind {
                case .end:
                    if let open = openParenColumn {
                        throw .unclosedParenthesis(column: open)
                    }
                    return clauses
                case .closeParen:
                    guard let open = openParenColumn else {
                        throw .unexpectedClosingParenthesis(column: token.column)
                    }
                    if clauses.isEmpty {
                        throw .emptyGroup(column: open)
                    }
                    try advance()
                    return clauses
                default:
                    break
                }

                // Conjunction?
                var conjunction = Conjunction.none
                var conjunctionToken: Token?
                if token.kind == .and || token.kind == .or {
                    let name = token.kind == .and ? "AND" : "OR"
                    if clauses.isEmpty {
                        throw .danglingOperatorAtStart(name, column: token.column)
                    }
                    conjunction = token.kind == .and ? .and : .or
                    conjunctionToken = token
                    try advance()
                }

                // Modifier?
                var modifier = Modifier.none
                var modifierToken: Token?
                switch token.kind {
                case .not:
                    modifier = .prohibited
                    modifierToken = token
                    try advance()
                    if token.kind == .plus || token.kind == .minus {
                        throw .conflictingModifiers(token.kind == .plus ? "+" : "-", column: token.column)
                    }
                case .plus, .minus:
                    modifier = token.kind == .plus ? .required : .prohibited
                    modifierToken = token
                    try advance()
                default:
                    break
                }

                // Clause.
                let nodeColumn = token.column
                let node: QueryNode
                switch token.kind {
                case .word(let text):
                    node = .word(text)
                    try advance()
                case .prefix(let text):
                    node = .prefix(text)
                    try advance()
                case .phrase(let text, let slop):
                    node = .phrase(text, slop: slop)
                    try advance()
                case .openParen:
                    if depth >= QueryParser.maxNestingDepth {
                        throw .nestedTooDeeply(column: token.column, limit: QueryParser.maxNestingDepth)
                    }
                    try advance()
                    node = .group(try parseClauses(openParenColumn: nodeColumn, depth: depth + 1))
                default:
                    throw missingClause(conjunction: conjunctionToken, modifier: modifierToken)
                }

                let column: Int
                if let modifierToken, modifierToken.kind != .not {
                    column = modifierToken.column
                } else {
                    column = nodeColumn
                }
                add(QueryClause(occur: .should, node: node, explicitModifier: modifier != .none, column: column,
                                signed: modifierToken.map { $0.kind != .not } ?? false),
                    conjunction: conjunction, modifier: modifier, to: &clauses)
            }
        }

        /// The error for a place where a clause belongs but `token` (end, `)`,
        /// an operator or a modifier) stands.
        private func missingClause(conjunction: Token?, modifier: Token?) -> QueryError {
            let following = token.quoted
            if let modifier {
                switch modifier.kind {
                case .not:
                    return .danglingOperator("NOT", column: modifier.column, followedBy: following)
                default:
                    return .danglingModifier(modifier.kind == .plus ? "+" : "-",
                                             column: modifier.column, followedBy: following)
                }
            }
            if let conjunction {
                return .danglingOperator(conjunction.kind == .and ? "AND" : "OR",
                                         column: conjunction.column, followedBy: following)
            }
            // Unreachable: end, ')' and operators are handled before a clause
            // is expected; kept so a grammar change cannot crash.
            return .syntax(column: token.column, message: "unexpected token: remove it")
        }

        /// Lucene's `addClause`, with an explicit `+` winning (see the type's
        /// doc comment).
        private func add(_ clause: QueryClause, conjunction: Conjunction, modifier: Modifier,
                         to clauses: inout [QueryClause]) {
            if let last = clauses.indices.last {
                // Rule 1: AND makes the previous clause required, unless prohibited.
                if conjunction == .and {
                    if clauses[last].occur != .mustNot { clauses[last].occur = .must }
                    // Typed apart, a word's last term (never prohibited) is the clause before.
                    clauses[last].parts.following = .required
                }
                // Rule 2: with default AND, OR makes the previous clause
                // optional, unless prohibited or explicitly required.
                if defaultOperator == .and, conjunction == .or {
                    if clauses[last].occur != .mustNot, !clauses[last].explicitModifier { clauses[last].occur = .should }
                    clauses[last].parts.following = .optional
                }
            }

            // Rule 3: the clause itself.
            var clause = clause
            switch modifier {
            case .required:
                clause.occur = .must
            case .prohibited:
                clause.occur = .mustNot
            case .none:
                switch defaultOperator {
                case .or: clause.occur = conjunction == .and ? .must : .should
                case .and: clause.occur = conjunction == .or ? .should : .must
                }
            }
            clause.parts = WordParts(first: clause.occur, others: defaultOperator == .or ? .should : .must, following: .none)
            clauses.append(clause)
        }
    }
}
