import Foundation
@testable import IndexFormat
import XCTest

final class SegmentFormatTests: XCTestCase {
    func record(_ i: Int) -> DocumentRecord {
        DocumentRecord(path: String(format: "doc%02d.txt", i), title: "t", size: 1, mtime: 0, contentHash: 0)
    }

    func positions(_ values: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        var previous: UInt32 = 0
        for v in values { appendVarint(v - previous, to: &out); previous = v }
        return out
    }

    /// The stored dictionaries section of version 8: each dictionary's bytes, then its
    /// code (158 bytes after their length, 0x9E 0x01) or none (length 0); the reader
    /// gives the codes back and decodes documents compressed with them.
    func testStoredDictionariesWithCodes() throws {
        let folder = NSTemporaryDirectory() + "/segfmt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bytes = Array(String(repeating: "de aanval op de stad en het veto van de raad ", count: 4).utf8)
        let texts = (0..<5).map { Array("De aanval \($0) op de stad: het veto van de Veiligheidsraad, de stad en de raad.".utf8) }
        let code = try XCTUnwrap(StoredTextCode.train(samples: texts, dictionary: bytes))
        let dictionaries = [StoredTextDictionary(bytes: bytes, code: code), StoredTextDictionary(bytes: Array("xyz".utf8))]
        var w = try SegmentWriter(directory: folder, name: "seg-000001", storedDictionaries: dictionaries)
        for (i, text) in texts.enumerated() {
            let number = i % 2 == 0 ? 1 : 2
            let blob = text.withUnsafeBytes { t in
                dictionaries[number - 1].bytes.withUnsafeBytes {
                    StoredDocument.encode(utf8: t, checkpoints: [], dictionary: (number, $0), code: dictionaries[number - 1].code)
                }
            }
            try blob.withUnsafeBytes { try w.addDocument(record(i), length: 10, storedBlob: $0) }
        }
        _ = try w.finish()
        let reader = try SegmentReader(directory: folder, name: "seg-000001")
        let section = Array(reader.file.bytes[reader.sections[.storedDictionaries]!.range])
        XCTAssertEqual(bytes.count, 180)
        XCTAssertEqual(section, [2, 0xB4, 0x01] + bytes + [0x9E, 0x01] + code.serialized + [3] + Array("xyz".utf8) + [0])
        XCTAssertEqual(reader.storedCodes.count, 2)
        XCTAssertEqual(reader.storedCodes[0], code)
        XCTAssertNil(reader.storedCodes[1])
        for (i, text) in texts.enumerated() {
            XCTAssertEqual(try reader.storedDocument(i).text, text)
            let outline = try XCTUnwrap(try reader.storedOutline(i))
            let start = try reader.storedText(i, outline: outline, utf16Prefix: 10, decompressor: Decompressor())
            XCTAssertTrue(start.count >= 10 && text.starts(with: start), "\(start)")
        }
        // The first document's blob uses the code: without it, it does not decode.
        let blob = try reader.storedBlob(0)
        XCTAssertNil(StoredDocument.decode(blob, dictionaries: reader.storedDictionaries, dictionaryChecksums: reader.storedDictionaryChecksums))
        XCTAssertNotNil(StoredDocument.decode(blob, dictionaries: reader.storedDictionaries, codes: reader.storedCodes))
        // Its checksum covers the code: checked against the dictionary's bytes alone, it fails.
        XCTAssertNil(StoredDocument.decode(blob, dictionaries: reader.storedDictionaries, codes: reader.storedCodes,
                                           dictionaryChecksums: reader.storedDictionaries.map { Checksum.crc32($0) }))
        XCTAssertNotEqual(reader.storedDictionaryChecksums[0], Checksum.crc32(reader.storedDictionaries[0]))
        XCTAssertEqual(reader.storedDictionaryChecksums[1], Checksum.crc32(reader.storedDictionaries[1]))
    }

