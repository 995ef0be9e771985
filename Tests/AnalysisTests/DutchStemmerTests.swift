import Foundation
import XCTest

@testable import Analysis

final class DutchStemmerTests: XCTestCase {
    private static let fixtureDir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/snowball-dutch")

    private func readLines(_ name: String) throws -> [Substring] {
        let url = Self.fixtureDir.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Every word of the Snowball reference vocabulary stems to the reference
    /// stem of the Snowball 3.x `dutch` (Kraaij-Pohlmann) algorithm.
    func testReferenceVocabulary() throws {
        let words = try readLines("voc.txt")
        let expected = try readLines("output.txt")
        XCTAssertEqual(words.count, 45_670)
        XCTAssertEqual(words.count, expected.count, "voc.txt and output.txt differ in length")

        let stemmer = DutchStemmer()
        var buffer: [Unicode.Scalar] = []
        buffer.reserveCapacity(64)
        var mismatches: [String] = []
        var mismatchCount = 0
        for (word, stem) in zip(words, expected) {
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: word.unicodeScalars)
            stemmer.stem(&buffer)
            var got = String.UnicodeScalarView()
            got.append(contentsOf: buffer)
            if !got.elementsEqual(stem.unicodeScalars) {
                mismatchCount += 1
                if mismatches.count < 20 {
                    mismatches.append("\(word): got \(String(got)), expected \(stem)")
                }
            }
        }
        XCTAssertEqual(
            mismatchCount, 0,
            "\(mismatchCount) of \(words.count) words stem differently; first ones:\n"
                + mismatches.joined(separator: "\n"))
    }

    /// Spot checks (verified against output.txt and snowballstemmer 3.1.1;
    /// `auto's` is not in voc.txt, it was checked with snowballstemmer only).
    func testSpotChecks() {
        let stemmer = DutchStemmer()
        XCTAssertEqual(stemmer.stem("aanvallen"), "aanval")
        XCTAssertEqual(stemmer.stem("auto's"), "auto")
        XCTAssertEqual(stemmer.stem("gelopen"), "loop")
        XCTAssertEqual(stemmer.stem("huizen"), "huis")
        XCTAssertEqual(stemmer.stem("mensen"), "mens")
    }

    /// The exceptions of the .sbl file.
    func testExceptions() {
        let stemmer = DutchStemmer()
        XCTAssertEqual(stemmer.stem("schilderij"), "schilder")  // not `schild`
        XCTAssertEqual(stemmer.stem("schild"), "schild")
        XCTAssertEqual(stemmer.stem("innig"), "innig")  // not `in`
        XCTAssertEqual(stemmer.stem("innen"), "inn")  // not `in`
        XCTAssertEqual(stemmer.stem("geïnd"), "inn")  // conflated with `innen`
        XCTAssertEqual(stemmer.stem("geënt"), "ent")  // not `en`
        XCTAssertEqual(stemmer.stem("geeft"), "geef")  // `ge` kept
        XCTAssertEqual(stemmer.stem("gevallen"), "geval")  // not `val`
        XCTAssertEqual(stemmer.stem("gevaren"), "gevaar")  // not `vaar`
        XCTAssertEqual(stemmer.stem("varen"), "vaar")
    }

    func testEdgeCases() {
        let stemmer = DutchStemmer()
        XCTAssertEqual(stemmer.stem(""), "")
        XCTAssertEqual(stemmer.stem("a"), "a")
        XCTAssertEqual(stemmer.stem("ge"), "ge")
        XCTAssertEqual(stemmer.stem("日本語"), "日本語")
    }

    /// The in-place API reuses the caller's array and never makes it longer.
    func testInPlaceReusesBuffer() {
        let stemmer = DutchStemmer()
        var buffer: [Unicode.Scalar] = []
        buffer.reserveCapacity(32)
        for (word, stem) in [("lopen", "loop"), ("huisje", "huis"), ("regelen", "regeel")] {
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: word.unicodeScalars)
            let before = buffer.count
            stemmer.stem(&buffer)
            XCTAssertLessThanOrEqual(buffer.count, before)
            XCTAssertEqual(String(String.UnicodeScalarView(buffer)), stem)
        }
    }
}
