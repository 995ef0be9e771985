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
/// is empty; from format version 8 on, its blocks may be of type 3, coded with the
/// dictionary's `StoredTextCode`. `CRC32C` covers every byte before it, `Dictionary`
/// included, continuing from the CRC-32C of the dictionary's bytes and code
/// (`StoredTextDictionary.checksum`; 0 for none): a document is checked without
/// inflating it, against the very dictionary it was compressed with, and then a prefix
/// of its text can be inflated alone (a title, a snippet near the start). The
/// dictionaries themselves are checked when their segment is opened, so a checked
/// document inflates to its text. A merge that renumbers `Dictionary` computes the
/// CRC-32C anew, after checking the old one.
///
/// Format version 3 (`Layout.version3`): the same bytes, but `CRC32C` covers `Rest`
/// before it and then the uncompressed text (the whole text is inflated to check it).
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
/// CRC-32C of all of those bytes.
public enum StoredDocument {
    public static let checkpointInterval = 32

    /// How a segment's stored documents are laid out, by format version.
    public enum Layout: Sendable {
        /// Format version 2: no dictionary number, a zlib stream, no CRC-32C.
        case version2
        /// Format version 3: the grammar above, the CRC-32C over the text too.
        case version3
        /// Format version 4 on: the grammar above.
        case version4

        public init(formatVersion: UInt32) {
            self = formatVersion >= SegmentFormat.versionDerivedTitles ? .version4
                : formatVersion >= SegmentFormat.versionStoredDictionaries ? .version3 : .version2
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
                              dictionary: (number: Int, bytes: UnsafeRawBufferPointer) = (0, UnsafeRawBufferPointer(start: nil, count: 0)),
                              code: StoredTextCode? = nil) -> [UInt8] {
        precondition(compressor.raw, "stored documents hold raw DEFLATE")
        var w = ByteWriter(capacity: 16 + checkpoints.count * 4)
        w.varint(dictionary.number)
        w.varint(checkpoints.count)
        var previous = Checkpoint(position: 0, offset: 0)
        for c in checkpoints {
            w.varint(UInt64(c.position - previous.position))
            w.varint(UInt64(c.offset - previous.offset))
            previous = c
        }
        compressor.compress(text, dictionary: dictionary.bytes, code: code, appendingTo: &w.bytes)
        let seed = StoredTextDictionary.checksum(dictionary.bytes, code: code)
        w.u32(w.bytes.withUnsafeBytes { Checksum.crc32($0, continuing: seed) })
        return w.bytes
    }

    /// The `version4` blob of a checked body (a dictionary number, checkpoints, text):
    /// `body` and its CRC-32C, continuing from `dictionaryChecksum` (the CRC-32C of the
    /// dictionary's bytes, 0 for none). For a merge that renumbers dictionaries or
    /// rewrites a `version3` blob.
    public static func sealed(_ body: [UInt8], dictionaryChecksum: UInt32) -> [UInt8] {
        var w = ByteWriter(capacity: body.count + 4)
        w.append(body)
        w.u32(body.withUnsafeBytes { Checksum.crc32($0, continuing: dictionaryChecksum) })
        return w.bytes
    }

    /// The `version4` blob without its CRC-32C, when that checks out against the blob and
    /// `checksums` (of the dictionaries, by number from 1), else `nil`.
    public static func checkedBody(_ blob: UnsafeRawBufferPointer, dictionaryChecksums checksums: [UInt32]) -> (number: Int, body: UnsafeRawBufferPointer)? {
        guard blob.count >= 4, let (number, _) = split(blob, layout: .version4), number <= checksums.count else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: blob[0..<(blob.count - 4)])
        let seed = number == 0 ? 0 : checksums[number - 1]
        guard Checksum.crc32(body, continuing: seed) == ByteReader(blob).getU32(at: blob.count - 4)! else { return nil }
        return (number, body)
    }

    /// Splits a blob into its dictionary number and the rest (checkpoints and text), or
    /// `nil` when the number is damaged. A `version2` blob has no number: 0 and the whole blob.
    public static func split(_ blob: UnsafeRawBufferPointer, layout: Layout = .version4) -> (dictionary: Int, rest: UnsafeRawBufferPointer)? {
        guard layout != .version2 else { return (0, blob) }
        var r = ByteReader(blob)
        guard let number = r.readInt(limit: Int(Int32.max)) else { return nil }
        return (number, UnsafeRawBufferPointer(rebasing: blob[r.offset...]))
    }

