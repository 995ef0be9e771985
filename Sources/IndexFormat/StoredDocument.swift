/// A document's stored text with position checkpoints, one blob per document in the
/// `stored` section:
///
/// ```
/// StoredDocument --> Dictionary vint, CheckpointCount vint,
///                    <PositionDelta vint, OffsetDelta vint>^CheckpointCount,
///                    CompressedText (see `Compression`)
/// ```
/// `Dictionary` is 0 when the text was compressed without a preset dictionary, else k for
/// the k-th (from 1) of the segment's `storedDictionaries` (`StoredTextDictionary`).
/// Segments of format version 2 have no `Dictionary` field (`hasDictionaryNumber`).
///
/// A checkpoint pairs a token position with the UTF-16 offset where that token starts
/// in the text; one is kept for the first token at or after every
/// `checkpointInterval`-th position. Snippets jump to the checkpoint before the best
/// window instead of analyzing the text from its start.
///
/// Worked example: the text `aaaa` compressed without dictionary, one checkpoint at
/// position 0, offset 0, is the bytes `00 01 00 00`, then `Compression`'s `04` (the
/// length) and the zlib stream.
public enum StoredDocument {
    public static let checkpointInterval = 32

    public struct Checkpoint: Sendable, Equatable {
        public var position: Int32
        public var offset: Int32
        public init(position: Int32, offset: Int32) {
            self.position = position
            self.offset = offset
        }
    }

    /// The blob of `text` with `checkpoints`, its text compressed by `compressor` (pass
    /// a long-lived one when encoding many documents) with `dictionary`, the segment's
    /// dictionary number `dictionary.number` (0 and no bytes: none).
    public static func encode(utf8 text: UnsafeRawBufferPointer, checkpoints: [Checkpoint],
                              compressor: Compressor = Compressor(),
                              dictionary: (number: Int, bytes: UnsafeRawBufferPointer) = (0, UnsafeRawBufferPointer(start: nil, count: 0))) -> [UInt8] {
        var w = ByteWriter(capacity: 16 + checkpoints.count * 4)
        w.varint(dictionary.number)
        w.varint(checkpoints.count)
        var previous = Checkpoint(position: 0, offset: 0)
        for c in checkpoints {
            w.varint(UInt64(c.position - previous.position))
            w.varint(UInt64(c.offset - previous.offset))
            previous = c
        }
        compressor.compress(text, dictionary: dictionary.bytes, appendingTo: &w.bytes)
        return w.bytes
    }

    /// Splits a blob into its dictionary number and the rest (checkpoints and text), or
    /// `nil` when the number is damaged. A blob without the field (`hasDictionaryNumber`
    /// false, format version 2) gives number 0 and the whole blob.
    public static func split(_ blob: UnsafeRawBufferPointer, hasDictionaryNumber: Bool = true) -> (dictionary: Int, rest: UnsafeRawBufferPointer)? {
        guard hasDictionaryNumber else { return (0, blob) }
        var r = ByteReader(blob)
        guard let number = r.readInt(limit: Int(Int32.max)) else { return nil }
        return (number, UnsafeRawBufferPointer(rebasing: blob[r.offset...]))
    }

    /// The text and checkpoints, or `nil` when the blob is damaged or names a dictionary
    /// that is not among `dictionaries` (the segment's, in order; number k is
    /// `dictionaries[k - 1]`).
    public static func decode(_ blob: UnsafeRawBufferPointer, dictionaries: [UnsafeRawBufferPointer] = [],
                              hasDictionaryNumber: Bool = true) -> (text: [UInt8], checkpoints: [Checkpoint])? {
        guard let (number, rest) = split(blob, hasDictionaryNumber: hasDictionaryNumber), number <= dictionaries.count else { return nil }
        var r = ByteReader(rest)
        guard let count = r.readInt(limit: rest.count) else { return nil }
        var checkpoints: [Checkpoint] = []
        checkpoints.reserveCapacity(count)
        var position: Int64 = 0
        var offset: Int64 = 0
        for _ in 0..<count {
            guard let dp = r.readVarint(), let doff = r.readVarint(), dp <= UInt64(Int32.max), doff <= UInt64(Int32.max) else { return nil }
            position += Int64(dp)
            offset += Int64(doff)
            guard position <= Int64(Int32.max), offset <= Int64(Int32.max) else { return nil }
            checkpoints.append(Checkpoint(position: Int32(position), offset: Int32(offset)))
        }
        let dictionary = number == 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : dictionaries[number - 1]
        guard let text = Compression.decompress(UnsafeRawBufferPointer(rebasing: rest[r.offset...]), dictionary: dictionary) else { return nil }
        return (text, checkpoints)
    }
}
