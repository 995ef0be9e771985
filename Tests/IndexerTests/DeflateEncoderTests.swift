import Foundation
@testable import IndexFormat
import XCTest

/// `DeflateEncoder` (the stored text's raw DEFLATE) against zlib's inflate and
/// `Inflater`: every text comes back, with and without a preset dictionary, through
/// stored, fixed and dynamic blocks, long matches, matches into the dictionary and texts
/// longer than the window; and it compresses at least as well as zlib at level 1, which
/// it replaces.
final class DeflateEncoderTests: XCTestCase {
    var state: UInt64 = 12345
    func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }

    func dutch(_ words: Int) -> [UInt8] {
        var generator = TextGenerator(state: next())
        return Array(generator.document(words: words).utf8)
    }

    /// `text` compressed by `compressor` against `dictionary`, then inflated by zlib and
    /// by `Inflater`.
    func roundTrip(_ text: [UInt8], _ dictionary: [UInt8], _ compressor: Compressor, file: StaticString = #filePath, line: UInt = #line) -> Int {
        var out: [UInt8] = []
        text.withUnsafeBytes { t in dictionary.withUnsafeBytes { compressor.compress(t, dictionary: $0, appendingTo: &out) } }
        for zlibOnly in [true, false] {
            let back = out.withUnsafeBytes { o in dictionary.withUnsafeBytes { Decompressor(zlibOnly: zlibOnly).decompress(o, dictionary: $0) } }
            XCTAssertEqual(back, text, "\(text.count) bytes, dictionary \(dictionary.count), zlib \(zlibOnly)", file: file, line: line)
        }
        return out.count
    }

    func testEveryKindOfTextComesBackThroughZlibsInflate() {
        let compressor = Compressor(raw: true)
        let dictionaries: [[UInt8]] = [[], dutch(1500).suffix(8192).map { $0 }, Array(repeating: 0x61, count: 300)]
        var texts: [[UInt8]] = [[0x61], [0x61, 0x61], Array("aaaa".utf8), Array("de kat".utf8)]
        texts.append(Array(repeating: 0x61, count: 100_000))                              // distance-1 matches of 258
        texts.append((0..<70_000).map { _ in UInt8(truncatingIfNeeded: next()) })         // incompressible: stored blocks
        texts.append((0..<3000).map { _ in UInt8(truncatingIfNeeded: next() % 4) })      // a small alphabet
        for words in [1, 5, 40, 300, 3000, 40_000] { texts.append(dutch(words)) }         // up to several blocks, > 32 KiB
        var pattern: [UInt8] = []
        for i in 0..<5000 { pattern += Array("regel \(i % 37) van de wet\n".utf8) }
        texts.append(pattern)
        // Texts alternate between dictionaries: the encoder's dictionary chains must follow.
        for (i, text) in texts.enumerated() {
            for d in [i % 3, (i + 1) % 3] { _ = roundTrip(text, dictionaries[d], compressor) }
        }
        // Random lengths and contents near the block and window sizes.
        for _ in 0..<20 {
            let n = Int(next() % 40_000) + 1
            let base = dutch(n / 5 + 1)
            var text = Array(base.prefix(n))
            for _ in 0..<(n / 100) { text[Int(next()) % text.count] = UInt8(truncatingIfNeeded: next()) }
            _ = roundTrip(text, dictionaries[Int(next() % 3)], compressor)
        }
    }

    func testCompressesAtLeastAsWellAsZlibLevelOne() {
        let ours = Compressor(raw: true)
        let zlib = Compressor(raw: true, zlibOnly: true)
        let dictionary = Array(dutch(2000).suffix(8192))
        var oursTotal = 0
        var zlibTotal = 0
        for _ in 0..<200 {
            let text = dutch(Int(next() % 800) + 20)
            oursTotal += roundTrip(text, dictionary, ours)
            zlibTotal += roundTrip(text, dictionary, zlib)
        }
        XCTAssertLessThanOrEqual(oursTotal, zlibTotal, "ours \(oursTotal) bytes, zlib level 1 \(zlibTotal)")
    }

    /// Skewed counts (Fibonacci: unlimited Huffman depths would reach 29) still give a
    /// complete code within the length limit, shorter codes to more frequent symbols.
    func testHuffmanLengthsAreLimitedAndComplete() {
        var fibonacci: [UInt32] = [1, 1]
        while fibonacci.count < 30 { fibonacci.append(fibonacci[fibonacci.count - 1] + fibonacci[fibonacci.count - 2]) }
        for (counts, limit) in [(fibonacci, 15), (Array(fibonacci.prefix(19)), 7), ([5, 0, 0, 0], 15), ([0, 0, 0], 7), ([1, 2, 3, 4], 2)] {
            let lengths = Huffman.codeLengths(counts, maxBits: limit).map(Int.init)
            XCTAssertLessThanOrEqual(lengths.max() ?? 0, limit, "\(counts)")
            let kraft = lengths.filter { $0 > 0 }.reduce(0.0) { $0 + pow(2.0, -Double($1)) }
            XCTAssertEqual(kraft, 1.0, accuracy: 1e-12, "\(counts) → \(lengths)")
            XCTAssertGreaterThanOrEqual(lengths.filter { $0 > 0 }.count, 2, "\(counts)")
            for i in counts.indices { for j in counts.indices where counts[i] > counts[j] && counts[j] > 0 {
                XCTAssertLessThanOrEqual(lengths[i], lengths[j], "\(counts) → \(lengths)")
            } }
        }
    }

    /// A `StoredTextCode` trained on some documents: other documents compressed with it
    /// use it (block type 3) and come back through `Decompressor` given the code (whole,
    /// and by prefix), are smaller than with codes of their own, and are refused without
    /// the code or with another one; incompressible text still goes into stored blocks.
    func testSharedCodeBlocks() throws {
        let dictionary = Array(dutch(2000).suffix(8192))
        let code = try XCTUnwrap(StoredTextCode.train(samples: (0..<40).map { _ in dutch(300) }, dictionary: dictionary))
        XCTAssertTrue(code.lengths.allSatisfy { (1...15).contains($0) })
        XCTAssertEqual(code.lengths.count, 316)
        let other = try XCTUnwrap(StoredTextCode.train(samples: [Array("xyz xyz xyz 12345 !!".utf8)], dictionary: []))
        XCTAssertNotEqual(code, other)
        let compressor = Compressor(raw: true)
        let decompressor = Decompressor()
        var shared = 0
        var withCode = 0
        var without = 0
        var texts = (0..<100).map { _ in dutch(Int(next() % 600) + 10) }
        texts.append((0..<5000).map { _ in UInt8(truncatingIfNeeded: next()) })
        texts.append(Array("a".utf8))
        for (i, text) in texts.enumerated() {
            var coded: [UInt8] = []
            var plain: [UInt8] = []
            text.withUnsafeBytes { t in dictionary.withUnsafeBytes { d in
                compressor.compress(t, dictionary: d, code: code, appendingTo: &coded)
                compressor.compress(t, dictionary: d, appendingTo: &plain)
            } }
            withCode += coded.count
            without += plain.count
            // After the length varint, the first block's type: bits 1 and 2 of its first byte.
            let varint = text.count < 128 ? 1 : 2
            let type = coded[varint] >> 1 & 3
            if type == 3 { shared += 1 }
            if i == 100 { XCTAssertEqual(type, 0, "random bytes: a stored block") }
            coded.withUnsafeBytes { c in dictionary.withUnsafeBytes { d in
                XCTAssertEqual(decompressor.decompress(c, dictionary: d, code: code), text, "text \(i)")
                let half = text.count / 2
                XCTAssertEqual(decompressor.decompress(c, dictionary: d, code: code, prefix: half), Array(text[..<half]), "text \(i)")
                if type == 3 {
                    XCTAssertNil(decompressor.decompress(c, dictionary: d), "text \(i) without its code")
                    XCTAssertNotEqual(decompressor.decompress(c, dictionary: d, code: other), text, "text \(i) with another code")
                    XCTAssertNil(Decompressor(zlibOnly: true).decompress(c, dictionary: d), "zlib has no block type 3")
                }
            } }
        }
        XCTAssertGreaterThan(shared, 90, "most documents use the shared code")
        XCTAssertLessThan(withCode, without, "with the code \(withCode) bytes, without \(without)")
        // Stored and parsed back.
        let parsed = code.serialized.withUnsafeBytes { StoredTextCode(serialized: $0) }
        XCTAssertEqual(parsed, code)
        XCTAssertEqual(code.serialized.count, StoredTextCode.serializedSize)
    }

    /// Lengths that are no code: out of 1...15, the wrong count, or over-subscribed.
    func testSharedCodeRejectsInvalidLengths() {
        let valid = [UInt8](repeating: 9, count: 286) + [UInt8](repeating: 5, count: 30)
        XCTAssertNotNil(StoredTextCode(lengths: valid))
        var zero = valid
        zero[7] = 0
        XCTAssertNil(StoredTextCode(lengths: zero))
        var long = valid
        long[300] = 16
        XCTAssertNil(StoredTextCode(lengths: long))
        XCTAssertNil(StoredTextCode(lengths: Array(valid.dropLast())))
        var oversubscribed = valid
        for i in 0..<3 { oversubscribed[i] = 1 }
        XCTAssertNil(StoredTextCode(lengths: oversubscribed))
        var distances = valid
        for i in 286..<316 { distances[i] = 4 }   // 30 codes of 4 bits: more than 16 fit
        XCTAssertNil(StoredTextCode(lengths: distances))
        XCTAssertNil([UInt8](repeating: 0, count: 157).withUnsafeBytes { StoredTextCode(serialized: $0) })
    }
}