    /// The text and checkpoints, or `nil` when the blob is damaged or names a dictionary
    /// that is not among `dictionaries` (the segment's, in order; number k is
    /// `dictionaries[k - 1]`) or not the one it was compressed with.
    ///
    /// With `prefix`, a `version4` blob gives only the first `prefix` bytes of its text
    /// (checked all the same: its CRC-32C covers the compressed bytes); older layouts give
    /// the whole text; with `utf16Prefix`, the shortest start holding that many UTF-16
    /// units. `codes` are the dictionaries' shared codes (`StoredTextCode`; none when
    /// shorter). `dictionaryChecksums` (each dictionary's `StoredTextDictionary.checksum`)
    /// saves computing them; `decompressor` (one per thread) saves setting up an inflater
    /// per call.
    public static func decode(_ blob: UnsafeRawBufferPointer, dictionaries: [UnsafeRawBufferPointer] = [],
                              codes: [StoredTextCode?] = [], dictionaryChecksums: [UInt32]? = nil,
                              layout: Layout = .version4, prefix: Int = Int.max, utf16Prefix: Int? = nil,
                              decompressor: Decompressor? = nil) -> (text: [UInt8], checkpoints: [Checkpoint])? {
        if layout == .version4 {
            let checksums = dictionaryChecksums ?? dictionaries.indices.map {
                StoredTextDictionary.checksum(dictionaries[$0], code: $0 < codes.count ? codes[$0] : nil)
            }
            guard let (number, body) = checkedBody(blob, dictionaryChecksums: checksums) else { return nil }
            let (dictionary, code) = compressedWith(number, dictionaries, codes)
            return decodeChecked(body, dictionary: dictionary, code: code, prefix: prefix, utf16Prefix: utf16Prefix,
                                 decompressor: decompressor ?? Decompressor())
        }
        guard let (number, rest) = split(blob, layout: layout), number <= dictionaries.count else { return nil }
        let checked = layout == .version3
        guard !checked || rest.count >= 4 else { return nil }
        let body = checked ? UnsafeRawBufferPointer(rebasing: rest[0..<(rest.count - 4)]) : rest
        var r = ByteReader(body)
        guard let checkpoints = readCheckpoints(&r) else { return nil }
        let dictionary = number == 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : dictionaries[number - 1]
        let compressed = UnsafeRawBufferPointer(rebasing: body[r.offset...])
        // Version 3: raw DEFLATE; version 2: a zlib stream without a dictionary.
        guard let text = checked ? (decompressor ?? Decompressor()).decompress(compressed, dictionary: dictionary)
                                 : Compression.decompress(compressed) else { return nil }
        if checked {
            let stored = ByteReader(rest).getU32(at: rest.count - 4)!
            let actual = text.withUnsafeBytes { Checksum.crc32($0, continuing: Checksum.crc32(body)) }
            guard stored == actual else { return nil }
        }
        return (text, checkpoints)
    }

    /// A `version4` blob's checkpoints and text length, and where its `Length` starts.
    public struct Outline: Sendable {
        public var checkpoints: [Checkpoint]
        public var length: Int
        var textStart: Int
    }

    /// The checkpoints and text length of a `version4` blob, read without checking or
    /// inflating it (to decide how much of the text to inflate; `decode` and
    /// `decodePrefix` check it), or `nil` when they do not parse.
    public static func outline(_ blob: UnsafeRawBufferPointer) -> Outline? {
        var r = ByteReader(blob)
        guard r.readInt(limit: Int(Int32.max)) != nil, let checkpoints = readCheckpoints(&r) else { return nil }
        let textStart = r.offset
        guard let length = r.readInt(limit: 1 << 31) else { return nil }
        return Outline(checkpoints: checkpoints, length: length, textStart: textStart)
    }

    /// `decode(blob, …, utf16Prefix: units).text` for a `version4` blob whose `outline`
    /// is known (its checkpoints are not read again), or `nil` when the blob is damaged.
    public static func decodePrefix(_ blob: UnsafeRawBufferPointer, outline: Outline, dictionaries: [UnsafeRawBufferPointer],
                                    codes: [StoredTextCode?], dictionaryChecksums: [UInt32], utf16Prefix units: Int,
                                    decompressor: Decompressor) -> [UInt8]? {
        guard let (number, body) = checkedBody(blob, dictionaryChecksums: dictionaryChecksums),
              outline.textStart <= body.count else { return nil }
        let (dictionary, code) = compressedWith(number, dictionaries, codes)
        return decompressor.decompress(UnsafeRawBufferPointer(rebasing: body[outline.textStart...]), dictionary: dictionary,
                                       code: code, utf16Units: units)
    }

    /// The dictionary (none for 0) and code of dictionary number `number` (checked to be
    /// at most `dictionaries.count`).
    private static func compressedWith(_ number: Int, _ dictionaries: [UnsafeRawBufferPointer],
                                       _ codes: [StoredTextCode?]) -> (UnsafeRawBufferPointer, StoredTextCode?) {
        guard number > 0 else { return (UnsafeRawBufferPointer(start: nil, count: 0), nil) }
        return (dictionaries[number - 1], number <= codes.count ? codes[number - 1] : nil)
    }

    /// Decodes a `version4` blob whose checksum has been verified (`body`: without it).
    private static func decodeChecked(_ body: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, code: StoredTextCode?,
                                      prefix: Int, utf16Prefix: Int?, decompressor: Decompressor) -> (text: [UInt8], checkpoints: [Checkpoint])? {
        var r = ByteReader(body)
        guard r.readInt(limit: Int(Int32.max)) != nil, let checkpoints = readCheckpoints(&r) else { return nil }
        let compressed = UnsafeRawBufferPointer(rebasing: body[r.offset...])
        guard let text = utf16Prefix.map({ decompressor.decompress(compressed, dictionary: dictionary, code: code, utf16Units: $0) })
                ?? decompressor.decompress(compressed, dictionary: dictionary, code: code, prefix: prefix) else { return nil }
        return (text, checkpoints)
    }

    private static func readCheckpoints(_ r: inout ByteReader) -> [Checkpoint]? {
        guard let count = r.readInt(limit: r.remaining) else { return nil }
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
        return checkpoints
    }
}
