import XCTest
@testable import Analysis

final class AnalyzerTests: XCTestCase {
    var analyzer: Analyzer!

    override func setUpWithError() throws {
        analyzer = try Analyzer()
    }

    /// Asserts the token at `index` has this position, surface text and term.
    func expectToken(_ tokens: [Token], _ index: Int, position: Int, text: String, term: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        guard index < tokens.count else {
            XCTFail("no token \(index) in \(tokens.map(\.text))", file: file, line: line)
            return
        }
        XCTAssertEqual(tokens[index].position, position, "position of \(text)", file: file, line: line)
        XCTAssertEqual(tokens[index].text, text, file: file, line: line)
        XCTAssertEqual(tokens[index].term, term, "term of \(text)", file: file, line: line)
    }

    func terms(_ text: String) throws -> [String] {
        try analyzer.tokens(of: text).map(\.term)
    }

    func testHyphenatedNameSplitsIntoTwoTokens() throws {
        let tokens = try analyzer.tokens(of: "Noord-Korea")
        XCTAssertEqual(tokens.count, 2)
        expectToken(tokens, 0, position: 0, text: "Noord", term: "noord")
        expectToken(tokens, 1, position: 1, text: "Korea", term: "korea")
    }

    func testApostropheAndDecimalStayOneToken() throws {
        let tokens = try analyzer.tokens(of: "auto's zo'n 3,5")
        XCTAssertEqual(tokens.map(\.text), ["auto's", "zo'n", "3,5"])
        XCTAssertEqual(tokens.map(\.position), [0, 1, 2])
        XCTAssertEqual(tokens[0].term, "auto")
        XCTAssertEqual(tokens[2].term, "3,5")
    }

    func testTypographicApostropheEqualsASCII() throws {
        XCTAssertEqual(try terms("auto’s"), try terms("auto's"))
        XCTAssertEqual(try terms("autoʼs"), ["auto"])
        XCTAssertEqual(try terms("auto‘s"), ["auto"])
    }

    func testCompoundWithDigit() throws {
        let tokens = try analyzer.tokens(of: "G7-top")
        XCTAssertEqual(tokens.map(\.text), ["G7", "top"])
        XCTAssertEqual(tokens.map(\.term), ["g7", "top"])
    }

    func testCompatibilityAndCaseFolding() throws {
        XCTAssertEqual(try terms("ﬁets"), try terms("fiets"))
        XCTAssertEqual(try terms("ＡＢＣ"), ["abc"])
        XCTAssertEqual(try terms("IJsselmeer").first?.hasPrefix("ijsselmeer"), true)
    }

    func testDiacriticsFoldBeforeStemming() throws {
        XCTAssertEqual(try terms("financiële"), try terms("financiele"))
        XCTAssertEqual(try terms("Syrië"), try terms("syrie"))
        XCTAssertEqual(try terms("één"), ["een"])
        XCTAssertEqual(try terms("beëindigen"), try terms("beeindigen"))
        // Decomposed input (e + U+0308) folds the same way as precomposed.
        XCTAssertEqual(try terms("financie\u{308}le"), try terms("financiele"))
    }

    func testPositionsCountEverySegment() throws {
        let tokens = try analyzer.tokens(of: "Bij de aanval, op 4 april.")
        XCTAssertEqual(tokens.map(\.position), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(tokens.map(\.text), ["Bij", "de", "aanval", "op", "4", "april"])
    }

    /// ICU splits a lone `'s` into the apostrophe (dropped as punctuation) and `s`; the
    /// segment still takes its position, and positions after it count on.
    func testLoneApostropheS() throws {
        let tokens = try analyzer.tokens(of: "Bij 's nachts")
        XCTAssertEqual(tokens.map(\.position), [0, 1, 2])
        XCTAssertEqual(tokens.map(\.text), ["Bij", "s", "nachts"])
        XCTAssertEqual(tokens.map(\.term), ["bij", "s", "nachts"])
    }

    func testStemmingInTheChain() throws {
        XCTAssertEqual(try terms("aanvallen gelopen huizen mensen auto's"), ["aanval", "loop", "huis", "mens", "auto"])
    }

    func testCachedTokensGiveTheSameTerms() throws {
        // The second occurrence of each word comes from the term cache.
        let text = "Huizen huizen HUIZEN financiële financiële"
        XCTAssertEqual(try terms(text), ["huis", "huis", "huis", "financiel", "financiel"])
    }

    func testEmptyAndPunctuationOnly() throws {
        XCTAssertEqual(try analyzer.tokens(of: ""), [])
        XCTAssertEqual(try analyzer.tokens(of: " ,.;:!? -- … «»"), [])
    }

    func testOverlongTermIsDroppedButKeepsItsPosition() throws {
        let long = String(repeating: "a", count: 300)
        let tokens = try analyzer.tokens(of: "voor \(long) na")
        XCTAssertEqual(tokens.map(\.position), [0, 2])
        XCTAssertEqual(tokens.map(\.text), ["voor", "na"])
    }

    func testSurfaceRangesPointIntoTheText() throws {
        let text = "De Veiligheidsraad stemde."
        let utf16 = Array(text.utf16)
        for token in try analyzer.tokens(of: text) {
            XCTAssertEqual(String(decoding: utf16[token.range], as: UTF16.self), token.text)
        }
    }
}
