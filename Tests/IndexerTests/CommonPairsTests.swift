import XCTest
@testable import IndexFormat
import Indexer

/// The pair lists of `CommonPairs`: the documented worked example byte for byte, lists
/// read back against pairs counted here from random codes (with skips), damage, the
/// section the indexer writes, and the counting of a sequence of codes.
final class CommonPairsTests: XCTestCase {

    /// Codes (`CommonWords`) of a document of `codes.count` positions.
    static func pack(_ codes: [Int]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: CommonWords.byteCount(length: codes.count, count: 1))
        bytes.withUnsafeMutableBytes { b in
            for (p, c) in codes.enumerated() where c != 0 { CommonWords.set(b, at: p, to: c) }
        }
        return bytes
    }

    static func section(_ documents: [[Int]]) -> [UInt8] {
        var builder = CommonPairsBuilder()
        for d in documents { pack(d).withUnsafeBytes { builder.add(codes: $0, length: d.count) } }
        return builder.serialized()!
    }

    /// Document 0 "de kat de kat", documents 1 and 2 without pairs, document 3 "de de
    /// kat", with `de` 1 and `kat` 2.
    func testWorkedExample() throws {
        let bytes = Self.section([[1, 2, 1, 2], [0, 1], [], [1, 1, 2]])
        var expected: [UInt8] = [3, 0]
        // (1, 1) in 1 document, (1, 2) in 2, (2, 1) in 1; lists after the 2 + 3·14 + 4 bytes.
        let list11: [UInt8] = [3, 0, 0, 0, 1, 0, 0, 0, 7]                 // doc 3, TF 1: 3·2 + 1
        let list12: [UInt8] = [3, 0, 0, 0, 3, 0, 0, 0, 0, 2, 7]           // doc 0 TF 2; doc 3 TF 1
        let list21: [UInt8] = [0, 0, 0, 0, 1, 0, 0, 0, 1]                 // doc 0, TF 1
        var offset = 2 + 3 * 14 + 4
        for (a, b, df, list) in [(1, 1, 1, list11), (1, 2, 2, list12), (2, 1, 1, list21)] {
            expected += [UInt8(a), UInt8(b), UInt8(df), 0, 0, 0]
            expected += (0..<8).map { UInt8(truncatingIfNeeded: offset >> (8 * $0)) }
            offset += list.count + 4
        }
        expected += le32(expected.withUnsafeBytes { Checksum.crc32($0) })
        for list in [list11, list12, list21] { expected += list + le32(list.withUnsafeBytes { Checksum.crc32($0) }) }
        XCTAssertEqual(bytes, expected)

        try bytes.withUnsafeBytes { raw in
            let table = try XCTUnwrap(CommonPairTable(raw, documentCount: 4))
            XCTAssertEqual(table.count, 3)
            XCTAssertNil(table.number(2, 2))
            let n = try XCTUnwrap(table.number(1, 2))
            let list = try CommonPairPostings(list: table.bytes(n), documentFrequency: table.documentFrequency(n),
                                              documentCount: 4, file: "t", verify: true)
            XCTAssertEqual(try list.next(), 0)
            XCTAssertEqual(list.frequency, 2)
            XCTAssertEqual(try list.next(), 3)
            XCTAssertEqual(list.frequency, 1)
            XCTAssertEqual(try list.next(), PostingsIterator.exhausted)
        }
    }

    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// 1,000 documents of random codes (five words, so that lists run over several blocks
    /// of 128): every list, read by `next` and by `advance` to random targets, gives the
    /// documents and TFs counted here.
    func testListsReadBackAsCounted() throws {
        var rng = SystemRandomNumberGenerator()
        let documents = (0..<1000).map { _ in (0..<Int.random(in: 0..<40, using: &rng)).map { _ in Int.random(in: 0...5, using: &rng) == 0 ? 0 : Int.random(in: 1...5, using: &rng) } }
        var expected: [Int: [(Int32, Int)]] = [:]
        for (d, codes) in documents.enumerated() {
            var counts: [Int: Int] = [:]
            for p in codes.indices.dropLast() where codes[p] != 0 && codes[p + 1] != 0 { counts[codes[p] << 5 | codes[p + 1], default: 0] += 1 }
            for (k, tf) in counts { expected[k, default: []].append((Int32(d), tf)) }
        }
        XCTAssertTrue(expected.values.contains { $0.count > 300 }, "lists should span several blocks")
        let bytes = Self.section(documents)
        try bytes.withUnsafeBytes { raw in
            let table = try XCTUnwrap(CommonPairTable(raw, documentCount: documents.count))
            XCTAssertEqual(table.count, expected.count)
            for a in 1...5 {
                for b in 1...5 {
                    let want = expected[a << 5 | b] ?? []
                    guard let n = table.number(a, b) else { XCTAssertTrue(want.isEmpty); continue }
                    XCTAssertEqual(table.documentFrequency(n), want.count)
                    func open() throws -> CommonPairPostings {
                        try CommonPairPostings(list: table.bytes(n), documentFrequency: want.count, documentCount: documents.count, file: "t", verify: true)
                    }
                    let all = try open()
                    var got: [(Int32, Int)] = []
                    while try all.next() != PostingsIterator.exhausted { got.append((all.document, all.frequency)) }
                    XCTAssertEqual(got.map(\.0), want.map(\.0))
                    XCTAssertEqual(got.map(\.1), want.map(\.1))
                    let skipping = try open()
                    var target: Int32 = 0
                    while true {
                        target += Int32.random(in: 0...300, using: &rng)
                        let d = try skipping.advance(to: target)
                        guard let i = want.firstIndex(where: { $0.0 >= target }) else {
                            XCTAssertEqual(d, PostingsIterator.exhausted)
                            break
                        }
                        XCTAssertEqual(d, want[i].0)
                        XCTAssertEqual(skipping.frequency, want[i].1)
                        target = d
                    }
                }
            }
        }
    }

    /// A changed byte in a list fails its checksum; unchecked, a list whose skip entry
    /// points past its entries, or whose entries run past a block, is an error.
    func testDamageIsAnError() throws {
        let documents = (0..<300).map { d in [1, 2, d % 3 == 0 ? 1 : 0, 2] }
        var bytes = Self.section(documents)
        try bytes.withUnsafeBytes { raw in
            let table = try XCTUnwrap(CommonPairTable(raw, documentCount: 300))
            XCTAssertNil(CommonPairTable(raw, documentCount: 10), "a document frequency past the documents")
            _ = table
        }
        let tableEnd = 2 + 2 * 14
        // The table's CRC.
        bytes[3] ^= 1
        bytes.withUnsafeBytes { XCTAssertNil(CommonPairTable($0, documentCount: 300)) }
        bytes[3] ^= 1
        // The first list's first skip entry's End, then one of its entries.
        for (at, verify) in [(tableEnd + 4 + 4, false), (tableEnd + 4 + 24 + 5, true)] {
            var damaged = bytes
            damaged[at] ^= 0x40
            try damaged.withUnsafeBytes { raw in
                let table = try XCTUnwrap(CommonPairTable(raw, documentCount: 300))
                let n = try XCTUnwrap(table.number(1, 2))
                XCTAssertThrowsError(try {
                    let list = try CommonPairPostings(list: table.bytes(n), documentFrequency: table.documentFrequency(n),
                                                      documentCount: 300, file: "t", verify: verify)
                    while try list.next() != PostingsIterator.exhausted {}
                }(), "byte \(at)")
            }
        }
    }

    /// The indexer writes the section, `check` compares it with the codes, and a phrase
    /// of common words reads it.
    func testIndexerWritesThePairs() throws {
        let docs = TemporaryFolder(), ix = TemporaryFolder()
        docs.write("a.txt", "Het is de kat van de buren, van de buren!")
        docs.write("b.txt", "De kat")
        _ = try IndexWriter(indexPath: ix.path).index(folder: docs.path, options: IndexOptions())
        let reader = try SegmentReader(directory: ix.path, name: "seg-000001")
        XCTAssertEqual(reader.version, SegmentFormat.versionCommonPairs)
        let de = reader.commonWordCode(Array("de".utf8)), van = reader.commonWordCode(Array("van".utf8))
        let list = try XCTUnwrap(try reader.pairPostings(van, de))
        XCTAssertEqual(try list.next(), 0)
        XCTAssertEqual(list.frequency, 2)
        XCTAssertEqual(try list.next(), PostingsIterator.exhausted)
        XCTAssertEqual(try XCTUnwrap(try reader.pairPostings(de, van)).documentFrequency, 0)
        let het = reader.commonWordCode(Array("het".utf8)), `is` = reader.commonWordCode(Array("is".utf8))
        XCTAssertEqual(try XCTUnwrap(try reader.pairPostings(het, `is`)).documentFrequency, 1)
        XCTAssertEqual(try IndexChecker(directory: IndexDirectory(path: ix.path)).run().problems, [])
    }

    /// Counting a sequence 64 bits at a time gives what checking each position gives,
    /// sequences of one to twelve codes, documents of up to 200 positions.
    func testSequenceCountMatchesCodeByCode() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let codes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in Int.random(in: 0...3, using: &rng) }
            let pattern = (0..<Int.random(in: 1...12, using: &rng)).map { _ in Int.random(in: 1...3, using: &rng) }
            let packed = Self.pack(codes)
            var naive = 0
            if codes.count >= pattern.count {
                for p in 0...(codes.count - pattern.count) where pattern.indices.allSatisfy({ codes[p + $0] == pattern[$0] }) { naive += 1 }
            }
            packed.withUnsafeBytes { XCTAssertEqual(CommonWords.Sequence(pattern).count(in: $0), naive, "\(codes) \(pattern)") }
        }
    }
}
