// QueryParserTests.swift
//
// One line per query → the printed AST (QueryAST.swift `queryDescription`),
// for both default operators, and one line per malformed query → column and
// kind of message. The expected strings were derived by hand from the rules
// in QueryParser's doc comment (Lucene's addClause), not copied from output.

import XCTest
@testable import Search

final class QueryParserTests: XCTestCase {

    struct Case {
        let query: String
        let expected: String
        let line: UInt

        init(_ query: String, _ expected: String, line: UInt = #line) {
            self.query = query
            self.expected = expected
            self.line = line
        }
    }

    struct ErrorCase {
        let query: String
        let column: Int
        /// A phrase the message must contain: the kind of mistake.
        let kind: String
        let line: UInt

        init(_ query: String, _ column: Int, _ kind: String, line: UInt = #line) {
            self.query = query
            self.column = column
            self.kind = kind
            self.line = line
        }
    }

    // MARK: - Tables

    /// Default operator OR (no `--all`).
    static let orCases: [Case] = [
        // the SPEC's examples
        Case("gifgas aanval", "gifgas aanval"),
        Case("\"veto in de veiligheidsraad\"", "\"veto in de veiligheidsraad\""),
        Case("\"sancties rusland\"~3", "\"sancties rusland\"~3"),
        Case("+assad -tillerson", "+assad -tillerson"),
        Case("-\"noord-korea\"", "-\"noord-korea\""),
        Case("assad AND (rusland OR iran) NOT trump", "+assad +(rusland iran) -trump"),
        Case("aanval*", "aanval*"),
        // words stay whole; the analysis splits them later
        Case("Noord-Korea auto's 3,5 G7-top zo'n", "Noord-Korea auto's 3,5 G7-top zo'n"),
        Case("G7-top -G7 a+b", "G7-top -G7 a+b"),
        Case("and or not Not", "and or not Not"),
        Case("foo~2", "foo~2"),
        Case("AND* ORkaan NOTA", "AND* ORkaan NOTA"),
        Case("syrië café", "syrië café"),
        // phrases
        Case("\"\"", "\"\""),
        Case("\"\"~5", "\"\"~5"),
        Case("\"a b\"~0", "\"a b\""),
        Case("\"a b\"~007", "\"a b\"~7"),
        Case("\"a (b) -c AND d*\"", "\"a (b) -c AND d*\""),
        Case("+\"veto\"~2 -aanval*", "+\"veto\"~2 -aanval*"),
        // white space: any White_Space scalar, any amount
        Case("   ", ""),
        Case("", ""),
        Case("  a\tb\nc  ", "a b c"),
        Case("a\u{00A0}b", "a b"),
        // `"`, `(` and `)` end a word
        Case("foo(bar)", "foo (bar)"),
        Case("\"a\"b", "\"a\" b"),
        Case("(a)(b)", "(a) (b)"),
        Case("a AND(b)", "+a +(b)"),
        // boolean rules, default OR
        Case("a OR b", "a b"),
        Case("a AND b", "+a +b"),
        Case("a AND b AND c", "+a +b +c"),
        Case("a AND b OR c", "+a +b c"),
        Case("a OR b AND c", "a +b +c"),
        Case("-a AND b", "-a +b"),
        Case("a AND -b", "+a -b"),
        Case("a AND NOT b", "+a -b"),
        Case("NOT a", "-a"),
        Case("a NOT b", "a -b"),
        Case("a OR NOT b", "a -b"),
        Case("NOT a AND b", "-a +b"),
        Case("+a OR b", "+a b"),
        Case("a OR +b", "a +b"),
        // groups
        Case("-(a b)", "-(a b)"),
        Case("+(a OR b)", "+(a b)"),
        Case("((a))", "((a))"),
        Case("a (b AND (c OR d))", "a (+b +(c d))"),
        Case("NOT (a b) c", "-(a b) c"),
    ]

