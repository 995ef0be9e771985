import XCTest
@testable import Analysis

/// The ASCII fast path of `WordSegmenter` must give exactly ICU's segments: both paths
/// run on the same texts and their kept segments (start, end) are compared.
final class WordSegmenterTests: XCTestCase {
    var fast: WordSegmenter!
    var icu: WordSegmenter!

    override func setUpWithError() throws {
        fast = try WordSegmenter(locale: "nl", asciiFastPath: true)
        icu = try WordSegmenter(locale: "nl", asciiFastPath: false)
    }

    func words(_ segmenter: WordSegmenter, _ text: [UInt16]) throws -> [Range<Int32>] {
        var out: [Range<Int32>] = []
        try text.withUnsafeBufferPointer { (t) throws(AnalysisError) in
            try segmenter.forEachWord(in: t) { out.append($0..<$1) }
        }
        return out
    }

    func assertSameSegments(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let units = Array(text.utf16)
        let a = try words(fast, units)
        let b = try words(icu, units)
        if a != b {
            func show(_ r: [Range<Int32>]) -> [String] { r.map { String(decoding: units[Int($0.lowerBound)..<Int($0.upperBound)], as: UTF16.self) } }
            XCTFail("fast path \(show(a)) ≠ ICU \(show(b)) for \(text.debugDescription)", file: file, line: line)
        }
    }

    func testFastPathKnownCases() throws {
        let cases = [
            "auto's zo'n 3,5 Noord-Korea e.g. a.b.c 1.2.3 12;34 12'34 a.1 1.a ab.12 'ts 's avonds",
            "G7-top, database-instellingen; (haakjes) [blokken] \"quotes\" x:y 10:30 a/b a+b #tag $5 100%",
            "mail@voorbeeld.nl snake_case _x x_ @ __ 3,5,6 ..a a.. a..b 1,,2 1,a, ,1",
            "tab\there\r\nCRLF\u{0B}vt\u{0C}ff  spaces   end.",
            "", " ", "a", ".", "''", "a'", "'a", "1.", ".1",
        ]
        for c in cases { try assertSameSegments(c) }
        let tokens = try words(fast, Array("auto's zo'n 3,5 Noord-Korea".utf16))
        XCTAssertEqual(tokens, [0..<6, 7..<11, 12..<15, 16..<21, 22..<27])
    }

    func testFastPathAroundNonASCII() throws {
        let cases = [
            "beëindigen Syrië één financiële coördinatie",
            "a \u{0301}b", " \u{0301}x", "x \u{200D}y", "ver\u{00AD}keer", "auto\u{2019}s", "a\u{00A0}b",
            "€5 5€ 中文字 アイウ 👍🏽 🇳🇱 x\u{2028}y x\u{0085}y ٣٤ אב\"ג",
            "Ｆｕｌｌｗｉｄｔｈ ﬁets IJsselmeer Ĳssel",
        ]
        for c in cases { try assertSameSegments(c) }
    }

    /// Random strings over ASCII and a few non-ASCII characters with special word-break
    /// classes (marks, format, ZWJ, emoji, regional indicators, CJK, Hebrew).
    func testFastPathMatchesICUOnRandomText() throws {
        let alphabet: [String] = (0x20..<0x7F).map { String(UnicodeScalar(UInt8($0))) }
            + ["a", "e", "n", "1", "0", " ", " ", "\n", "\t", "\r\n", "é", "ë", "\u{0301}", "\u{00AD}", "\u{200D}",
               "\u{2019}", "\u{00A0}", "中", "ア", "👍", "🏽", "🇳", "א", "٣", "ﬁ", "\u{2028}", "\u{FE0F}"]
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        for _ in 0..<50_000 {
            let text = (0..<next(60)).map { _ in alphabet[next(alphabet.count)] }.joined()
            try assertSameSegments(text)
        }
    }

    /// The Snowball vocabulary (real Dutch words, with diacritics), as running text with
    /// punctuation between words.
    func testFastPathMatchesICUOnDutchVocabulary() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/snowball-dutch/voc.txt")
        let vocabulary = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let separators = [" ", " ", " ", ", ", ". ", "-", "'", "\n", " (", ") ", ": ", "; ", "/", "."]
        var text = ""
        for (i, w) in vocabulary.enumerated() {
            text += w + separators[i % separators.count]
        }
        try assertSameSegments(text)
        XCTAssertGreaterThan(try words(fast, Array(text.utf16)).count, vocabulary.count / 2)
    }

    /// With a limit, both paths give the first that many segments and stop (in the middle
    /// of an ASCII piece, of a piece left to ICU, and of a batch of 512).
    func testLimitGivesTheFirstSegments() throws {
        var text = "Dit is café-eigenaar Noord-Korea's zo'n 3,5 dag; 😀 coördinatie en e.g. a.b eind. "
        for i in 0..<250 { text += "woord\(i) één, " }
        let units = Array(text.utf16)
        for segmenter in [fast!, icu!] {
            let all = try words(segmenter, units)
            XCTAssertGreaterThan(all.count, 513)
            for limit in [0, 1, 2, 3, 4, 5, 7, 9, 11, 13, 100, 511, 512, 513, all.count, all.count + 1] {
                var got: [Range<Int32>] = []
                try units.withUnsafeBufferPointer { (t) throws(AnalysisError) in
                    try segmenter.forEachWord(in: t, limit: limit) { got.append($0..<$1) }
                }
                XCTAssertEqual(got, Array(all.prefix(limit)), "limit \(limit), fast path \(segmenter.asciiFastPath)")
            }
        }
    }

    /// Every `.txt` file below the folder named by `SEARCHCTL_SEGMENTER_CORPUS` (skipped
    /// when it is not set): for checking the fast path on a whole corpus, e.g.
    /// `SEARCHCTL_SEGMENTER_CORPUS=/tmp/nl-wetten swift test --filter WordSegmenterTests`.
    func testFastPathMatchesICUOnCorpusFolder() throws {
        guard let folder = ProcessInfo.processInfo.environment["SEARCHCTL_SEGMENTER_CORPUS"] else {
            throw XCTSkip("SEARCHCTL_SEGMENTER_CORPUS is not set")
        }
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(atPath: folder))
        var files = 0
        var segments = 0
        while let path = enumerator.nextObject() as? String {
            guard path.hasSuffix(".txt") else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + path))
            let units = Array(String(decoding: data, as: UTF8.self).utf16)
            let a = try words(fast, units)
            XCTAssertEqual(a, try words(icu, units), path)
            files += 1
            segments += a.count
        }
        print("segmenter: \(files) files, \(segments) words, fast path = ICU")
        XCTAssertGreaterThan(files, 0)
    }
}
