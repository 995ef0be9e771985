/// A Huffman code for the stored texts compressed with one `StoredTextDictionary`: the
/// code lengths of DEFLATE's 286 literal/length symbols and 30 distance symbols, trained
/// with the dictionary on the same sample of documents (format version 8 on).
///
/// A block of a document's raw DEFLATE may use it instead of a code of its own: block
/// type 3 (reserved in RFC 1951) is a Huffman block whose codes are this one, with no
/// code lengths in the block. Short documents spend a good part of their compressed
/// bytes on their blocks' code lengths, and an inflater much of its time on reading them
/// and building its tables; with this code, both go, and the decoding tables are built
/// once per code (`Inflater` keeps the last code's). On the first 1,000 documents of the
/// generated 100k corpus (`searchctl-bench deflate`): stored text 0.4507 → 0.4323 of
/// the input, inflating 158 → 214 MB/s.
///
/// Every symbol has a length (1 to 15), so that any text can be written with the code;
/// the encoder still writes a block with a code of its own (or fixed, or stored) when
/// that is smaller.
///
/// Stored as 158 bytes: the 316 lengths, 4 bits each, the first in the low half of the
/// first byte.
public final class StoredTextCode: Sendable, Equatable {
    public static let literalSymbols = 286
    public static let distanceSymbols = 30
    static let symbolCount = literalSymbols + distanceSymbols
    public static let serializedSize = symbolCount / 2

    /// The literal/length lengths, then the distance lengths.
    public var lengths: [UInt8] { literalLengths + distanceLengths }
    let literalLengths: [UInt8]
    let distanceLengths: [UInt8]
    /// The canonical codes, bit-reversed for least-significant-first output.
    let literalCodes: [UInt16]
    let distanceCodes: [UInt16]

    /// The code of `lengths` (316 of them), or `nil` unless each is 1 to 15 and neither
    /// code over-subscribes its code space.
    public init?(lengths: [UInt8]) {
        guard lengths.count == Self.symbolCount, lengths.allSatisfy({ (1...15).contains($0) }) else { return nil }
        func fits(_ part: ArraySlice<UInt8>) -> Bool { part.reduce(0) { $0 + (1 << (15 - Int($1))) } <= 1 << 15 }
        let literal = lengths[0..<Self.literalSymbols], distance = lengths[Self.literalSymbols...]
        guard fits(literal), fits(distance) else { return nil }
        literalLengths = Array(literal)
        distanceLengths = Array(distance)
        literalCodes = Huffman.codes(literalLengths)
        distanceCodes = Huffman.codes(distanceLengths)
        serialized = stride(from: 0, to: Self.symbolCount, by: 2).map { lengths[$0] | lengths[$0 + 1] << 4 }
    }

    /// The code stored as `bytes` (`serialized`), or `nil` when they are not one.
    public convenience init?(serialized bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.serializedSize else { return nil }
        var lengths: [UInt8] = []
        lengths.reserveCapacity(Self.symbolCount)
        for b in bytes {
            lengths.append(b & 15)
            lengths.append(b >> 4)
        }
        self.init(lengths: lengths)
    }

    /// The code as stored (`serializedSize` bytes), made once: each stored document's
    /// checksum starts from its CRC.
    public let serialized: [UInt8]

    public static func == (a: StoredTextCode, b: StoredTextCode) -> Bool {
        a.literalLengths == b.literalLengths && a.distanceLengths == b.distanceLengths
    }

    /// The code that fits the symbols `DeflateEncoder` makes of `samples` with
    /// `dictionary` (each symbol counted once more, so that all get a length), or `nil`
    /// for no samples.
    public static func train(samples: [[UInt8]], dictionary: [UInt8]) -> StoredTextCode? {
        let texts = samples.filter { !$0.isEmpty && $0.count <= Compressor.encoderLimit }
        guard !texts.isEmpty else { return nil }
        let encoder = DeflateEncoder()
        var counts = [UInt32](repeating: 1, count: symbolCount)
        var scratch: [UInt8] = []
        dictionary.withUnsafeBytes { d in
            for text in texts {
                scratch.removeAll(keepingCapacity: true)
                text.withUnsafeBytes { encoder.compress($0, dictionary: d, code: nil, appendingTo: &scratch, counting: &counts) }
            }
        }
        let literal = Huffman.codeLengths(Array(counts[0..<literalSymbols]), maxBits: 15)
        let distance = Huffman.codeLengths(Array(counts[literalSymbols...]), maxBits: 15)
        return StoredTextCode(lengths: literal + distance)
    }
}
