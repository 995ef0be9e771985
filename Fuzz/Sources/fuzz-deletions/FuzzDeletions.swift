// Fuzz target: `DeletionBitmap.decode(_:file:expectedDocuments:)`, a segment's deleted
// documents. Each input is decoded with the document count it says (bytes 16..<20)
// and with the count its size implies, both as it is and with its trailing CRC-32
// recomputed (ChecksumRepair.deletions), so mutations reach the checks behind it.
//
// Properties checked besides "no crash": a decoded bitmap has the expected document
// count, `deletedCount` equals the documents `isDeleted` says are deleted, and it
// encodes back to the same counts and bits.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import IndexFormat

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    writeSeedsIfRequested(DeletionSeeds.all)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    let repaired = ChecksumRepair.deletions(bytes)
    var counts: [Int] = []
    if bytes.count >= 20 {
        counts.append(Int(UInt32(bytes[16]) | UInt32(bytes[17]) << 8 | UInt32(bytes[18]) << 16 | UInt32(bytes[19]) << 24))
    }
    let header = SegmentFormat.headerSize + 8 + 4
    if bytes.count >= header {
        let bits = (bytes.count - header) * 8
        counts.append(max(0, bits - Int(bytes.last! % 8)))
    }
    if counts.isEmpty { counts = [0] }
    for count in Set(counts) {
        decode(bytes, expected: count)
        if repaired != bytes { decode(repaired, expected: count) }
    }
    return 0
}

func decode(_ bytes: [UInt8], expected: Int) {
    let bitmap: DeletionBitmap
    do {
        bitmap = try bytes.withUnsafeBytes { (raw) throws(IndexError) in
            try DeletionBitmap.decode(raw, file: "seg-000001.del-1", expectedDocuments: expected)
        }
    } catch {
        _ = "\(error)"
        return
    }
    fuzzCheck(bitmap.documentCount == expected, "document count \(bitmap.documentCount), expected \(expected)")
    var deleted = 0
    for d in 0..<bitmap.documentCount where bitmap.isDeleted(d) { deleted += 1 }
    fuzzCheck(deleted == bitmap.deletedCount, "deletedCount \(bitmap.deletedCount) but \(deleted) documents are deleted")
    let encoded = bitmap.encoded()
    // Bytes 12..<16 (reserved) are not read, and the CRC covers them: compare the rest.
    fuzzCheck(encoded.count == bytes.count && encoded[16..<(bytes.count - 4)] == bytes[16..<(bytes.count - 4)],
              "does not encode back to the same counts and bits")
}

enum DeletionSeeds {
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let sample = try SampleIndex.build(in: Scratch.folder("sample"))
        var seeds = SampleIndex.files(of: sample.small).filter { $0.name.contains(".del-") }
        for n in [0, 1, 7, 8, 9, 130] {
            var bitmap = DeletionBitmap(documentCount: n)
            for d in stride(from: 0, to: n, by: 3) { bitmap.delete(d) }
            seeds.append(("made-\(n)", bitmap.encoded()))
        }
        return seeds
    }
}
