// Fuzz target: `StoredDocument.decode(_:)`, one document's stored text blob
// (checkpoints, then the zlib-compressed UTF-8 text with its length).
//
// Properties checked besides "no crash": checkpoints come out non-decreasing and
// within Int32, and a decoded blob encodes to one that decodes to the same.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import IndexFormat

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    writeSeedsIfRequested(StoredSeeds.all)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    guard let decoded = bytes.withUnsafeBytes({ StoredDocument.decode($0) }) else { return 0 }
    var previous = StoredDocument.Checkpoint(position: 0, offset: 0)
    for c in decoded.checkpoints {
        fuzzCheck(c.position >= previous.position && c.offset >= previous.offset, "checkpoints decrease: \(decoded.checkpoints)")
        previous = c
    }
    let encoded = decoded.text.withUnsafeBytes { StoredDocument.encode(utf8: $0, checkpoints: decoded.checkpoints) }
    guard let again = encoded.withUnsafeBytes({ StoredDocument.decode($0) }) else {
        fuzzCheck(false, "a decoded blob re-encodes to one that does not decode")
        return 0
    }
    fuzzCheck(again.text == decoded.text && again.checkpoints == decoded.checkpoints, "re-encoding changes the blob's content")
    return 0
}

enum StoredSeeds {
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let sample = try SampleIndex.build(in: Scratch.folder("sample"))
        let snapshot = try IndexSnapshot(directory: IndexDirectory(path: sample.small))
        var seeds: [(name: String, bytes: [UInt8])] = []
        for (s, segment) in snapshot.segments.enumerated() {
            for d in 0..<segment.reader.documentCount {
                seeds.append(("segment\(s)-doc\(d)", Array(try segment.reader.storedBlob(d))))
            }
        }
        seeds.append(("empty-text", [0, 0]))
        seeds.append(("made", Array("Veto in de Veiligheidsraad".utf8).withUnsafeBytes {
            StoredDocument.encode(utf8: $0, checkpoints: [.init(position: 0, offset: 0), .init(position: 32, offset: 190), .init(position: 64, offset: 401)])
        }))
        return seeds
    }
}
