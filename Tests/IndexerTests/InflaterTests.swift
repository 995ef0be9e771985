import Foundation
@testable import IndexFormat
import XCTest

/// `Inflater` (the stored text's decoder) against zlib: what zlib's deflate makes at
/// every level comes back whole and by prefixes, decoding in steps gives the same bytes
/// as in one go, and damaged streams never crash it: whatever zlib's inflate accepts, it
/// decodes to the same bytes, and what it accepts whole has the declared length.
final class InflaterTests: XCTestCase {
    var random = TextGenerator(state: 987_654_321)
    /// 31 random bits.
    func next() -> UInt64 { random.next() >> 33 }
    func dutch(_ words: Int) -> [UInt8] { Array(random.document(words: words).utf8) }

    /// The length varint and raw DEFLATE of `text`, from zlib at `level` or (level 0)
    /// from `DeflateEncoder`.
    func compressed(_ text: [UInt8], dictionary: [UInt8], level: Int32) -> [UInt8] {
        let compressor = level == 0 ? Compressor(raw: true) : Compressor(level: level, raw: true, zlibOnly: true)
        var out: [UInt8] = []
        text.withUnsafeBytes { t in dictionary.withUnsafeBytes { compressor.compress(t, dictionary: $0, appendingTo: &out) } }
        return out
    }

    func inflate(_ blob: [UInt8], dictionary: [UInt8], prefix: Int = Int.max, zlib: Bool = false) -> [UInt8]? {
        blob.withUnsafeBytes { b in dictionary.withUnsafeBytes { Decompressor(zlibOnly: zlib).decompress(b, dictionary: $0, prefix: prefix) } }
    }

    func texts() -> [[UInt8]] {
        var texts: [[UInt8]] = [[0x61], Array("de kat krabt de krullen van de trap".utf8)]
        for words in [3, 30, 300, 3000, 20_000] { texts.append(dutch(words)) }
        texts.append(Array(repeating: 0x20, count: 70_000))                            // distance 1, length 258
        texts.append((0..<40_000).map { _ in UInt8(truncatingIfNeeded: next()) })      // stored blocks
        texts.append((0..<5000).map { _ in UInt8(truncatingIfNeeded: next() % 3) })    // distances 2 to 7
        texts.append(Array(String(repeating: "één, twee — drie 🙂 ", count: 400).utf8))
        return texts
    }

    func testDecodesWhatZlibMakesAtEveryLevelWholeAndByPrefixes() {
        let dictionaries: [[UInt8]] = [[], Array(dutch(1500).suffix(8192))]
        for (i, text) in texts().enumerated() {
            for level: Int32 in [0, 1, 6, 9] {
                let dictionary = dictionaries[(i + Int(level)) % 2]
                let blob = compressed(text, dictionary: dictionary, level: level)
                XCTAssertTrue(inflate(blob, dictionary: dictionary) == text, "text \(i), level \(level)")
                for _ in 0..<5 {
                    let prefix = Int(next() % UInt64(text.count + 1))
                    XCTAssertTrue(inflate(blob, dictionary: dictionary, prefix: prefix) == Array(text.prefix(prefix)),
                                  "text \(i), level \(level), prefix \(prefix)")
                }
            }
        }
    }

    func testDecodingInStepsGivesTheSameBytes() {
        let dictionary = Array(dutch(1500).suffix(8192))
        let inflater = Inflater()
        for text in texts() {
            let blob = compressed(text, dictionary: dictionary, level: 0)
            var reader = ByteReader(blob.withUnsafeBytes { $0 })
            _ = reader.readInt()
            let offset = reader.offset
            blob.withUnsafeBytes { b in
                dictionary.withUnsafeBytes { d in
                    inflater.start(UnsafeRawBufferPointer(rebasing: b[offset...]), dictionary: d, length: text.count)
                    var until = 0
                    while until < text.count {
                        until = min(text.count, until + Int(next() % 700) + 1)
                        XCTAssertTrue(inflater.inflate(until: until))
                        XCTAssertGreaterThanOrEqual(inflater.produced, until)
                        XCTAssertTrue(Array(inflater.text.prefix(until)) == Array(text.prefix(until)), "\(until) bytes")
                    }
                    // The whole length asked for: the stream must end there.
                    XCTAssertTrue(inflater.inflate(until: text.count))
                    XCTAssertTrue(Array(inflater.text) == text, "\(text.count) bytes")
                }
            }
        }
    }

    func testDamagedStreamsNeverCrashAndAgreeWithZlib() {
        let dictionary = Array(dutch(1500).suffix(8192))
        var blobs: [([UInt8], Int)] = []
        for text in texts() where text.count < 30_000 {
            for level: Int32 in [0, 6] { blobs.append((compressed(text, dictionary: dictionary, level: level), text.count)) }
        }
        var accepted = 0
        for round in 0..<3000 {
            var (blob, _) = blobs[round % blobs.count]
            switch next() % 4 {
            case 0:   // a few bytes changed
                for _ in 0..<(1 + Int(next() % 3)) { blob[1 + Int(next()) % (blob.count - 1)] ^= UInt8(truncatingIfNeeded: next() | 1) }
            case 1:   // cut short
                blob.removeLast(1 + Int(next()) % (blob.count - 1))
            case 2:   // garbage after a valid length
                blob = Array(blob.prefix(3)) + (0..<Int(next() % 600)).map { _ in UInt8(truncatingIfNeeded: next()) }
            default:  // a wrong declared length
                blob[0] ^= UInt8(truncatingIfNeeded: 1 << (next() % 7))
            }
            let ours = inflate(blob, dictionary: dictionary)
            let theirs = inflate(blob, dictionary: dictionary, zlib: true)
            if let theirs {
                XCTAssertTrue(ours == theirs, "round \(round): zlib accepts, the inflater must agree")
            }
            if let ours {
                accepted += 1
                var reader = ByteReader(blob.withUnsafeBytes { $0 })
                XCTAssertEqual(ours.count, reader.readInt(), "round \(round)")
            }
            // Prefixes of damaged streams: no crash, and never more than asked for.
            let prefix = Int(next() % 3000)
            if let part = inflate(blob, dictionary: dictionary, prefix: prefix) { XCTAssertLessThanOrEqual(part.count, prefix) }
        }
        XCTAssertLessThan(accepted, 3000, "damage must be noticed")
    }
}