    /// The worked example of `SegmentFormat`: a term once in document 7 and three times in
    /// document 11 (positions 2, 5, 9) is the tail vints 15, 8, 3 and positions 2, 3, 4,
    /// inline in its dictionary entry; a term whose list exceeds `inlineLimit` has them in
    /// the postings and positions sections, with two CRC-32Cs.
    func testWorkedExampleBytes() throws {
        let folder = NSTemporaryDirectory() + "/segfmt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var w = try SegmentWriter(directory: folder, name: "seg-000001")
        for i in 0..<12 { try [UInt8]().withUnsafeBytes { try w.addDocument(record(i), length: 20 + i, storedBlob: $0) } }
        try Array("x".utf8).withUnsafeBufferPointer { try w.beginTerm($0) }
        try positions([4]).withUnsafeBytes { try w.addPosting(document: 7, frequency: 1, encodedPositions: $0) }
        try positions([2, 5, 9]).withUnsafeBytes { try w.addPosting(document: 11, frequency: 3, encodedPositions: $0) }
        try w.endTerm()
        // "y": in document 7 once, in document 11 at positions 0...60: 3 + 62 bytes.
        try Array("y".utf8).withUnsafeBufferPointer { try w.beginTerm($0) }
        try positions([4]).withUnsafeBytes { try w.addPosting(document: 7, frequency: 1, encodedPositions: $0) }
        let sixtyOne = (0...60).map { UInt32($0) }
        try positions(sixtyOne).withUnsafeBytes { try w.addPosting(document: 11, frequency: 61, encodedPositions: $0) }
        try w.endTerm()
        _ = try w.finish()
        let reader = try SegmentReader(directory: folder, name: "seg-000001")
        let terms = Array(reader.file.bytes[reader.sections[.terms]!.range])
        // "x": inline (2·2+1), MaxTF 3, MinLength 27 (document 7), 3 bytes of documents,
        // 4 of positions. "y": prefix 0, its postings and positions at offset 0, MaxTF 61, MinLength 27.
        XCTAssertEqual(terms, [0, 1, 0x78, 5, 3, 27, 3, 4, 15, 8, 3, 4, 2, 3, 4,
                               0, 1, 0x79, 4, 0, 0, 61, 27])
        let postings = Array(reader.file.bytes[reader.sections[.postings]!.range])
        // TailPositionsLength 62, two CRC-32Cs, then the tail documents 15, 8, 61.
        XCTAssertEqual(postings.count, 1 + 8 + 3)
        XCTAssertEqual(postings.first, 62)
        XCTAssertEqual(Array(postings.suffix(3)), [15, 8, 61])
        let pos = Array(reader.file.bytes[reader.sections[.positions]!.range])
        XCTAssertEqual(pos, [4, 0] + [UInt8](repeating: 1, count: 60))
        let header = Array(reader.file.bytes[0..<16])
        // Version 10: CRC-32C checksums, stored text with preset dictionaries and their
        // codes, inline lists, u32 offsets, packed positions with chunk tables, records
        // with titles, impacts of full blocks (none here), common-word pairs (none: no
        // common words); the header's CRC-32C.
        XCTAssertEqual(Array(header[0..<12]), Array("SCTLSEGM".utf8) + [10, 0, 0, 0])
        XCTAssertEqual(Array(header[12..<16]), withUnsafeBytes(of: Array(header[0..<12]).withUnsafeBytes { Checksum.crc32($0) }.littleEndian) { Array($0) })
        // Records: path, title ("t"), size, mtime, hash and CRC-32C (33 bytes each here);
        // offsets as u32 (the sections are far below 4 GiB), one more than documents.
        let documents = Array(reader.file.bytes[reader.sections[.documents]!.range])
        XCTAssertEqual(documents.count, 12 * 33)
        let first = Array(documents[0..<29])
        XCTAssertEqual(first, [9] + Array("doc00.txt".utf8) + [1, 0x74] + [1] + [UInt8](repeating: 0, count: 16))
        XCTAssertEqual(Array(documents[29..<33]), first.withUnsafeBytes { c in withUnsafeBytes(of: Checksum.crc32(c).littleEndian) { Array($0) } })
        XCTAssertEqual(reader.sections[.documentOffsets]!.range.count, 13 * 4)
        XCTAssertEqual(reader.sections[.storedOffsets]!.range.count, 13 * 4)
        XCTAssertEqual(try reader.document(3).path, "doc03.txt")
        XCTAssertEqual(try reader.document(3).title, "t", "stored in the record")
        // No dictionary was given: the section holds a count of 0.
        XCTAssertEqual(Array(reader.file.bytes[reader.sections[.storedDictionaries]!.range]), [0])
        // No common words: no pairs, a count of 0 and the CRC-32C of those two bytes.
        XCTAssertEqual(Array(reader.file.bytes[reader.sections[.commonPairs]!.range]), [0, 0] + withUnsafeBytes(of: Checksum.crc32([0, 0]).littleEndian) { Array($0) })
        // The two CRC-32Cs: of the tail's positions, then of its documents.
        let crcs = postings[1..<9].withUnsafeBytes { ($0.loadUnaligned(as: UInt32.self), $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
        XCTAssertEqual(UInt32(littleEndian: crcs.0), Checksum.crc32(pos))
        XCTAssertEqual(UInt32(littleEndian: crcs.1), Checksum.crc32([15, 8, 61]))
        // Both read back.
        for (term, expected) in [("x", [(7, [Int32(4)]), (11, [2, 5, 9])]), ("y", [(7, [4]), (11, (0...60).map { Int32($0) })])] {
            let info = try XCTUnwrap(try reader.lookup(term))
            XCTAssertEqual(info.inline != nil, term == "x")
            let it = try reader.postings(info)
            var got: [(Int, [Int32])] = []
            var p: [Int32] = []
            while try it.next() != PostingsIterator.exhausted {
                try it.positions(into: &p)
                got.append((Int(it.doc), p))
            }
            XCTAssertEqual(got.map(\.0), expected.map(\.0), term)
            XCTAssertEqual(got.map(\.1), expected.map(\.1), term)
        }
    }

    /// Postings lists of 0, 1, 127, 128, 129, 300 and 1000 documents, with varied gaps
    /// and frequencies, read back exactly, also when skipping with `advance(to:)`.
    func testPostingsBlocksAndSkipping() throws {
        let folder = NSTemporaryDirectory() + "/segfmt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let docCount = 5000
        var w = try SegmentWriter(directory: folder, name: "seg-000001")
        for i in 0..<docCount { try [UInt8]().withUnsafeBytes { try w.addDocument(record(i), length: 50 + i % 100, storedBlob: $0) } }
        var expected: [String: [(Int, [UInt32])]] = [:]
        var seed: UInt64 = 99
        func rand(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        for (name, count) in [("a1", 1), ("a127", 127), ("a128", 128), ("a129", 129), ("a300", 300), ("b1000", 1000)] {
            var docs = Set<Int>()
            while docs.count < count { docs.insert(rand(docCount)) }
            var list: [(Int, [UInt32])] = []
            for d in docs.sorted() {
                let tf = 1 + (rand(10) == 0 ? rand(200) : rand(3))
                var p: [UInt32] = []
                var at = UInt32(rand(5))
                for _ in 0..<tf { p.append(at); at += 1 + UInt32(rand(1000)) }
                list.append((d, p))
            }
            expected[name] = list
            try Array(name.utf8).withUnsafeBufferPointer { try w.beginTerm($0) }
            for (d, p) in list { try positions(p).withUnsafeBytes { try w.addPosting(document: d, frequency: p.count, encodedPositions: $0) } }
            try w.endTerm()
        }
        _ = try w.finish()
        let reader = try SegmentReader(directory: folder, name: "seg-000001")
        var buffer: [Int32] = []
        var tighterBlocks = 0
        for (name, list) in expected {
            let info = try XCTUnwrap(try reader.lookup(name), name)
            XCTAssertEqual(info.documentFrequency, list.count)
            XCTAssertEqual(info.maxFrequency, list.map { $0.1.count }.max())
            // Sequential.
            let it = try reader.postings(info)
            var k = 0
            while try it.next() != PostingsIterator.exhausted {
                XCTAssertEqual(Int(it.doc), list[k].0, "\(name) #\(k)")
                try it.positions(into: &buffer)
                XCTAssertEqual(buffer.map(UInt32.init), list[k].1, "\(name) #\(k)")
                k += 1
            }
            XCTAssertEqual(k, list.count)
            // Each block's score bound (its impacts) covers each of its postings, and is
            // at least their best BM25 score; below the bound of the block's largest tf
            // with its smallest length where those come from different documents.
            let blocks = try reader.postings(info)
            let score = { (tf: Int, dl: Int) in Double(tf) * 2.2 / (Double(tf) + 1.2 * (0.25 + 0.75 * Double(dl) / 100)) }
            for b in 0..<blocks.blockTotal {
                let n = try blocks.loadBlock(b)
                var best = 0.0
                for i in 0..<n {
                    let tf = Int(blocks.blockFrequencies[i]), dl = reader.length(of: Int(blocks.blockDocuments[i]))
                    XCTAssertEqual(blocks.maxScore(ofBlock: b) { $0 >= tf && $1 <= dl ? 1 : 0 }, 1, "\(name) block \(b) covers #\(i)")
                    best = max(best, score(tf, dl))
                }
                let bound = blocks.maxScore(ofBlock: b, score)
                XCTAssertGreaterThanOrEqual(bound, best, "\(name) block \(b)")
                if bound < score(blocks.maxFrequency(ofBlock: b), blocks.minLength(ofBlock: b)) { tighterBlocks += 1 }
            }
            // Bounded decoding (`upTo`): a prefix that reaches past the bound (or all), and
            // the documents after it (and the same one again, whole) still decode right.
            let bounded = try reader.postings(info)
            let room = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
            defer { room.deallocate() }
            k = 0
            while try bounded.next() != PostingsIterator.exhausted {
                let all = list[k].1.map { Int32($0) }
                if k % 3 != 2 {
                    let limit = Int64(all[all.count / 2])
                    let n = try bounded.positions(intoBuffer: room, upTo: limit)
                    let got = Array(UnsafeBufferPointer(start: room, count: n))
                    XCTAssertEqual(got, Array(all.prefix(n)), "\(name) #\(k) up to \(limit)")
                    XCTAssertTrue(n == all.count || (got.last.map { Int64($0) > limit } ?? false), "\(name) #\(k): stops only past the bound")
                    XCTAssertTrue(all.prefix(n).count >= all.filter { Int64($0) <= limit }.count, "\(name) #\(k): every position up to the bound")
                }
                if k % 5 == 0 {
                    try bounded.positions(into: &buffer)
                    XCTAssertEqual(buffer, all, "\(name) #\(k) whole after a bounded read")
                }
                k += 1
            }
            XCTAssertEqual(k, list.count)
            // Skipping: every 37th target, positions still right.
            let skipper = try reader.postings(info)
            for target in stride(from: 0, to: docCount, by: 37) {
                let got = try skipper.advance(to: Int32(target))
                if let e = list.first(where: { $0.0 >= target }) {
                    XCTAssertEqual(Int(got), e.0, "\(name) advance(to: \(target))")
                    try skipper.positions(into: &buffer)
                    XCTAssertEqual(buffer.map(UInt32.init), e.1)
                } else {
                    XCTAssertEqual(got, PostingsIterator.exhausted)
                    break
                }
            }
        }
        XCTAssertGreaterThan(tighterBlocks, 5, "impacts bound blocks more tightly than their largest tf and smallest length")
        XCTAssertNil(try reader.lookup("a12"))
        XCTAssertEqual(try reader.terms(withPrefix: Array("a1".utf8)).map { String(decoding: $0.0, as: UTF8.self) },
                       ["a1", "a127", "a128", "a129"])
    }

    /// `lookup` finds every term of a dictionary of many blocks with the info that a scan
    /// of the dictionary gives, and nothing for words that are not in it: terms that are
    /// prefixes and extensions of one another, sharing long prefixes across block
    /// boundaries, and words before, between and after them.
    func testLookupFindsExactlyTheDictionaryTerms() throws {
        let folder = NSTemporaryDirectory() + "/segfmt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var seed: UInt64 = 7
        func rand(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        // Words over a small alphabet, so that many share prefixes and many are prefixes.
        var set = Set<[UInt8]>()
        while set.count < 1500 { set.insert((0..<(1 + rand(7))).map { _ in UInt8(0x61 + rand(3)) }) }
        set.insert(Array("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz".utf8))
        set.insert(Array("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzé".utf8))
        let terms = set.sorted { $0.lexicographicallyPrecedes($1) }
        let docCount = 200
        var w = try SegmentWriter(directory: folder, name: "seg-000001")
        for i in 0..<docCount { try [UInt8]().withUnsafeBytes { try w.addDocument(record(i), length: 300, storedBlob: $0) } }
        for (k, term) in terms.enumerated() {
            try term.withUnsafeBufferPointer { try w.beginTerm($0) }
            // Lists of one to 150 documents: inline ones and ones in the postings section.
            let count = 1 + k % 150
            for d in 0..<count {
                try positions([UInt32(k % 7)]).withUnsafeBytes { try w.addPosting(document: d, frequency: 1, encodedPositions: $0) }
            }
            try w.endTerm()
        }
        _ = try w.finish()
        let reader = try SegmentReader(directory: folder, name: "seg-000001")
        var scanned: [[UInt8]: TermInfo] = [:]
        try reader.forEachTerm { t, info in scanned[Array(t)] = info }
        XCTAssertEqual(scanned.count, terms.count)
        for term in terms {
            let found = try term.withUnsafeBufferPointer { try reader.lookup($0) }
            XCTAssertEqual(found, scanned[term], String(decoding: term, as: UTF8.self))
            XCTAssertEqual(found?.documentFrequency, 1 + terms.firstIndex(of: term)! % 150)
        }
        // Not in the dictionary: each term with a byte added after, or before, or its last
        // byte changed; the empty word; and words outside the range.
        var absent: [[UInt8]] = [[], [0x60], [0x7B], Array("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz".utf8)]
        for term in terms {
            absent.append(term + [0x61 + UInt8(rand(4))])
            absent.append([0x61 + UInt8(rand(4))] + term)
            absent.append(term.dropLast() + [term.last! &+ 1])
            absent.append(term.dropLast() + [term.last! &- 1])
        }
        for word in absent where !set.contains(word) {
            XCTAssertNil(try word.withUnsafeBufferPointer { try reader.lookup($0) }, String(decoding: word, as: UTF8.self))
        }
    }

    /// `advanceTogether` lands both iterators on each common document in turn, merging
    /// blocks or not, from every kind of start: lists of unlike and alike densities,
    /// full blocks and tails, with their positions still right after landing.
    func testAdvanceTogetherFindsEveryCommonDocument() throws {
        let folder = NSTemporaryDirectory() + "/segfmt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let docCount = 4000
        var w = try SegmentWriter(directory: folder, name: "seg-000001")
        for i in 0..<docCount { try [UInt8]().withUnsafeBytes { try w.addDocument(record(i), length: 50, storedBlob: $0) } }
        var seed: UInt64 = 7
        func rand(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        var lists: [String: [Int: [UInt32]]] = [:]
        // Names in order, as the writer wants them; a run of neighbours in "c" and "d".
        for (name, count) in [("a", 3500), ("b", 2600), ("c", 900), ("d", 700), ("e", 130), ("f", 40), ("g", 3)] {
            var docs = Set<Int>()
            if name == "c" || name == "d" { for d in 1000..<1300 { docs.insert(d) } }
            while docs.count < count { docs.insert(rand(docCount)) }
            var list: [Int: [UInt32]] = [:]
            for d in docs {
                var at = UInt32(rand(4))
                list[d] = (0..<(1 + rand(4))).map { _ in defer { at += 1 + UInt32(rand(50)) }; return at }
            }
            lists[name] = list
            try Array(name.utf8).withUnsafeBufferPointer { try w.beginTerm($0) }
            for d in list.keys.sorted() {
                try positions(list[d]!).withUnsafeBytes { try w.addPosting(document: d, frequency: list[d]!.count, encodedPositions: $0) }
            }
            try w.endTerm()
        }
        _ = try w.finish()
        let reader = try SegmentReader(directory: folder, name: "seg-000001")
        var buffer: [Int32] = []
        let names = lists.keys.sorted()
        for first in names {
            for second in names where second != first {
                let common = Set(lists[first]!.keys).intersection(lists[second]!.keys).sorted()
                for merging in [false, true] {
                    let label = "\(first) with \(second), merging \(merging)"
                    // Every common document in turn.
                    let a = try reader.postings(XCTUnwrap(reader.lookup(first)))
                    let b = try reader.postings(XCTUnwrap(reader.lookup(second)))
                    var found: [Int] = []
                    var target: Int32 = 0
                    while true {
                        let d = try a.advanceTogether(with: b, to: target, merging: merging)
                        if d == PostingsIterator.exhausted { break }
                        XCTAssertEqual(a.doc, d, label)
                        XCTAssertEqual(b.doc, d, label)
                        found.append(Int(d))
                        if found.count % 7 == 0 {
                            try b.positions(into: &buffer)
                            XCTAssertEqual(buffer.map(UInt32.init), lists[second]![Int(d)], label)
                            try a.positions(into: &buffer)
                            XCTAssertEqual(buffer.map(UInt32.init), lists[first]![Int(d)], label)
                        }
                        target = d + 1
                    }
                    XCTAssertEqual(found.count, common.count, label)
                    if let k = zip(found, common).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                        XCTFail("\(label): common document #\(k) is \(common[k]), found \(found[k])")
                    }
                    // Jumps: the first common document at or after each target.
                    let c = try reader.postings(XCTUnwrap(reader.lookup(first)))
                    let e = try reader.postings(XCTUnwrap(reader.lookup(second)))
                    var jump = 0
                    while jump < docCount {
                        let d = try c.advanceTogether(with: e, to: Int32(jump), merging: merging)
                        if let expected = common.first(where: { $0 >= jump }) {
                            XCTAssertEqual(Int(d), expected, "\(label) from \(jump)")
                            XCTAssertEqual(Int(c.frequency), lists[first]![expected]!.count, label)
                            XCTAssertEqual(Int(e.frequency), lists[second]![expected]!.count, label)
                            jump = max(jump, expected) + 1 + rand(300)
                        } else {
                            XCTAssertEqual(d, PostingsIterator.exhausted, "\(label) from \(jump)")
                            break
                        }
                    }
                }
            }
        }
    }

    /// Every width, unpacked by the scalar code and (on a CPU with AVX2, with the 16 bytes
    /// of room after the block that it reads) by the vector code.
    func testBitPackingRoundTripsEveryWidth() {
        let vector = BitPacking.vectorUnpack
        defer { BitPacking.vectorUnpack = vector }
        for useVector in [false, true] {
            BitPacking.vectorUnpack = useVector && vector
            for width in 0...32 {
                var values = [UInt32](repeating: 0, count: BitPacking.blockSize)
                if width > 0 {
                    let top: UInt64 = (1 << UInt64(width)) - 1
                    for i in values.indices { values[i] = UInt32(UInt64(i &* 2654435761) & top) }
                    values[5] = UInt32(top)
                }
                var packed: [UInt8] = []
                values.withUnsafeBufferPointer { BitPacking.pack($0, into: &packed) }
                XCTAssertEqual(packed.count, BitPacking.packedSize(bitWidth: width), "width \(width)")
                packed += [UInt8](repeating: 0xA5, count: 16)
                var out = [UInt32](repeating: 0, count: BitPacking.blockSize)
                let end = packed.withUnsafeBytes { raw in out.withUnsafeMutableBufferPointer { BitPacking.unpack(raw, at: 0, into: $0.baseAddress!) } }
                XCTAssertEqual(end, packed.count - 16)
                XCTAssertEqual(out, values, "width \(width), vector \(useVector)")
                // Plus a constant (frequencies are stored less one), wrapping.
                let plus = packed.withUnsafeBytes { raw in out.withUnsafeMutableBufferPointer { BitPacking.unpack(raw, at: 0, into: $0.baseAddress!, adding: 1) } }
                XCTAssertEqual(plus, end)
                XCTAssertEqual(out, values.map { $0 &+ 1 }, "width \(width), adding 1")
                // Running sums from a start (document deltas to documents): 64-bit sums,
                // each output its sum's low 32 bits.
                let start: UInt64 = 4_000_000_000
                let running = packed.withUnsafeBytes { raw in out.withUnsafeMutableBufferPointer { BitPacking.unpackRunningSums(raw, at: 0, into: $0.baseAddress!, from: start) } }
                var sum = start
                var expected: [UInt32] = []
                for v in values {
                    sum += UInt64(v)
                    expected.append(UInt32(truncatingIfNeeded: sum))
                }
                XCTAssertEqual(running?.end, end)
                XCTAssertEqual(running?.last, sum, "width \(width)")
                XCTAssertEqual(out, expected, "width \(width), running sums, vector \(useVector)")
                // Short blocks: the first n values, in ⌈n / 8⌉ · width bytes.
                for n in [1, 7, 8, 9, 63, 127] {
                    var short: [UInt8] = []
                    values.withUnsafeBufferPointer { BitPacking.packShort(UnsafeBufferPointer(rebasing: $0[0..<n]), bitWidth: width, into: &short) }
                    XCTAssertEqual(short.count, 1 + (n + 7) / 8 * width, "width \(width), \(n) values")
                    short += [UInt8](repeating: 0xA5, count: 16)
                    var got = [UInt32](repeating: 0xDEAD, count: BitPacking.blockSize)
                    let shortEnd = short.withUnsafeBytes { raw in
                        got.withUnsafeMutableBufferPointer { BitPacking.unpackShort(raw, at: 0, count: n, into: $0.baseAddress!) }
                    }
                    XCTAssertEqual(shortEnd, short.count - 16)
                    XCTAssertEqual(short.withUnsafeBytes { BitPacking.packedEnd($0, at: 0, count: n) }, shortEnd)
                    XCTAssertEqual(Array(got[0..<n]), Array(values[0..<n]), "width \(width), \(n) values, vector \(useVector)")
                    if n < 120 { XCTAssertEqual(got[(n + 7) / 8 * 8], 0xDEAD, "nothing written past the last group") }
                }
            }
        }
    }

    /// A compressor reused from document to document gives each document the bytes a
    /// fresh one gives it, whatever it compressed before, and they decompress.
    func testReusedCompressorIsIndependentOfItsHistory() {
        let texts: [[UInt8]] = [
            Array(String(repeating: "De kat zit op de mat. ", count: 200).utf8),
            [],
            Array("kort".utf8),
            (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) },
            Array(String(repeating: "De kat zit op de mat. ", count: 200).utf8),
        ]
        let reused = Compressor()
        for (i, text) in texts.enumerated() {
            let fresh = text.withUnsafeBytes { Compressor().compress($0) }
            var out: [UInt8] = [9]
            text.withUnsafeBytes { reused.compress($0, appendingTo: &out) }
            XCTAssertEqual(Array(out.dropFirst()), fresh, "text \(i)")
            XCTAssertEqual(fresh.withUnsafeBytes { Compression.decompress($0) }, text, "text \(i)")
        }
        let checkpoints: [StoredDocument.Checkpoint] = [.init(position: 0, offset: 0), .init(position: 32, offset: 150)]
        let blob = texts[0].withUnsafeBytes { StoredDocument.encode(utf8: $0, checkpoints: checkpoints, compressor: Compressor(raw: true)) }
        let decoded = blob.withUnsafeBytes { StoredDocument.decode($0) }
        XCTAssertEqual(decoded?.text, texts[0])
        XCTAssertEqual(decoded?.checkpoints, checkpoints)
    }

    /// A prefix asked for in UTF-16 units is the shortest start of the text that holds
    /// them (in steps: ASCII, two-, three- and four-byte characters mixed), whole when the
    /// text has fewer, and damage is still found.
    func testStoredTextPrefixByUTF16Units() throws {
        var text: [UInt8] = []
        for i in 0..<900 { text += Array(["De kat zit ", "één café ", "€ 5 ", "𝄞 noot ", "\n"][i % 5].utf8) }
        let checkpoints: [StoredDocument.Checkpoint] = [.init(position: 0, offset: 0)]
        let blob = text.withUnsafeBytes { StoredDocument.encode(utf8: $0, checkpoints: checkpoints, compressor: Compressor(raw: true)) }
        let decompressor = Decompressor()
        let units = Array(String(decoding: text, as: UTF8.self).utf16).count
        for wanted in [0, 1, 7, 100, 257, 1000, 3000, units - 1, units, units + 5] {
            let prefix = try XCTUnwrap(blob.withUnsafeBytes { StoredDocument.decode($0, utf16Prefix: wanted, decompressor: decompressor) }?.text)
            XCTAssertEqual(Array(text.prefix(prefix.count)), prefix, "\(wanted) units")
            // Every start of the text that holds `wanted` units is at least this long
            // minus what the steps may add (16 bytes, or one 256-byte step).
            let held = prefix.reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) + ($1 >= 0xF0 ? 1 : 0) }
            XCTAssertGreaterThanOrEqual(held, min(wanted, units), "\(wanted) units")
            XCTAssertLessThanOrEqual(prefix.count, min(text.count, 4 * wanted + 16 + 256), "\(wanted) units")
            if wanted >= units { XCTAssertEqual(prefix, text) }
        }
        // The count of units, word by word and byte by byte, from every start.
        for from in 0..<40 where text[from] & 0xC0 != 0x80 {
            XCTAssertEqual(text.withUnsafeBufferPointer { Decompressor.utf16Count($0, from: from, to: text.count) }, String(decoding: text[from...], as: UTF8.self).utf16.count, "from \(from)")
        }
        // A text with fewer units than asked for comes whole, and must end where it says.
        var damaged = blob
        damaged[damaged.count - 6] ^= 0x01
        XCTAssertNil(damaged.withUnsafeBytes { StoredDocument.decode($0, utf16Prefix: units, decompressor: decompressor) })
    }

    /// The worked example of `StoredDocument`'s doc comment, byte for byte.
    func testStoredDocumentWorkedExample() {
        let text = Array("aaaa".utf8)
        let blob = text.withUnsafeBytes { StoredDocument.encode(utf8: $0, checkpoints: [.init(position: 0, offset: 0)]) }
        // Raw DEFLATE is a zlib stream without its 2-byte header and 4-byte Adler-32.
        let zlib = text.withUnsafeBytes { Compressor().compress($0) }
        XCTAssertEqual(zlib.first, 0x04)
        let deflate = Array(zlib[3..<(zlib.count - 4)])
        XCTAssertEqual(Array(blob.prefix(5)), [0x00, 0x01, 0x00, 0x00, 0x04])
        XCTAssertEqual(Array(blob[5..<(blob.count - 4)]), deflate)
        let crc = Checksum.crc32(Array(blob[0..<(blob.count - 4)]))
        XCTAssertEqual(Array(blob.suffix(4)), [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)])
        XCTAssertEqual(blob.withUnsafeBytes { StoredDocument.decode($0) }?.text, text)
        // Every damaged byte is found: by inflate or by the CRC-32C.
        for i in blob.indices {
            var damaged = blob
            damaged[i] ^= 0x10
            XCTAssertNotEqual(damaged.withUnsafeBytes { StoredDocument.decode($0, dictionaries: [UnsafeRawBufferPointer(start: nil, count: 0)]) }?.text, text, "byte \(i)")
        }
    }

