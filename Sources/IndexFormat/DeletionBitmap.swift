/// The deleted documents of one segment, one bit per document, in its own small file
/// `seg-<id>.del-<generation>` written once per change.
///
/// ```
/// Deletions --> Header (kind "DELS"), DocCount u32, DeletedCount u32, Bits, CRC32C u32
/// Bits      --> ceil(DocCount / 8) bytes, document d is bit (d mod 8) of byte d / 8
/// ```
public struct DeletionBitmap: Sendable, Equatable {
    public static let kind: [UInt8] = Array("DELS".utf8)
    /// 1: the first; 2: the checksum is a CRC-32C (`SegmentFormat.versionCRC32C`).
    public static let version: UInt32 = 2

    public private(set) var bits: [UInt8]
    public let documentCount: Int
    public private(set) var deletedCount: Int

    public init(documentCount: Int) {
        self.documentCount = documentCount
        bits = [UInt8](repeating: 0, count: (documentCount + 7) / 8)
        deletedCount = 0
    }

    @inline(__always)
    public func isDeleted(_ doc: Int) -> Bool {
        bits[doc >> 3] & (1 << UInt8(doc & 7)) != 0
    }

    public mutating func delete(_ doc: Int) {
        if !isDeleted(doc) {
            bits[doc >> 3] |= 1 << UInt8(doc & 7)
            deletedCount += 1
        }
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        FileHeader.write(kind: Self.kind, version: Self.version, into: &w)
        w.u32(UInt32(documentCount))
        w.u32(UInt32(deletedCount))
        w.append(bits)
        w.u32(Checksum.crc32(w.bytes))
        return w.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String, expectedDocuments: Int) throws(IndexError) -> DeletionBitmap {
        _ = try FileHeader.check(bytes, kind: kind, supported: version...version, file: file)
        let bitCount = (expectedDocuments + 7) / 8
        let total = SegmentFormat.headerSize + 8 + bitCount + 4
        guard bytes.count == total else {
            throw .corrupt(file: file, offset: nil, reason: "deletions file has \(bytes.count) bytes, expected \(total)")
        }
        let r = ByteReader(bytes)
        let stored = r.getU32(at: total - 4)!
        let actual = Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[0..<(total - 4)]))
        guard stored == actual else {
            throw .corrupt(file: file, offset: total - 4, reason: "checksum mismatch (stored \(hex(stored)), computed \(hex(actual)))")
        }
        guard Int(r.getU32(at: 16)!) == expectedDocuments else {
            throw .corrupt(file: file, offset: 16, reason: "deletions file is for another segment size")
        }
        var bitmap = DeletionBitmap(documentCount: expectedDocuments)
        bitmap.bits = Array(bytes[(SegmentFormat.headerSize + 8)..<(SegmentFormat.headerSize + 8 + bitCount)])
        // The last byte's bits past the last document are padding, written as zeros: a
        // set one would be counted as a deletion that `isDeleted` never reports.
        if let last = bitmap.bits.last, expectedDocuments % 8 != 0, last >> UInt8(expectedDocuments % 8) != 0 {
            throw .corrupt(file: file, offset: total - 5, reason: "deletions file marks documents past the segment's end")
        }
        var count = 0
        for b in bitmap.bits { count += b.nonzeroBitCount }
        guard count == Int(r.getU32(at: 20)!) else {
            throw .corrupt(file: file, offset: 20, reason: "deleted count does not match the bitmap")
        }
        bitmap.deletedCount = count
        return bitmap
    }
}

public func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}