    /// Default operator AND (`--all`).
    static let andCases: [Case] = [
        Case("gifgas aanval", "+gifgas +aanval"),
        Case("", ""),
        Case("a", "+a"),
        Case("+assad -tillerson", "+assad -tillerson"),
        Case("\"veto in de\"~2 aanval*", "+\"veto in de\"~2 +aanval*"),
        Case("assad AND (rusland OR iran) NOT trump", "+assad +(rusland iran) -trump"),
        Case("a OR b", "a b"),
        Case("a b OR c", "+a b c"),
        Case("a b c OR d", "+a +b c d"),
        Case("a OR b OR c", "a b c"),
        Case("a AND b OR c", "+a b c"),
        Case("a OR b AND c", "a +b +c"),
        Case("-a OR b", "-a b"),
        Case("a OR -b", "a -b"),
        Case("a OR NOT b", "a -b"),
        Case("NOT a b", "-a +b"),
        Case("a NOT b", "+a -b"),
        Case("-a b", "-a +b"),
        // an explicit `+` wins (Lucene would print `a b` for both)
        Case("+a OR b", "+a b"),
        Case("a OR +b", "a +b"),
        // groups use the same default operator inside
        Case("(a OR b) c", "+(a b) +c"),
        Case("a (b c)", "+a +(+b +c)"),
        Case("-(a b)", "-(+a +b)"),
        Case("(a b) OR c", "(+a +b) c"),
    ]

    static let errorCases: [ErrorCase] = [
        // quotes: the column of the opening quote
        ErrorCase("a \"b c", 3, "unbalanced quote"),
        ErrorCase("\"", 1, "unbalanced quote"),
        ErrorCase("\"a\" \"b", 5, "unbalanced quote"),
        ErrorCase("a \"b\" \"c d\" \"e", 13, "unbalanced quote"),
        ErrorCase("-\"noord-korea", 2, "unbalanced quote"),
        ErrorCase("(\"a b)", 2, "unbalanced quote"),
        // parentheses: the unclosed `(` or the unexpected `)`
        ErrorCase("(a b", 1, "unbalanced '('"),
        ErrorCase("((a)", 1, "unbalanced '('"),
        ErrorCase("a (b (c)", 3, "unbalanced '('"),
        ErrorCase("+(a OR b", 2, "unbalanced '('"),
        ErrorCase("a b)", 4, "unbalanced ')'"),
        ErrorCase(")", 1, "unbalanced ')'"),
        ErrorCase("(a)) b", 4, "unbalanced ')'"),
        ErrorCase("()", 1, "empty group"),
        ErrorCase("a ( )", 3, "empty group"),
        ErrorCase("-()", 2, "empty group"),
        ErrorCase("(a ())", 4, "empty group"),
        // operators: the column of the operator that lacks an operand
        ErrorCase("AND a", 1, "dangling operator AND"),
        ErrorCase("OR", 1, "dangling operator OR"),
        ErrorCase("a AND", 3, "dangling operator AND"),
        ErrorCase("a OR", 3, "dangling operator OR"),
        ErrorCase("a OR OR b", 3, "dangling operator OR"),
        ErrorCase("a AND OR b", 3, "dangling operator AND"),
        ErrorCase("NOT", 1, "dangling operator NOT"),
        ErrorCase("a NOT", 3, "dangling operator NOT"),
        ErrorCase("a AND NOT", 7, "dangling operator NOT"),
        ErrorCase("a NOT AND b", 3, "dangling operator NOT"),
        ErrorCase("NOT NOT a", 1, "dangling operator NOT"),
        ErrorCase("(AND a)", 2, "dangling operator AND"),
        ErrorCase("(a OR) b", 4, "dangling operator OR"),
        ErrorCase("a (OR b)", 4, "dangling operator OR"),
        // modifiers
        ErrorCase("+", 1, "dangling modifier '+'"),
        ErrorCase("-", 1, "dangling modifier '-'"),
        ErrorCase("a -", 3, "dangling modifier '-'"),
        ErrorCase("a + b", 3, "dangling modifier '+'"),
        ErrorCase("a - b", 3, "dangling modifier '-'"),
        ErrorCase("(a +)", 4, "dangling modifier '+'"),
        ErrorCase("++a", 1, "dangling modifier '+'"),
        ErrorCase("+-a", 1, "dangling modifier '+'"),
        ErrorCase("-AND b", 1, "dangling modifier '-'"),
        ErrorCase("a +NOT b", 3, "dangling modifier '+'"),
        ErrorCase("NOT -a", 5, "conflicting modifiers"),
        ErrorCase("a NOT +b", 7, "conflicting modifiers"),
        // slop: the column of the `~`
        ErrorCase("\"a b\"~", 6, "missing slop"),
        ErrorCase("\"a b\"~ c", 6, "missing slop"),
        ErrorCase("(\"a\"~)", 5, "missing slop"),
        ErrorCase("\"a\"~x", 4, "invalid slop"),
        ErrorCase("\"a\"~2.5", 4, "invalid slop"),
        ErrorCase("\"a\"~-1", 4, "invalid slop"),
        ErrorCase("\"a\"~3x", 4, "invalid slop"),
        ErrorCase("\"a\"~99999999999999999999999", 4, "too large"),
        // `*`: the column of the bad `*`
        ErrorCase("*", 1, "lone '*'"),
        ErrorCase("a *", 3, "lone '*'"),
        ErrorCase("-*", 2, "lone '*'"),
        ErrorCase("*a", 1, "misplaced '*'"),
        ErrorCase("a*b", 2, "misplaced '*'"),
        ErrorCase("aan**", 4, "misplaced '*'"),
        ErrorCase("x a*b*", 4, "misplaced '*'"),
        ErrorCase("\"a\"*", 4, "lone '*'"),
        // columns count Unicode scalars
        ErrorCase("syrië \"gifgas", 7, "unbalanced quote"),          // ë precomposed: 1 scalar
        ErrorCase("syrie\u{0308} \"gifgas", 8, "unbalanced quote"),  // e + combining diaeresis: 2
        ErrorCase("🇳🇱 )", 4, "unbalanced ')'"),                      // flag: 2 scalars
        // the first problem in reading order wins
        ErrorCase("a OR OR \"b", 3, "dangling operator OR"),
        ErrorCase("\"a AND", 1, "unbalanced quote"),
        ErrorCase("(a \"b", 4, "unbalanced quote"),
    ]