    /// The worked example of `PackedPositions`, byte for byte: 128 values of 3 but one
    /// 1000 pack with width 2 and one exception; a 129th value adds the chunk table and
    /// a rest.
    func testPackedPositionsWorkedExample() {
        var values = [UInt32](repeating: 3, count: 128)
        values[5] = 1000
        var out: [UInt8] = []
        values.withUnsafeBufferPointer { PackedPositions.encode($0, into: &out) }
        var packed = [UInt8](repeating: 0xFF, count: 32)
        packed[1] = 0xF3  // value 5: bits 2...3 of byte 1 hold 1000's low bits, 0
        let chunk = [0x02] + packed + [0x01, 0x05, 0xFA, 0x01]
        XCTAssertEqual(out, [0x29, 0, 0, 0] + chunk)
        XCTAssertEqual(PackedPositions.bestWidth(values.withUnsafeBufferPointer { $0 }), 2)
        out = []
        values.withUnsafeBufferPointer { PackedPositions.encode($0, into: &out, chunkTable: false) }
        XCTAssertEqual(out, chunk, "versions 5 and 6")
        values.append(9)
        out = []
        values.withUnsafeBufferPointer { PackedPositions.encode($0, into: &out) }
        XCTAssertEqual(out, [0x29, 0, 0, 0] + chunk + [0x00, 0x01, 0x00, 0x09])
        out = []
        values.withUnsafeBufferPointer { PackedPositions.encode($0, into: &out, chunkTable: false) }
        XCTAssertEqual(out, chunk + [0x09], "versions 5 and 6")
    }

