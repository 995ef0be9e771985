// QueryError.swift
//
// A malformed query is a user error (SPEC section 3: exit code 2 and a
// one-line message that points at the column). Every message says what
// happened and what to do; `description` adds where:
//
//     query syntax error at column 7: unbalanced quote "veto in de…": add the closing quote
//
// Columns are 1-based and counted in Unicode scalars of the query string as
// the user typed it (so `é` typed as one precomposed scalar is one column,
// `e` + combining accent is two).

/// Why a query could not be parsed.
public enum QueryError: Error, Sendable, Equatable {
    /// The query is not well formed; `column` (1-based, in Unicode scalars)
    /// points at the offending character, `message` says what is wrong and
    /// how to fix it.
    case syntax(column: Int, message: String)

    /// The 1-based column (in Unicode scalars) of the offending character.
    public var column: Int {
        switch self {
        case .syntax(let column, _): return column
        }
    }

    /// What happened and what to do, without the column.
    public var message: String {
        switch self {
        case .syntax(_, let message): return message
        }
    }
}

extension QueryError: CustomStringConvertible {
    /// One line: `query syntax error at column N: <what happened>: <what to do>`.
    public var description: String {
        "query syntax error at column \(column): \(message)"
    }
}

// MARK: - The messages, one constructor per kind of mistake

extension QueryError {
    /// A `"` without a closing `"`. `column` is the opening quote; `rest` is
    /// the text after it, shown (shortened, on one line) so the user finds it.
    static func unbalancedQuote(column: Int, rest: some Sequence<Unicode.Scalar>) -> QueryError {
        .syntax(column: column,
                message: "unbalanced quote \"\(snippet(rest))\": add the closing quote")
    }

    /// A `(` that is never closed. `column` is that parenthesis.
    static func unclosedParenthesis(column: Int) -> QueryError {
        .syntax(column: column,
                message: "unbalanced '(': add the closing ')' or remove the '('")
    }

    /// A `)` without a matching `(`.
    static func unexpectedClosingParenthesis(column: Int) -> QueryError {
        .syntax(column: column,
                message: "unbalanced ')' has no matching '(': remove it or add an opening '('")
    }

    /// `()` or `( )`. `column` is the `(`.
    static func emptyGroup(column: Int) -> QueryError {
        .syntax(column: column,
                message: "empty group '()': put a word between the parentheses or remove them")
    }

    /// Parentheses nested deeper than `limit`. `column` is the first `(` too many.
    static func nestedTooDeeply(column: Int, limit: Int) -> QueryError {
        .syntax(column: column,
                message: "groups nested too deeply (more than \(limit) levels of '('): simplify the query")
    }

    /// `AND`/`OR` with no clause before it (at the start of the query or a group).
    static func danglingOperatorAtStart(_ op: String, column: Int) -> QueryError {
        .syntax(column: column,
                message: "dangling operator \(op): nothing before it; put a word before \(op) or remove it")
    }

    /// `AND`/`OR`/`NOT` with no clause after it. `following` is what comes
    /// instead: nil for the end of the query or a group, else the operator
    /// or modifier as written.
    static func danglingOperator(_ op: String, column: Int, followedBy following: String?) -> QueryError {
        if let following {
            return .syntax(column: column,
                           message: "dangling operator \(op): it is followed by \(following) instead of a word, phrase or '('; remove one of them")
        }
        return .syntax(column: column,
                       message: "dangling operator \(op): nothing after it; put a word after \(op) or remove it")
    }

    /// `+`/`-` not directly followed by a word, a phrase or `(`. `following`
    /// is what comes instead (nil for white space, `)` or the end).
    static func danglingModifier(_ modifier: String, column: Int, followedBy following: String?) -> QueryError {
        let what = following.map { "it is followed by \($0)" } ?? "nothing follows it directly"
        return .syntax(column: column,
                       message: "dangling modifier '\(modifier)': \(what); write it directly before a word, phrase or '(' without a space, as in \(modifier)assad")
    }

    /// `NOT +a` / `NOT -a`: two modifiers on one clause. `column` is the `+`/`-`.
    static func conflictingModifiers(_ modifier: String, column: Int) -> QueryError {
        .syntax(column: column,
                message: "conflicting modifiers NOT and '\(modifier)' on one clause: use only one of them")
    }

    /// `"…"~` with no number after the `~`. `column` is the `~`.
    static func missingSlop(column: Int) -> QueryError {
        .syntax(column: column,
                message: "missing slop after '~': write a whole number right after it, as in \"sancties rusland\"~3, or remove the '~'")
    }

    /// `"…"~x`, `"…"~2.5`, `"…"~-1`. `column` is the `~`.
    static func invalidSlop(_ text: String, column: Int) -> QueryError {
        .syntax(column: column,
                message: "invalid slop '~\(text)': the slop must be a whole number of 0 or more, as in \"sancties rusland\"~3")
    }

    /// A slop that does not fit in an `Int`. `column` is the `~`.
    static func slopTooLarge(_ text: String, column: Int) -> QueryError {
        .syntax(column: column,
                message: "slop '~\(text)' is too large: use a smaller whole number")
    }

    /// A word that is only `*`.
    static func loneStar(column: Int) -> QueryError {
        .syntax(column: column,
                message: "lone '*': a prefix query needs text before the '*', as in aanval*; remove the '*'")
    }

    /// A `*` that is not the last character of its word. `column` is that `*`.
    static func misplacedStar(in word: String, column: Int) -> QueryError {
        .syntax(column: column,
                message: "misplaced '*' in \"\(word)\": '*' is only allowed at the end of a word, as in aanval*")
    }

    /// The first `snippetLength` scalars of `text` on one line (white space
    /// runs become one space), with `…` when shortened.
    static let snippetLength = 15

    static func snippet(_ text: some Sequence<Unicode.Scalar>) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        var lastWasSpace = false
        for scalar in text {
            if count == snippetLength {
                out.append("…")
                return String(out)
            }
            if scalar.properties.isWhitespace {
                if lastWasSpace { continue }
                out.append(" ")
                lastWasSpace = true
            } else {
                out.append(scalar)
                lastWasSpace = false
            }
            count += 1
        }
        return String(out)
    }
}
