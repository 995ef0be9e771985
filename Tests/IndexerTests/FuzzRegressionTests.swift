// Inputs found by the libFuzzer targets in Fuzz/ (see Fuzz/README.md), each kept as a
// regression test of the decoder it broke. The bytes are the fuzzer's own crash file
// (base64, as run.sh prints it).
import Foundation
@testable import IndexFormat
import XCTest

final class FuzzRegressionTests: XCTestCase {
    func bytes(_ base64: String) -> [UInt8] {
        Array(Data(base64Encoded: base64)!)
    }

    // MARK: fuzz-stored

    /// A 34-byte stored-text blob whose length field says ~2 GB: decoding it allocated
    /// (and zeroed) the whole 2 GB before zlib found the stream too short, so one damaged
    /// blob could take a search's memory (libFuzzer: out-of-memory). Now rejected. (A
    /// format version 2 blob: no dictionary number in front.)
    func testStoredBlobClaimingHugeLengthIsRejectedWithoutAllocatingIt() {
        let blob = bytes("BgAAID+AAAAAAAAAAAD////uBwAxAP///3T///8AACwAAA==")
        XCTAssertNil(blob.withUnsafeBytes { StoredDocument.decode($0, layout: .version2) })
        XCTAssertNil(([0] + blob).withUnsafeBytes { StoredDocument.decode($0) })
        // The same for a bare compressed payload: 1 GiB stated, 3 bytes of stream.
        var w = ByteWriter()
        w.varint(1 << 30)
        w.append([0x78, 0x01, 0x03])
        XCTAssertNil(w.bytes.withUnsafeBytes { Compression.decompress($0) })
    }

    /// The bound on the stated length (DEFLATE's 1032:1) never rejects real data: the
    /// most compressible text there is still decodes.
    func testMostCompressibleTextStillDecodes() {
        let text = [UInt8](repeating: 0x61, count: 8 << 20)
        for level: Int32 in [1, 9] {
            let compressed = text.withUnsafeBytes { Compression.compress($0, level: level) }
            XCTAssertLessThan(compressed.count * 100, text.count, "level \(level) should compress a run of one letter well")
            XCTAssertEqual(compressed.withUnsafeBytes { Compression.decompress($0) }, text)
        }
    }

    // MARK: fuzz-deletions

    /// A deletions file for 1 document whose bitmap byte also has padding bits set, with
    /// a matching deleted count (3) and checksum: it decoded as "3 of 1 documents
    /// deleted", while `isDeleted` reported one. Now damage.
    func testDeletionBitsPastTheLastDocumentAreDamage() {
        var file = bytes("U0NUTERFTFMBAAAAAAAAAQEAAAADAAAASVchTzU=")
        // Found in format version 1: set to the current one so that it still reaches the
        // bitmap checks. The fuzzer decoded it with its CRC recomputed.
        file.replaceSubrange(8..<12, with: withUnsafeBytes(of: DeletionBitmap.version.littleEndian) { Array($0) })
        let crc = Checksum.crc32(Array(file.dropLast(4)))
        file.replaceSubrange((file.count - 4)..., with: withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        XCTAssertThrowsError(try file.withUnsafeBytes { (raw) throws(IndexError) in
            try DeletionBitmap.decode(raw, file: "seg-000001.del-1", expectedDocuments: 1)
        }) { error in
            guard case IndexError.corrupt(_, _, let reason)? = error as? IndexError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("past the segment's end"), reason)
        }
        // Every bitmap the writer makes still decodes, whatever its size.
        for n in 0..<20 {
            var bitmap = DeletionBitmap(documentCount: n)
            for d in stride(from: n - 1, through: 0, by: -2) { bitmap.delete(d) }
            let decoded = try? bitmap.encoded().withUnsafeBytes { (raw) throws(IndexError) in
                try DeletionBitmap.decode(raw, file: "d", expectedDocuments: n)
            }
            XCTAssertEqual(decoded, bitmap, "\(n) documents")
        }
    }

    // MARK: fuzz-manifest

    /// A manifest whose root has a combining mark (U+05A5) right after an escaped
    /// carriage return: the escaping matched Characters, and `D` + U+05A5 is one
    /// Character, so `%0D` stayed escaped when read back: the root changed on a
    /// round trip through the file.
    func testManifestRoundTripsWhenACombiningMarkFollowsAnEscape() throws {
        let input = bytes("""
            c2VhcmNoY3RsLW1hbmlmZXN0IDAxCmdlbmVyYXRpb24gNwphbmFseXNpcyBpY3U9NzIuMSB1bmljb2RlPWwtZHV0Y2gtMyBzcGVjPTEKcm9vdCAvbmhvb3diYWxsLWR1dGNoLTNtZS9gZS8xMDAlMjUgc3BlYz0xCnJvb3QgL2hvbWUvbWUvMTAxJTLT2jBBbmV4dC1zZTFtZW50ZCUwQWRvY29yYXRpO28NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ3WpY+vDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDW4gMAo2Y3MlMEQ=
            """)
        // Found in format version 1 (`searchctl-manifest 01`): set to the current one so
        // that it still reaches the parser. The fuzzer decoded it with its checksum line
        // recomputed.
        let formatLine = Array("searchctl-manifest 01".utf8)
        XCTAssertEqual(Array(input.prefix(formatLine.count)), formatLine)
        var body = Array("searchctl-manifest \(Manifest.formatVersion)".utf8) + input.dropFirst(formatLine.count)
        body.append(UInt8(ascii: "\n"))
        let file = body + Array("crc32 \(hex(Checksum.crc32(body)))\n".utf8)
        let manifest = try Manifest.decode(file, file: "manifest-7")
        XCTAssertEqual(try Manifest.decode(manifest.encoded(), file: "manifest-7"), manifest)

        for root in ["/data/50%\u{301}", "/x\r\u{5A5}y", "/a\n\u{300}b", "/a\r\nb", "/%0A%25%0D", " /leading space", "\u{301}/mark first"] {
            let m = Manifest(generation: 3, analysis: "a\u{301}  b", root: root, nextSegment: 2, segments: [
                .init(name: "seg-000001", documentCount: 2, deletedCount: 1, liveTokens: 5, deletionsGeneration: 1),
            ])
            XCTAssertEqual(try Manifest.decode(m.encoded(), file: "manifest-3"), m, root.debugDescription)
        }
    }
}