    /// Groups of every shape decode to their values, in both layouts: full chunks with
    /// and without exceptions (up to 32-bit values), zero chunks, the rest (packed from
    /// version 7, varints before); before version 7, a chunk's bytes skipped by
    /// `skipChunk` end where `decodeChunk` ends; from version 7, the table says where.
    func testPackedPositionsRoundTrip() throws {
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        for tables in [false, true] {
            for count in [0, 1, 5, 127, 128, 129, 135, 136, 137, 255, 256, 300, 1000] {
                for shape in 0..<5 {
                    let values: [UInt32] = (0..<count).map { _ in
                        switch shape {
                        case 0: return 0
                        case 1: return UInt32(next() % 8)
                        case 2: return next() % 20 == 0 ? UInt32(next() % 100_000) : UInt32(next() % 16)
                        case 3: return next() % 50 == 0 ? UInt32.max - UInt32(next() % 3) : UInt32(next() % 300)
                        default: return UInt32(truncatingIfNeeded: next())
                        }
                    }
                    var out: [UInt8] = []
                    values.withUnsafeBufferPointer { PackedPositions.encode($0, into: &out, chunkTable: tables) }
                    let end = out.count
                    out += [UInt8](repeating: 0, count: 8)  // the slack unpacking may read
                    let decoded = try decodeGroup(out, end: end, count: count, tables: tables)
                    XCTAssertEqual(decoded, values, "\(count) values of shape \(shape), tables \(tables)")
                }
            }
        }
    }