    // MARK: - Running the tables

    func testDefaultOperatorOr() {
        check(Self.orCases, QueryParser())
        check(Self.orCases, QueryParser(defaultOperator: .or))
    }

    func testDefaultOperatorAnd() {
        check(Self.andCases, QueryParser(defaultOperator: .and))
    }

    func testTablesAreLargeEnough() {
        XCTAssertGreaterThanOrEqual(Self.orCases.count + Self.andCases.count, 30)
    }

    func testMalformedQueries() {
        for parser in [QueryParser(defaultOperator: .or), QueryParser(defaultOperator: .and)] {
            for c in Self.errorCases {
                do {
                    let clauses = try parser.parse(c.query)
                    XCTFail("\(c.query.debugDescription): expected an error, got \(clauses.queryDescription)",
                            line: c.line)
                } catch {
                    XCTAssertEqual(error.column, c.column, "\(c.query.debugDescription): \(error)", line: c.line)
                    XCTAssertTrue(error.message.contains(c.kind),
                                  "\(c.query.debugDescription): \(error) lacks \(c.kind.debugDescription)",
                                  line: c.line)
                    XCTAssertFalse(error.description.contains("\n"), "not one line: \(error)", line: c.line)
                }
            }
        }
    }

    /// The printed form of a default-OR parse parses back to itself.
    func testPrintedFormRoundTrips() throws {
        let parser = QueryParser()
        for c in Self.orCases + Self.andCases {
            XCTAssertEqual(try parser.parse(c.expected).queryDescription, c.expected, line: c.line)
        }
    }

    // MARK: - The tree itself

    func testNodesColumnsAndModifiers() throws {
        let clauses = try QueryParser().parse("+Noord-Korea \"a b\"~2 aan* NOT trump -(x y) z")
        XCTAssertEqual(clauses, [
            QueryClause(occur: .must, node: .word("Noord-Korea"), explicitModifier: true, column: 1),
            QueryClause(occur: .should, node: .phrase("a b", slop: 2), explicitModifier: false, column: 14),
            QueryClause(occur: .should, node: .prefix("aan"), explicitModifier: false, column: 22),
            // NOT is a word of its own: the clause starts at `trump`
            QueryClause(occur: .mustNot, node: .word("trump"), explicitModifier: true, column: 31, signed: false),
            QueryClause(occur: .mustNot, node: .group([
                QueryClause(occur: .should, node: .word("x"), explicitModifier: false, column: 39),
                QueryClause(occur: .should, node: .word("y"), explicitModifier: false, column: 41),
            ]), explicitModifier: true, column: 37),
            QueryClause(occur: .should, node: .word("z"), explicitModifier: false, column: 44),
        ])
    }

    func testOccurFromOperatorsIsNotAnExplicitModifier() throws {
        let clauses = try QueryParser().parse("a AND b")
        XCTAssertEqual(clauses.map(\.occur), [.must, .must])
        XCTAssertEqual(clauses.map(\.explicitModifier), [false, false])

        let all = try QueryParser(defaultOperator: .and).parse("a -b")
        XCTAssertEqual(all.map(\.occur), [.must, .mustNot])
        XCTAssertEqual(all.map(\.explicitModifier), [false, true])
    }

