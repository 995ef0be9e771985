// Fuzz target: the stored text's DEFLATE encoder (`DeflateEncoder`, through
// `Compressor(raw: true)`) and decoder (`Inflater`, through `Decompressor`). The input's
// first byte picks the preset dictionary (none, a fixed Dutch one, or the input's own
// first part) and, with its top bit, a shared code (`StoredTextCode`, block type 3);
// the rest is the text.
//
// Properties checked besides "no crash": zlib's inflate and the inflater give the text
// back, with the dictionary (zlib only without a shared code); so does a prefix of any length, asked for in bytes or in
// UTF-16 units; one compressor reused across inputs (and dictionaries) writes what a
// fresh one writes. The text is also decoded as if it were a stored blob (length varint,
// raw DEFLATE): whatever zlib's inflate accepts, the inflater must decode to the same
// bytes, and what the inflater accepts must have the length the blob declares.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import IndexFormat

nonisolated(unsafe) let reused = Compressor(raw: true)
nonisolated(unsafe) let zlib = Decompressor(zlibOnly: true)
nonisolated(unsafe) let sharedCode = StoredTextCode.train(samples: [DeflateSeeds.dictionary, Array(DeflateSeeds.dictionary.reversed())],
                                                          dictionary: DeflateSeeds.dictionary)

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    writeSeedsIfRequested { DeflateSeeds.all }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    guard let mode = bytes.first else { return 0 }
    var text = Array(bytes.dropFirst())
    var dictionary: [UInt8] = []
    switch mode % 3 {
    case 1: dictionary = DeflateSeeds.dictionary
    case 2:
        let cut = text.count / 3
        dictionary = Array(text[0..<cut])
        text.removeSubrange(0..<cut)
    default: break
    }
    if text.isEmpty { return 0 }
    let code = mode & 0x80 != 0 ? sharedCode : nil
    var fresh: [UInt8] = []
    var again: [UInt8] = []
    text.withUnsafeBytes { t in
        dictionary.withUnsafeBytes { d in
            Compressor(raw: true).compress(t, dictionary: d, code: code, appendingTo: &fresh)
            reused.compress(t, dictionary: d, code: code, appendingTo: &again)
        }
    }
    fuzzCheck(fresh == again, "a reused compressor wrote other bytes than a fresh one")
    let decompressor = Decompressor()
    text.withUnsafeBytes { t in
        dictionary.withUnsafeBytes { d in
            let ours = decompressor.decompress(t, dictionary: d)
            if let theirs = zlib.decompress(t, dictionary: d) {
                fuzzCheck(ours == theirs, "zlib's inflate accepts a stream that the inflater decodes otherwise")
            }
            if let ours {
                var reader = ByteReader(t)
                fuzzCheck(reader.readInt(limit: 1 << 31) == ours.count, "the inflater accepted a text of another length than declared")
            }
            if let part = decompressor.decompress(t, dictionary: d, prefix: Int(mode) * 3) {
                fuzzCheck(part.count <= Int(mode) * 3, "a prefix longer than asked for")
            }
            if let withCode = decompressor.decompress(t, dictionary: d, code: sharedCode) {
                var reader = ByteReader(t)
                fuzzCheck(reader.readInt(limit: 1 << 31) == withCode.count, "the inflater accepted a text of another length than declared")
            }
        }
    }
    fresh.withUnsafeBytes { f in
        dictionary.withUnsafeBytes { d in
            if code == nil { fuzzCheck(zlib.decompress(f, dictionary: d) == text, "zlib's inflate does not give the text back") }
            fuzzCheck(decompressor.decompress(f, dictionary: d, code: code) == text, "the inflater does not give the text back")
            for prefix in [1, text.count / 2, text.count - 1] where prefix > 0 {
                fuzzCheck(decompressor.decompress(f, dictionary: d, code: code, prefix: prefix) == Array(text.prefix(prefix)),
                          "a prefix of \(prefix) bytes is not the text's start")
            }
            let units = Int(mode) * 7 % (text.count + 1)
            let part = decompressor.decompress(f, dictionary: d, code: code, utf16Units: units)
            fuzzCheck(part.map { Array(text.prefix($0.count)) == $0 } ?? false, "a prefix by UTF-16 units is not the text's start")
        }
    }
    return 0
}

enum DeflateSeeds {
    static let dictionary: [UInt8] = Array(String(repeating: "de het een van en in is op dat die Veiligheidsraad aanval ", count: 40).utf8)

    static var all: [(name: String, bytes: [UInt8])] {
        [
            ("plain", [0] + Array("De aanvallen op Noord-Korea’s bondgenoten: auto's, huizen, één financiële G7-top.".utf8)),
            ("dictionary", [1] + Array("de Veiligheidsraad en de aanval van het veto; de aanval op de stad".utf8)),
            ("own-dictionary", [2] + Array(String(repeating: "regel van de wet, artikel 3 lid 2. ", count: 20).utf8)),
            ("run", [0] + [UInt8](repeating: 0x61, count: 700)),
            ("binary", [0] + (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }),
            ("tiny", [1, 0x61]),
            ("shared-code", [0x81] + Array("de Veiligheidsraad en de aanval van het veto; een aanval op de stad, dat is in de Raad".utf8)),
        ]
    }
}