    /// The values of a group of `count` values encoded by `PackedPositions.encode`.
    func decodeGroup(_ out: [UInt8], end: Int, count: Int, tables: Bool) throws -> [UInt32] {
        var decoded: [UInt32] = []
        let chunk = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        defer { chunk.deallocate() }
        let full = count / 128
        let rest = count % 128
        try out.withUnsafeBytes { bytes in
            if tables && full > 0 {
                func chunkEnd(_ i: Int) -> Int { Int(bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
                // Chunks in reverse order: each is found from the table alone.
                var chunks: [[UInt32]] = []
                for c in (0..<full).reversed() {
                    let start = c == 0 ? 4 * full : chunkEnd(c - 1)
                    XCTAssertEqual(PackedPositions.decodeChunk(bytes, at: start, end: chunkEnd(c), into: chunk), chunkEnd(c))
                    chunks.insert(Array(UnsafeBufferPointer(start: chunk, count: 128)), at: 0)
                }
                decoded = chunks.flatMap { $0 }
                if rest > 0 {
                    let after = PackedPositions.decodeChunk(bytes, at: chunkEnd(full - 1), end: end, count: rest, into: chunk)
                    XCTAssertEqual(after, end)
                    decoded += UnsafeBufferPointer(start: chunk, count: rest)
                } else {
                    XCTAssertEqual(chunkEnd(full - 1), end)
                }
                return
            }
            var offset = 0
            for _ in 0..<full {
                let skipped = PackedPositions.skipChunk(bytes, at: offset, end: end)
                let after = try XCTUnwrap(PackedPositions.decodeChunk(bytes, at: offset, end: end, into: chunk))
                XCTAssertEqual(skipped, after)
                decoded += UnsafeBufferPointer(start: chunk, count: 128)
                offset = after
            }
            let after = try XCTUnwrap(PackedPositions.decodeVarints(bytes, at: offset, end: end, count: rest, into: chunk))
            XCTAssertEqual(after, end)
            decoded += UnsafeBufferPointer(start: chunk, count: rest)
        }
        return decoded
    }

    /// Sample text for dictionary tests: Dutch-like sentences from a fixed word list.
    static func sampleDocuments(count: Int, seed: UInt64) -> [[UInt8]] {
        let words = ["de", "het", "een", "van", "regering", "minister", "aanval", "veiligheidsraad", "sancties",
                     "rusland", "verklaring", "overleg", "bondgenoten", "financiële", "coördinatie", "in", "op"]
        var state = seed
        return (0..<count).map { _ in
            var text = ""
            for _ in 0..<200 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text += words[Int((state >> 33) % UInt64(words.count))] + (state & 0xF == 0 ? ". " : " ")
            }
            return Array(text.utf8)
        }
    }

    func testDictionaryTrainingIsDeterministicBoundedAndNeedsEnoughText() throws {
        let samples = Self.sampleDocuments(count: 80, seed: 1)
        XCTAssertGreaterThan(samples.reduce(0) { $0 + $1.count }, StoredTextDictionary.minimumSample)
        let a = try XCTUnwrap(StoredTextDictionary.train(samples: samples))
        let b = try XCTUnwrap(StoredTextDictionary.train(samples: samples))
        XCTAssertEqual(a, b)
        XCTAssertLessThanOrEqual(a.bytes.count, StoredTextDictionary.maximumSize)
        let small = try XCTUnwrap(StoredTextDictionary.train(samples: samples, size: 100))
        XCTAssertLessThanOrEqual(small.bytes.count, 100)
        // The most valuable string comes last: here a frequent long word with its space.
        let tail = String(decoding: a.bytes.suffix(40), as: UTF8.self)
        XCTAssertTrue(["veiligheidsraad ", "bondgenoten ", "coördinatie ", "financiële "].contains { tail.contains($0) }, tail)
        XCTAssertNil(StoredTextDictionary.train(samples: Array(samples.prefix(3))), "too little text for a dictionary")
        XCTAssertNil(StoredTextDictionary.train(samples: [[UInt8](repeating: 0x2E, count: 100_000)]), "nothing to learn from")
    }

    /// Documents compressed with a trained dictionary are smaller, decode with it, and
    /// fail to decode (nil, not wrong text) with another dictionary or none.
    func testDictionaryCompressesSmallerAndOnlyDecodesWithItsDictionary() throws {
        let training = Self.sampleDocuments(count: 80, seed: 1)
        let dictionary = try XCTUnwrap(StoredTextDictionary.train(samples: training))
        let other = try XCTUnwrap(StoredTextDictionary.train(samples: Self.sampleDocuments(count: 80, seed: 2), size: 4000))
        let documents = Self.sampleDocuments(count: 20, seed: 99)
        let compressor = Compressor(raw: true)
        var plain = 0
        var withDictionary = 0
        for (i, text) in documents.enumerated() {
            let checkpoints: [StoredDocument.Checkpoint] = [.init(position: 0, offset: 0)]
            let a = text.withUnsafeBytes { StoredDocument.encode(utf8: $0, checkpoints: checkpoints, compressor: compressor) }
            let b = text.withUnsafeBytes { t in
                dictionary.bytes.withUnsafeBytes { StoredDocument.encode(utf8: t, checkpoints: checkpoints, compressor: compressor, dictionary: (2, $0)) }
            }
            plain += a.count
            withDictionary += b.count
            other.bytes.withUnsafeBytes { o in
                dictionary.bytes.withUnsafeBytes { d in
                    XCTAssertEqual(a.withUnsafeBytes { StoredDocument.decode($0) }?.text, text, "document \(i)")
                    XCTAssertEqual(b.withUnsafeBytes { StoredDocument.decode($0, dictionaries: [o, d]) }?.text, text, "document \(i)")
                    XCTAssertNil(b.withUnsafeBytes { StoredDocument.decode($0, dictionaries: [d, o]) }, "wrong dictionary")
                    XCTAssertNil(b.withUnsafeBytes { StoredDocument.decode($0, dictionaries: [o]) }, "no dictionary 2")
                    XCTAssertEqual(b.withUnsafeBytes { StoredDocument.split($0)?.dictionary }, 2)
                }
            }
        }
        XCTAssertLessThan(Double(withDictionary), 0.9 * Double(plain), "plain \(plain) bytes, with dictionary \(withDictionary)")
    }

    func testManifestRoundTripAndDamage() throws {
        let m = Manifest(generation: 3, analysis: "icu=1 spec=1", root: "/a b/%c\nd", nextSegment: 9,
                         segments: [.init(name: "seg-000004", documentCount: 10, deletedCount: 2, liveTokens: 77, deletionsGeneration: 3)])
        let bytes = m.encoded()
        XCTAssertEqual(try Manifest.decode(bytes, file: "m"), m)
        var damaged = bytes
        damaged[30] ^= 0x01
        XCTAssertThrowsError(try Manifest.decode(damaged, file: "m")) { error in
            XCTAssertEqual((error as? IndexError)?.exitCode, 4)
        }
        XCTAssertThrowsError(try Manifest.decode(Array(bytes.dropLast(10)), file: "m")) { error in
            XCTAssertEqual((error as? IndexError)?.exitCode, 4)
        }
        var future = Array("searchctl-manifest 9\n".utf8)
        future += Array("crc32 \(hex(Checksum.crc32(future)))\n".utf8)
        XCTAssertThrowsError(try Manifest.decode(future, file: "m")) { error in
            XCTAssertEqual((error as? IndexError)?.exitCode, 3)
        }
    }

    /// Files of format version 1 (zlib's CRC-32) are an unknown version (exit 3, rebuild),
    /// not damage, whatever their checksums say.
    func testVersionOneFilesAreRefusedAsUnsupported() throws {
        let manifest = Array("searchctl-manifest 1\ngeneration 1\nanalysis x\nroot \nnext-segment 1\ncrc32 8a3fe9c1\n".utf8)
        XCTAssertThrowsError(try Manifest.decode(manifest, file: "manifest-1")) { error in
            guard case IndexError.unsupportedVersion(_, 1, _)? = error as? IndexError else { return XCTFail("\(error)") }
        }
        var deletions = DeletionBitmap(documentCount: 3).encoded()
        deletions[8] = 1
        XCTAssertThrowsError(try deletions.withUnsafeBytes { (raw) throws(IndexError) in
            try DeletionBitmap.decode(raw, file: "seg-000001.del-1", expectedDocuments: 3)
        }) { error in
            guard case IndexError.unsupportedVersion(_, 1, _)? = error as? IndexError else { return XCTFail("\(error)") }
        }
        var segment: [UInt8] = []
        var w = ByteWriter()
        FileHeader.write(kind: SegmentFormat.kind, version: SegmentFormat.versionInitial, into: &w)
        segment = w.bytes + [UInt8](repeating: 0, count: 64)
        XCTAssertThrowsError(try segment.withUnsafeBytes { (raw) throws(IndexError) in
            try FileHeader.check(raw, kind: SegmentFormat.kind, supported: SegmentFormat.supportedVersions, file: "seg-000001.seg")
        }) { error in
            XCTAssertEqual((error as? IndexError)?.exitCode, 3)
        }
    }

    func testDamagedSegmentIsRefusedOrReported() throws {
        let folder = NSTemporaryDirectory() + "/segfmt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var w = try SegmentWriter(directory: folder, name: "seg-000001")
        for i in 0..<3 { try [UInt8]().withUnsafeBytes { try w.addDocument(record(i), length: 3, storedBlob: $0) } }
        _ = try w.finish()
        let path = folder + "/seg-000001.seg"
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        // Truncated.
        try good.prefix(good.count - 5).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SegmentReader(directory: folder, name: "seg-000001")) { XCTAssertEqual(($0 as? IndexError)?.exitCode, 4) }
        // Unknown version.
        var future = good
        future[8] = 99
        try future.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SegmentReader(directory: folder, name: "seg-000001")) { XCTAssertEqual(($0 as? IndexError)?.exitCode, 3) }
        // Bad magic.
        var magic = good
        magic[0] = 0
        try magic.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SegmentReader(directory: folder, name: "seg-000001")) { XCTAssertEqual(($0 as? IndexError)?.exitCode, 4) }
    }
}