    func testPhraseTextIsVerbatim() throws {
        XCTAssertEqual(try QueryParser().parse("\" Veto  in\tde \"").first?.node,
                       .phrase(" Veto  in\tde ", slop: 0))
        XCTAssertEqual(try QueryParser().parse("\"\"").first?.node, .phrase("", slop: 0))
    }

    func testColumnsCountUnicodeScalars() throws {
        let clauses = try QueryParser().parse("syrië gifgas syrie\u{0308} x")
        XCTAssertEqual(clauses.map(\.column), [1, 7, 14, 21])
    }

    func testNestingLimit() throws {
        let limit = QueryParser.maxNestingDepth
        let deepest = String(repeating: "(", count: limit) + "a" + String(repeating: ")", count: limit)
        XCTAssertEqual(try QueryParser().parse(deepest).queryDescription, deepest)

        let tooDeep = "(" + deepest + ")"
        XCTAssertThrowsError(try QueryParser().parse(tooDeep)) { error in
            XCTAssertEqual((error as? QueryError)?.column, limit + 1)
            XCTAssertTrue((error as? QueryError)?.message.contains("nested too deeply") == true)
        }
    }

    // MARK: - The messages, pinned

    func testErrorDescriptions() {
        let pinned: [(String, String)] = [
            ("gifgas \"veto in de veiligheidsraad",
             "query syntax error at column 8: unbalanced quote \"veto in de veil…\": add the closing quote"),
            ("a \"b\nc",
             "query syntax error at column 3: unbalanced quote \"b c\": add the closing quote"),
            ("assad AND (rusland OR iran",
             "query syntax error at column 11: unbalanced '(': add the closing ')' or remove the '('"),
            ("assad)",
             "query syntax error at column 6: unbalanced ')' has no matching '(': remove it or add an opening '('"),
            ("a ()",
             "query syntax error at column 3: empty group '()': put a word between the parentheses or remove them"),
            ("AND assad",
             "query syntax error at column 1: dangling operator AND: nothing before it; put a word before AND or remove it"),
            ("assad AND",
             "query syntax error at column 7: dangling operator AND: nothing after it; put a word after AND or remove it"),
            ("a OR OR b",
             "query syntax error at column 3: dangling operator OR: it is followed by OR instead of a word, phrase or '('; remove one of them"),
            ("assad - trump",
             "query syntax error at column 7: dangling modifier '-': nothing follows it directly; write it directly before a word, phrase or '(' without a space, as in -assad"),
            ("+AND b",
             "query syntax error at column 1: dangling modifier '+': it is followed by AND; write it directly before a word, phrase or '(' without a space, as in +assad"),
            ("NOT -trump",
             "query syntax error at column 5: conflicting modifiers NOT and '-' on one clause: use only one of them"),
            ("\"sancties rusland\"~",
             "query syntax error at column 19: missing slop after '~': write a whole number right after it, as in \"sancties rusland\"~3, or remove the '~'"),
            ("\"sancties rusland\"~drie",
             "query syntax error at column 19: invalid slop '~drie': the slop must be a whole number of 0 or more, as in \"sancties rusland\"~3"),
            ("\"a\"~123456789012345678901",
             "query syntax error at column 4: slop '~123456789012345678901' is too large: use a smaller whole number"),
            ("aanval *",
             "query syntax error at column 8: lone '*': a prefix query needs text before the '*', as in aanval*; remove the '*'"),
            ("aan*val",
             "query syntax error at column 4: misplaced '*' in \"aan*val\": '*' is only allowed at the end of a word, as in aanval*"),
        ]
        for (query, expected) in pinned {
            XCTAssertThrowsError(try QueryParser().parse(query), query.debugDescription) { error in
                XCTAssertEqual("\(error)", expected)
            }
        }
    }

    func testErrorIsEquatable() {
        XCTAssertEqual(QueryError.syntax(column: 3, message: "x"), .syntax(column: 3, message: "x"))
        XCTAssertNotEqual(QueryError.syntax(column: 3, message: "x"), .syntax(column: 4, message: "x"))
    }

    // MARK: - Helpers

    private func check(_ cases: [Case], _ parser: QueryParser) {
        for c in cases {
            // A thrown error is a failure of the assertion, reported with the query.
            XCTAssertEqual(try parser.parse(c.query).queryDescription, c.expected,
                           c.query.debugDescription, line: c.line)
        }
    }
}
