@testable import IndexFormat
import XCTest

/// `Checksum.crc32` is CRC-32C (Castagnoli): known answers for both implementations,
/// and the two agreeing on every length and alignment.
final class ChecksumTests: XCTestCase {
    /// Check values: the catalogue's "123456789", the iSCSI vectors of RFC 3720
    /// appendix B.4, and a sentence.
    static let vectors: [(name: String, bytes: [UInt8], crc: UInt32)] = [
        ("empty", [], 0),
        ("123456789", Array("123456789".utf8), 0xE306_9283),
        ("a", Array("a".utf8), 0xC1D0_4330),
        ("32 zeros", [UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ("32 x FF", [UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ("0 to 31", (0..<32).map { UInt8($0) }, 0x46DD_794E),
        ("31 to 0", (0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
        ("fox", Array("The quick brown fox jumps over the lazy dog".utf8), 0x2262_0404),
    ]

    func testKnownAnswersOfBothImplementations() {
        for implementation in Checksum.Implementation.allCases {
            for v in Self.vectors {
                let crc = v.bytes.withUnsafeBytes { Checksum.crc32($0, using: implementation) }
                XCTAssertEqual(crc, v.crc, "\(v.name), \(implementation): \(hex(crc))")
            }
        }
        XCTAssertEqual(Checksum.crc32(Array("123456789".utf8)), 0xE306_9283)
        #if arch(x86_64)
        // Every x86-64 CPU since 2008 has SSE4.2; without it only speed differs.
        if !Checksum.usesHardware { print("note: no SSE4.2 here, the fastest CRC-32C is the portable one") }
        #endif
    }

    /// Lengths 0...300 at every start offset modulo 8 (the unaligned head, the 8-byte
    /// body and the tail of both loops), and split anywhere with `continuing:`.
    func testImplementationsAgreeOnEveryLengthAndAlignment() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let data: [UInt8] = (0..<(300 + 8)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        data.withUnsafeBytes { all in
            for start in 0..<8 {
                for length in 0...300 {
                    let bytes = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    let fast = Checksum.crc32(bytes, using: .fastest)
                    XCTAssertEqual(fast, Checksum.crc32(bytes, using: .portable), "start \(start), length \(length)")
                    let cut = length / 3
                    let first = Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[0..<cut]))
                    XCTAssertEqual(Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[cut...]), continuing: first), fast,
                                   "start \(start), length \(length), cut \(cut)")
                }
            }
        }
    }
}
