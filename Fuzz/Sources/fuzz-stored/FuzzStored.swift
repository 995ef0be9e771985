// Fuzz target: `StoredDocument.decode(_:dictionaries:)`, one document's stored text blob
// (dictionary number, checkpoints, the UTF-8 text's length and raw DEFLATE, CRC-32C),
// with one preset dictionary available (number 1), as in a segment with one: with a
// shared code (`StoredTextCode`, block type 3) when the input's last byte is odd.
//
// Properties checked besides "no crash": checkpoints come out non-decreasing and
// within Int32, a decoded blob encodes to one that decodes to the same, and a prefix
// decoded alone (as titles are) is the start of the whole text.
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
    let codes = bytes.last.map { $0 & 1 == 1 } == true ? [StoredSeeds.code] : []
    guard let decoded = bytes.withUnsafeBytes({ blob in
        StoredSeeds.dictionary.withUnsafeBytes { StoredDocument.decode(blob, dictionaries: [$0], codes: codes) }
    }) else { return 0 }
    let number = bytes.withUnsafeBytes { StoredDocument.split($0)!.dictionary }
    for prefix in [0, 1, decoded.text.count / 2, decoded.text.count + 1] {
        let part = bytes.withUnsafeBytes { blob in
            StoredSeeds.dictionary.withUnsafeBytes { StoredDocument.decode(blob, dictionaries: [$0], codes: codes, prefix: prefix) }
        }
        fuzzCheck(part.map { Array(decoded.text.prefix(prefix)) == $0.text } ?? false, "prefix \(prefix) is not the start of the text")
    }
    var previous = StoredDocument.Checkpoint(position: 0, offset: 0)
    for c in decoded.checkpoints {
        fuzzCheck(c.position >= previous.position && c.offset >= previous.offset, "checkpoints decrease: \(decoded.checkpoints)")
        previous = c
    }
    let encoded = decoded.text.withUnsafeBytes { text in
        StoredSeeds.dictionary.withUnsafeBytes { d in
            StoredDocument.encode(utf8: text, checkpoints: decoded.checkpoints, dictionary: (number, number == 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : d),
                                  code: number == 0 ? nil : codes.first ?? nil)
        }
    }
    guard let again = encoded.withUnsafeBytes({ blob in
        StoredSeeds.dictionary.withUnsafeBytes { StoredDocument.decode(blob, dictionaries: [$0], codes: codes) }
    }) else {
        fuzzCheck(false, "a decoded blob re-encodes to one that does not decode")
        return 0
    }
    fuzzCheck(again.text == decoded.text && again.checkpoints == decoded.checkpoints, "re-encoding changes the blob's content")
    return 0
}

enum StoredSeeds {
    /// The one dictionary the target decodes with, and its code.
    static let dictionary: [UInt8] = Array("de het een van en in is op dat die Veto Veiligheidsraad ".utf8)
    static let code: StoredTextCode? = StoredTextCode.train(samples: [Array("Veto in de Veiligheidsraad, het veto van Rusland. ".utf8)],
                                                            dictionary: dictionary)

    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let sample = try SampleIndex.build(in: Scratch.folder("sample"))
        let snapshot = try IndexSnapshot(directory: IndexDirectory(path: sample.small))
        var seeds: [(name: String, bytes: [UInt8])] = []
        for (s, segment) in snapshot.segments.enumerated() {
            for d in 0..<segment.reader.documentCount {
                seeds.append(("segment\(s)-doc\(d)", Array(try segment.reader.storedBlob(d))))
            }
        }
        seeds.append(("empty-text", [UInt8]().withUnsafeBytes { StoredDocument.encode(utf8: $0, checkpoints: []) }))
        seeds.append(("made", Array("Veto in de Veiligheidsraad".utf8).withUnsafeBytes {
            StoredDocument.encode(utf8: $0, checkpoints: [.init(position: 0, offset: 0), .init(position: 32, offset: 190), .init(position: 64, offset: 401)])
        }))
        seeds.append(("made-with-dictionary", Array("Veto in de Veiligheidsraad, het veto".utf8).withUnsafeBytes { text in
            dictionary.withUnsafeBytes {
                StoredDocument.encode(utf8: text, checkpoints: [.init(position: 0, offset: 0)], dictionary: (1, $0))
            }
        }))
        // With the code: the blob's last byte (of its CRC) odd, so that the target decodes
        // it with the code (a text tried until the CRC comes out so).
        for k in 0..<64 {
            let blob = Array("Veto in de Veiligheidsraad, het veto van Rusland\(String(repeating: "!", count: k))".utf8).withUnsafeBytes { text in
                dictionary.withUnsafeBytes {
                    StoredDocument.encode(utf8: text, checkpoints: [.init(position: 0, offset: 0)], dictionary: (1, $0), code: code)
                }
            }
            if blob.last! & 1 == 1 {
                seeds.append(("made-with-code", blob))
                break
            }
        }
        return seeds
    }
}
