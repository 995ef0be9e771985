/// A document's stored text with position checkpoints, one blob per document in the
/// `stored` section:
///
/// ```
/// StoredDocument --> CheckpointCount vint, <PositionDelta vint, OffsetDelta vint>^CheckpointCount,
///                    CompressedText (see `Compression`)
/// ```
/// A checkpoint pairs a token position with the UTF-16 offset where that token starts
/// in the text; one is kept for the first token at or after every
/// `checkpointInterval`-th position. Snippets jump to the checkpoint before the best
/// window instead of analyzing the text from its start.
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
    /// a long-lived one when encoding many documents).
    public static func encode(utf8 text: UnsafeRawBufferPointer, checkpoints: [Checkpoint],
                              compressor: Compressor = Compressor()) -> [UInt8] {
        var w = ByteWriter(capacity: 16 + checkpoints.count * 4)
        w.varint(checkpoints.count)
        var previous = Checkpoint(position: 0, offset: 0)
        for c in checkpoints {
            w.varint(UInt64(c.position - previous.position))
            w.varint(UInt64(c.offset - previous.offset))
            previous = c
        }
        compressor.compress(text, appendingTo: &w.bytes)
        return w.bytes
    }

    /// The text and checkpoints, or `nil` when the blob is damaged.
    public static func decode(_ blob: UnsafeRawBufferPointer) -> (text: [UInt8], checkpoints: [Checkpoint])? {
        var r = ByteReader(blob)
        guard let count = r.readInt(limit: blob.count) else { return nil }
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
        guard let text = Compression.decompress(UnsafeRawBufferPointer(rebasing: blob[r.offset...])) else { return nil }
        return (text, checkpoints)
    }
}
