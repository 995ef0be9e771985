/// A document's stored text with position checkpoints, one blob per document in the
/// `stored` section:
///
/// ```
/// StoredDocument --> Dictionary vint, Rest
/// Rest           --> CheckpointCount vint, <PositionDelta vint, OffsetDelta vint>^CheckpointCount,
///                    Length vint, RawDeflate, CRC32C u32
/// ```
/// `Dictionary` is 0 when the text was compressed without a preset dictionary, else k for
/// the k-th (from 1) of the segment's `storedDictionaries` (`StoredTextDictionary`).
/// `RawDeflate` is the UTF-8 text (`Length` bytes) as raw DEFLATE, absent when the text
/// is empty. `CRC32C` covers `Rest` before it and then the uncompressed text, so damage
/// anywhere, a wrong dictionary included, is found when the document is read. A merge
/// renumbers `Dictionary` and copies `Rest` as it is.
///
/// Format version 2 (`Layout.version2`): no `Dictionary`; checkpoints, then `Length` and a
/// zlib stream (with its own Adler-32), no CRC32C.
///
/// A checkpoint pairs a token position with the UTF-16 offset where that token starts
/// in the text; one is kept for the first token at or after every
/// `checkpointInterval`-th position. Snippets jump to the checkpoint before the best
/// window instead of analyzing the text from its start.
///
/// Worked example: the text `aaaa` compressed without dictionary, one checkpoint at
/// position 0, offset 0, is the bytes `00 01 00 00 04`, the raw DEFLATE of `aaaa`, and the
/// CRC-32C of every byte after the first, then of `aaaa`.
public enum StoredDocument {
    public static let checkpointInterval = 32

    /// How a segment's stored documents are laid out, by format version.
    public enum Layout: Sendable {
        /// Format version 2: no dictionary number, a zlib stream, no CRC-32C.
        case version2
        /// Format version 3 on: the grammar above.
        case version3

        public init(formatVersion: UInt32) {
            self = formatVersion >= SegmentFormat.versionStoredDictionaries ? .version3 : .version2
        }
    }

    public struct Checkpoint: Sendable, Equatable {
        public var position: Int32
        public var offset: Int32
        public init(position: Int32, offset: Int32) {
            self.position = position
            self.offset = offset
        }
    }

    /// The blob of `text` with `checkpoints`, its text compressed by `compressor` (raw
    /// DEFLATE; pass a long-lived one when encoding many documents) with `dictionary`,
    /// the segment's dictionary number `dictionary.number` (0 and no bytes: none).
    public static func encode(utf8 text: UnsafeRawBufferPointer, checkpoints: [Checkpoint],
                              compressor: Compressor = Compressor(raw: true),
                              dictionary: (number: Int, bytes: UnsafeRawBufferPointer) = (0, UnsafeRawBufferPointer(start: nil, count: 0))) -> [UInt8] {
        precondition(compressor.raw, "stored documents hold raw DEFLATE")
        var w = ByteWriter(capacity: 16 + checkpoints.count * 4)
        w.varint(dictionary.number)
        let restStart = w.bytes.count
        w.varint(checkpoints.count)
        var previous = Checkpoint(position: 0, offset: 0)
        for c in checkpoints {
            w.varint(UInt64(c.position - previous.position))
            w.varint(UInt64(c.offset - previous.offset))
            previous = c
        }
        compressor.compress(text, dictionary: dictionary.bytes, appendingTo: &w.bytes)
        let crc = w.bytes.withUnsafeBytes { all in
            Checksum.crc32(text, continuing: Checksum.crc32(UnsafeRawBufferPointer(rebasing: all[restStart...])))
        }
        w.u32(crc)
        return w.bytes
    }

    /// Splits a blob into its dictionary number and the rest (checkpoints and text), or
    /// `nil` when the number is damaged. A `version2` blob has no number: 0 and the whole blob.
    public static func split(_ blob: UnsafeRawBufferPointer, layout: Layout = .version3) -> (dictionary: Int, rest: UnsafeRawBufferPointer)? {
        guard layout == .version3 else { return (0, blob) }
        var r = ByteReader(blob)
        guard let number = r.readInt(limit: Int(Int32.max)) else { return nil }
        return (number, UnsafeRawBufferPointer(rebasing: blob[r.offset...]))
    }

    /// The text and checkpoints, or `nil` when the blob is damaged or names a dictionary
    /// that is not among `dictionaries` (the segment's, in order; number k is
    /// `dictionaries[k - 1]`) or not the one it was compressed with.
    public static func decode(_ blob: UnsafeRawBufferPointer, dictionaries: [UnsafeRawBufferPointer] = [],
                              layout: Layout = .version3) -> (text: [UInt8], checkpoints: [Checkpoint])? {
        guard let (number, rest) = split(blob, layout: layout), number <= dictionaries.count else { return nil }
        let checked = layout == .version3
        guard !checked || rest.count >= 4 else { return nil }
        let body = checked ? UnsafeRawBufferPointer(rebasing: rest[0..<(rest.count - 4)]) : rest
        var r = ByteReader(body)
        guard let count = r.readInt(limit: body.count) else { return nil }
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
        guard let text = Compression.decompress(UnsafeRawBufferPointer(rebasing: body[r.offset...]), dictionary: dictionary, raw: checked) else { return nil }
        if checked {
            let stored = ByteReader(rest).getU32(at: rest.count - 4)!
            let actual = text.withUnsafeBytes { Checksum.crc32($0, continuing: Checksum.crc32(body)) }
            guard stored == actual else { return nil }
        }
        return (text, checkpoints)
    }
}
