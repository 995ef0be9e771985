import Analysis
import CSIMD
/// Where a term's data is in a segment.
public struct TermInfo: Sendable, Equatable {
    public var documentFrequency: Int
    public var postingsOffset: Int
    public var positionsOffset: Int
    /// The largest tf and the smallest document length among the term's postings:
    /// with them BM25 gives an upper bound of the term's score in any document.
    public var maxFrequency: Int
    public var minLength: Int
    /// For a list inlined in its dictionary entry: where its tail documents and its
    /// positions are in the segment file (absolute offsets), else nil.
    public var inline: InlinePostings?

    public struct InlinePostings: Sendable, Equatable {
        public var documents: Range<Int>
        public var positions: Range<Int>
    }
}

/// Reads one segment file through a memory mapping. Opening reads only the header,
/// footer and section table (O(1)); everything else is read when asked for.
/// Nothing read from the file traps: malformed data throws `IndexError.corrupt`.
public final class SegmentReader: @unchecked Sendable {
    public let name: String
    public let file: MappedFile
    public let documentCount: Int
    public let termCount: Int
    public let tokenCount: Int
    public let version: UInt32
    /// Byte ranges of the sections in `file`, and their stored CRC-32C.
    public let sections: [SegmentFormat.Section: (range: Range<Int>, crc: UInt32)]

    let terms: UnsafeRawBufferPointer
    let termIndex: UnsafeRawBufferPointer
    let blockCount: Int
    /// The whole file: postings blocks may be unpacked with 8 bytes of slack past them.
    let whole: UnsafeRawBufferPointer
    let postingsRange: Range<Int>
    let positionsRange: Range<Int>
    let lengths: UnsafeRawBufferPointer
    let documents: UnsafeRawBufferPointer
    let documentOffsets: UnsafeRawBufferPointer
    let stored: UnsafeRawBufferPointer
    let storedOffsets: UnsafeRawBufferPointer
    /// Bytes per entry of `documentOffsets` and of `storedOffsets` (4 or 8).
    let documentOffsetWidth: Int
    let storedOffsetWidth: Int
    /// The preset dictionaries of the stored text (`storedDictionaries` section), in order:
    /// a `StoredDocument`'s dictionary number k is `storedDictionaries[k - 1]`.
    public let storedDictionaries: [UnsafeRawBufferPointer]
    /// Per dictionary, its shared code (`StoredTextCode`; version 8 on, and not always).
    public let storedCodes: [StoredTextCode?]
    /// Per dictionary, the CRC-32C of its bytes and code (`StoredTextDictionary.checksum`;
    /// version 4 stored documents' checksums start from their dictionary's).
    public let storedDictionaryChecksums: [UInt32]
    /// How the stored documents are laid out (by format version).
    public var storedLayout: StoredDocument.Layout { StoredDocument.Layout(formatVersion: version) }
    /// Checksums already verified in this process: term blocks by number; postings
    /// blocks and their positions by skip entry (offset in the postings section / 32,
    /// distinct for distinct 32-byte entries).
    let verifiedTermBlocks: VerifiedBlocks
    /// The keys of the dictionary blocks' first terms, as lookups read them.
    let blockKeys: BlockKeys
    let verifiedPostings: VerifiedBlocks
    let verifiedPositions: VerifiedBlocks
    /// The terms of the common-word codes (`CommonWords`; version 7 on, else none): code
    /// k names `commonWords[k - 1]`.
    public let commonWords: [[UInt8]]
    @usableFromInline let wordCodes: UnsafeRawBufferPointer
    @usableFromInline let wordOffsets: UnsafeRawBufferPointer
    @usableFromInline let wordOffsetWidth: Int
    /// Documents whose common-word codes have been checked against their CRC-32C.
    @usableFromInline let verifiedWordCodes: VerifiedBlocks
    /// The lists of the pairs of common words side by side (`CommonPairs`; version 10
    /// on, else `nil`); its table is checked when the segment is opened.
    public let commonPairs: CommonPairTable?
    /// Pair lists (by number in the table) checked against their CRC-32C.
    let verifiedPairs: VerifiedBlocks

    /// The sections whose CRC-32C is checked when a segment is opened: the small tables a
    /// query reads outside the postings (16 bytes per document and 12 per 32 terms).
    /// Term blocks and document records carry CRCs of their own, checked when read;
    /// each stored document by its own CRC-32C when read; postings and positions by `check`.
    /// The stored dictionaries too (8 KiB each): a damaged byte in one would make every
    /// document compressed with it unreadable, and is better reported when opening.
    /// Each document's common-word codes by their own CRC-32C, when first read.
    public static let verifiedOnOpen: [SegmentFormat.Section] = [.termIndex, .lengths, .documentOffsets, .storedDictionaries,
                                                                 .commonWordOffsets]

    public init(directory: String, name: String) throws(IndexError) {
        self.name = name
        let path = directory + "/" + SegmentFormat.fileName(segment: name)
        file = try MappedFile(path: path)
        let bytes = file.bytes
        whole = bytes
        version = try FileHeader.check(bytes, kind: SegmentFormat.kind, supported: SegmentFormat.supportedVersions,
                                       checkedFrom: SegmentFormat.versionBlockImpacts, file: path)
        let size = bytes.count
        guard size >= SegmentFormat.headerSize + SegmentFormat.footerSize else {
            throw .corrupt(file: path, offset: size, reason: "file is truncated (no footer)")
        }
        let footer = size - SegmentFormat.footerSize
        guard Array(bytes[(size - 4)..<size]) == SegmentFormat.endMagic else {
            throw .corrupt(file: path, offset: size - 4, reason: "file is truncated or overwritten (no end marker)")
        }
        let r = ByteReader(bytes)
        let tableOffset = Int(clamping: r.getU64(at: footer)!)
        let sectionCount = Int(r.getU32(at: footer + 8)!)
        guard sectionCount <= 64, tableOffset >= SegmentFormat.headerSize, tableOffset <= footer,
              tableOffset + sectionCount * SegmentFormat.sectionEntrySize == footer else {
            throw .corrupt(file: path, offset: footer, reason: "section table does not fit the file (truncated?)")
        }
        let storedCRC = r.getU32(at: size - 8)!
        let actualCRC = Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[tableOffset..<(size - 8)]))
        guard storedCRC == actualCRC else {
            throw .corrupt(file: path, offset: size - 8, reason: "footer checksum mismatch (stored \(hex(storedCRC)), computed \(hex(actualCRC)))")
        }
        documentCount = Int(r.getU32(at: footer + 12)!)
        termCount = Int(clamping: r.getU64(at: footer + 16)!)
        tokenCount = Int(clamping: r.getU64(at: footer + 24)!)
        var sections: [SegmentFormat.Section: (range: Range<Int>, crc: UInt32)] = [:]
        for i in 0..<sectionCount {
            let e = tableOffset + i * SegmentFormat.sectionEntrySize
            let kindRaw = r.getU32(at: e)!
            let offset = Int(clamping: r.getU64(at: e + 8)!)
            let length = Int(clamping: r.getU64(at: e + 16)!)
            guard let kind = SegmentFormat.Section(rawValue: kindRaw) else { continue }
            guard offset >= SegmentFormat.headerSize, length >= 0, offset <= tableOffset, length <= tableOffset - offset else {
                throw .corrupt(file: path, offset: e, reason: "section \(kind.name) lies outside the file")
            }
            sections[kind] = (offset..<(offset + length), r.getU32(at: e + 4)!)
        }
        for kind in SegmentFormat.sections(ofVersion: version) where sections[kind] == nil {
            throw .corrupt(file: path, offset: tableOffset, reason: "section \(kind.name) is missing")
        }
        self.sections = sections
        // The small sections a query reads outside the postings are verified now: a
        // damaged byte in them would otherwise change scores, paths or titles silently.
        // Postings, positions and stored text (the bulk of the file) only by `check`.
        for kind in SegmentReader.verifiedOnOpen {
            guard let s = sections[kind] else { continue }
            let actual = Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[s.range]))
            guard actual == s.crc else {
                throw .corrupt(file: path, offset: s.range.lowerBound,
                               reason: "\(kind.name) checksum mismatch (stored \(hex(s.crc)), computed \(hex(actual)))")
            }
        }
        func slice(_ kind: SegmentFormat.Section) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[sections[kind]!.range])
        }
        terms = slice(.terms)
        termIndex = slice(.termIndex)
        postingsRange = sections[.postings]!.range
        positionsRange = sections[.positions]!.range
        lengths = slice(.lengths)
        documents = slice(.documents)
        documentOffsets = slice(.documentOffsets)
        stored = slice(.stored)
        storedOffsets = slice(.storedOffsets)
        documentOffsetWidth = SegmentFormat.offsetWidth(sectionLength: documents.count, version: version)
        storedOffsetWidth = SegmentFormat.offsetWidth(sectionLength: stored.count, version: version)
        let ir = ByteReader(termIndex)
        guard let count = ir.getU64(at: 0), count <= UInt64(termIndex.count / 12), Int(count) * 12 + 8 == termIndex.count,
              lengths.count == documentCount * 4,
              documentOffsets.count == (documentCount + 1) * documentOffsetWidth,
              storedOffsets.count == (documentCount + 1) * storedOffsetWidth else {
            throw .corrupt(file: path, offset: nil, reason: "section sizes do not match the document and term counts")
        }
        blockCount = Int(count)
        var dictionaries: [UnsafeRawBufferPointer] = []
        var codes: [StoredTextCode?] = []
        if let range = sections[.storedDictionaries]?.range {
            var dr = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[range]))
            guard let n = dr.readInt(limit: range.count) else {
                throw .corrupt(file: path, offset: range.lowerBound, reason: "stored dictionaries section is damaged")
            }
            for _ in 0..<n {
                guard let length = dr.readInt(limit: range.count), let d = dr.readBytes(length) else {
                    throw .corrupt(file: path, offset: range.lowerBound, reason: "stored dictionaries section is damaged")
                }
                dictionaries.append(d)
                var code: StoredTextCode?
                if version >= SegmentFormat.versionSharedCodes {
                    guard let length = dr.readInt(limit: StoredTextCode.serializedSize), length == 0 || length == StoredTextCode.serializedSize,
                          let bytes = dr.readBytes(length) else {
                        throw .corrupt(file: path, offset: range.lowerBound, reason: "stored dictionaries section is damaged")
                    }
                    if length > 0 {
                        guard let parsed = StoredTextCode(serialized: bytes) else {
                            throw .corrupt(file: path, offset: range.lowerBound, reason: "a stored dictionary's code is not a valid Huffman code")
                        }
                        code = parsed
                    }
                }
                codes.append(code)
            }
        }
        storedDictionaries = dictionaries
        storedCodes = codes
        storedDictionaryChecksums = dictionaries.indices.map { StoredTextDictionary.checksum(dictionaries[$0], code: codes[$0]) }
        var words: [[UInt8]] = []
        if let range = sections[.commonWords]?.range, let offsets = sections[.commonWordOffsets]?.range {
            let section = UnsafeRawBufferPointer(rebasing: bytes[range])
            var wr = ByteReader(section)
            guard let n = wr.readByte(), Int(n) <= CommonWords.maximumCount else {
                throw .corrupt(file: path, offset: range.lowerBound, reason: "common words section is damaged")
            }
            for _ in 0..<n {
                guard let length = wr.readByte(), length > 0, let w = wr.readBytes(Int(length)) else {
                    throw .corrupt(file: path, offset: range.lowerBound, reason: "common words section is damaged")
                }
                words.append(Array(w))
            }
            wordCodes = section
            wordOffsets = UnsafeRawBufferPointer(rebasing: bytes[offsets])
            wordOffsetWidth = SegmentFormat.offsetWidth(sectionLength: range.count, version: version)
            guard wordOffsets.count == (documentCount + 1) * wordOffsetWidth else {
                throw .corrupt(file: path, offset: offsets.lowerBound, reason: "section sizes do not match the document and term counts")
            }
        } else {
            wordCodes = UnsafeRawBufferPointer(start: nil, count: 0)
            wordOffsets = wordCodes
            wordOffsetWidth = 4
        }
        commonWords = words
        if let range = sections[.commonPairs]?.range {
            guard let table = CommonPairTable(UnsafeRawBufferPointer(rebasing: bytes[range]), documentCount: documentCount),
                  words.count > 0 || table.count == 0 else {
                throw .corrupt(file: path, offset: range.lowerBound, reason: "common word pairs section is damaged")
            }
            commonPairs = table
        } else {
            commonPairs = nil
        }
        verifiedPairs = VerifiedBlocks(capacity: commonPairs?.count ?? 0)
        verifiedTermBlocks = VerifiedBlocks(capacity: blockCount)
        blockKeys = BlockKeys(count: blockCount)
        verifiedPostings = VerifiedBlocks(capacity: postingsRange.count / SegmentFormat.skipEntrySize + 1)
        verifiedPositions = VerifiedBlocks(capacity: postingsRange.count / SegmentFormat.skipEntrySize + 1)
        verifiedWordCodes = VerifiedBlocks(capacity: words.isEmpty ? 0 : documentCount)
    }

    public var path: String { file.path }

    func corrupt(_ reason: String, at offset: Int? = nil) -> IndexError {
        .corrupt(file: file.path, offset: offset, reason: reason)
    }

    // MARK: Documents

    /// The lengths section: `documentCount` little-endian u32 (for tight loops that read
    /// many lengths; `length(of:)` is the checked way).
    public var lengthTable: UnsafeRawBufferPointer { lengths }

    /// The number of positions of `doc` (its `dl`).
    @inline(__always)
    public func length(of doc: Int) -> Int {
        Int(UInt32(littleEndian: lengths.loadUnaligned(fromByteOffset: doc &* 4, as: UInt32.self)))
    }

    private func record(_ table: UnsafeRawBufferPointer, width: Int, _ data: UnsafeRawBufferPointer, _ doc: Int, what: String) throws(IndexError) -> UnsafeRawBufferPointer {
        guard doc >= 0, doc < documentCount else { throw corrupt("\(what) of document \(doc) out of range") }
        let start: UInt64
        let end: UInt64
        if width == 4 {
            start = UInt64(UInt32(littleEndian: table.loadUnaligned(fromByteOffset: doc &* 4, as: UInt32.self)))
            end = UInt64(UInt32(littleEndian: table.loadUnaligned(fromByteOffset: doc &* 4 &+ 4, as: UInt32.self)))
        } else {
            start = UInt64(littleEndian: table.loadUnaligned(fromByteOffset: doc &* 8, as: UInt64.self))
            end = UInt64(littleEndian: table.loadUnaligned(fromByteOffset: doc &* 8 &+ 8, as: UInt64.self))
        }
        guard start <= end, end <= UInt64(data.count) else {
            throw corrupt("\(what) table of document \(doc) is damaged")
        }
        return UnsafeRawBufferPointer(rebasing: data[Int(start)..<Int(end)])
    }

    /// A document record, its trailing CRC-32C verified.
    private func documentRecord(_ doc: Int) throws(IndexError) -> UnsafeRawBufferPointer {
        let bytes = try record(documentOffsets, width: documentOffsetWidth, documents, doc, what: "record")
        guard bytes.count >= 4 else { throw corrupt("record of document \(doc) is damaged") }
        let body = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)])
        let stored = ByteReader(bytes).getU32(at: bytes.count - 4)!
        guard Checksum.crc32(body) == stored else {
            throw corrupt("record of document \(doc) fails its checksum", at: sections[.documents]!.range.lowerBound)
        }
        return body
    }

    /// True when this segment's document records hold the titles (format versions 2, 3
    /// and 6 on); else `title(of:)` derives them from the stored text.
    public var recordsHoldTitles: Bool { SegmentFormat.recordsHoldTitles(version) }

    /// The record of `doc`. Its `title` is empty in format versions 4 and 5: `title(of:)`.
    public func document(_ doc: Int) throws(IndexError) -> DocumentRecord {
        var r = ByteReader(try documentRecord(doc))
        let hasTitle = recordsHoldTitles
        guard let path = r.readString(), let title = hasTitle ? r.readString() : "", let size = r.readVarint(),
              let mtime = r.readU64(), let hash = r.readU64(), r.isAtEnd else {
            throw corrupt("record of document \(doc) is damaged")
        }
        return DocumentRecord(path: path, title: title, size: size, mtime: Int64(bitPattern: mtime), contentHash: hash)
    }

    /// How much stored text `title(of:)` inflates first: enough for the title of most
    /// documents (it reads the whole text when the first non-empty line goes on past it).
    static let titlePrefix = 256

    /// The title of `doc` (`DocumentTitle`): from its record (versions 2, 3 and 6 on), else
    /// from its stored text: from `text` when the caller has it (the whole text), else
    /// from a prefix of it inflated by `decompressor`.
    public func title(of doc: Int, text: [UInt8]? = nil, decompressor: Decompressor? = nil) throws(IndexError) -> String {
        if recordsHoldTitles { return try document(doc).title }
        if let text { return DocumentTitle.title(utf8: text, complete: true)! }
        let prefix = try storedDocument(doc, prefix: Self.titlePrefix, decompressor: decompressor).text
        if prefix.count < Self.titlePrefix { return DocumentTitle.title(utf8: prefix, complete: true)! }
        if let title = DocumentTitle.title(utf8: prefix, complete: false) { return title }
        return DocumentTitle.title(utf8: try storedDocument(doc, decompressor: decompressor).text, complete: true)!
    }

    /// Only the path of `doc` (cheaper than `document(_:)`).
    public func path(of doc: Int) throws(IndexError) -> String {
        var r = ByteReader(try documentRecord(doc))
        guard let path = r.readString() else { throw corrupt("record of document \(doc) is damaged") }
        return path
    }

    /// The code (1...) of `term` among `commonWords`, or 0.
    public func commonWordCode(_ term: [UInt8]) -> Int {
        (commonWords.firstIndex(of: term) ?? -1) + 1
    }

    /// The documents and TFs of the pair of common words of codes `a`, `b` (`CommonPairs`):
    /// `nil` when the segment has no pair lists (before version 10), an empty list when
    /// no document has the pair. Checked against its CRC-32C the first time in this process.
    public func pairPostings(_ a: Int, _ b: Int) throws(IndexError) -> CommonPairPostings? {
        guard let table = commonPairs else { return nil }
        guard let number = table.number(a, b) else { return CommonPairPostings.empty(file: file.path) }
        let verify = !verifiedPairs.contains(number)
        let postings = try CommonPairPostings(list: table.bytes(number), documentFrequency: table.documentFrequency(number),
                                              documentCount: documentCount, file: file.path, verify: verify)
        if verify { verifiedPairs.insert(number) }
        return postings
    }

    /// The common-word codes of `doc` (`CommonWords`: `CommonWords.byteCount` bytes),
    /// checked against their CRC-32C the first time in this process. Inlinable: a query
    /// reads the codes of many documents, most of them checked already.
    @inlinable
    public func wordCodes(of doc: Int) throws(IndexError) -> UnsafeRawBufferPointer {
        // Checked already (offsets, length and CRC-32C; the file does not change): the
        // codes where the offsets say, without checking them again.
        if let codes = checkedWordCodes(of: doc) { return codes }
        return try checkWordCodes(of: doc)
    }

    /// `wordCodes(of:)` the first time: the record's bounds and length, and its CRC.
    @usableFromInline
    func checkWordCodes(of doc: Int) throws(IndexError) -> UnsafeRawBufferPointer {
        let bytes = try record(wordOffsets, width: wordOffsetWidth, wordCodes, doc, what: "common words")
        let count = CommonWords.byteCount(length: length(of: doc), count: commonWords.count)
        guard bytes.count == count + 4 else { throw corrupt("common words of document \(doc) are damaged") }
        let codes = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
        if !verifiedWordCodes.contains(doc) {
            guard Checksum.crc32(codes) == UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: count, as: UInt32.self)) else {
                throw corrupt("common words of document \(doc) fail their checksum", at: sections[.commonWords]!.range.lowerBound)
            }
            verifiedWordCodes.insert(doc)
        }
        return codes
    }

    /// `doc`'s common-word codes when `wordCodes(of:)` has checked them already, else `nil`.
    @inlinable @inline(__always)
    func checkedWordCodes(of doc: Int) -> UnsafeRawBufferPointer? {
        guard wordOffsetWidth == 4 && verifiedWordCodes.contains(doc) else { return nil }
        let (start, end) = wordCodesRange(of: doc)
        return UnsafeRawBufferPointer(start: wordCodes.baseAddress! + start, count: end &- start &- 4)
    }

    /// Where `doc`'s common-word codes and their CRC lie, as 4-byte offsets say
    /// (`wordOffsetWidth` 4, `doc` in range; not checked against the section here).
    @inlinable @inline(__always)
    func wordCodesRange(of doc: Int) -> (start: Int, end: Int) {
        (Int(UInt32(littleEndian: wordOffsets.loadUnaligned(fromByteOffset: doc &* 4, as: UInt32.self))),
         Int(UInt32(littleEndian: wordOffsets.loadUnaligned(fromByteOffset: doc &* 4 &+ 4, as: UInt32.self))))
    }

    /// Asks the CPU to bring `doc`'s common-word codes into its cache (up to 8 lines),
    /// for a query that will read them soon.
    @inlinable
    public func prefetchWordCodes(of doc: Int) {
        guard wordOffsetWidth == 4, doc >= 0, doc < documentCount else { return }
        let (start, end) = wordCodesRange(of: doc)
        guard start < end, end <= wordCodes.count, let base = wordCodes.baseAddress else { return }
        var line = start & ~63
        while line < min(end, start + 512) {
            csimd_prefetch(base + line)
            line += 64
        }
    }

    /// The compressed stored text of `doc`, as written (for merging without recompressing).
    public func storedBlob(_ doc: Int) throws(IndexError) -> UnsafeRawBufferPointer {
        try record(storedOffsets, width: storedOffsetWidth, stored, doc, what: "stored text")
    }

    /// The stored text of `doc`, UTF-8.
    public func storedText(_ doc: Int) throws(IndexError) -> [UInt8] {
        try storedDocument(doc).text
    }

    /// The stored text of `doc` with its position checkpoints: only its first `prefix`
    /// bytes (or all of them, when fewer) from format version 4 on, the whole text before.
    /// With `utf16Prefix`, the shortest start that holds that many UTF-16 units instead.
    /// `decompressor` (one per thread) saves setting up an inflater for each document.
    public func storedDocument(_ doc: Int, prefix: Int = Int.max, utf16Prefix: Int? = nil,
                               decompressor: Decompressor? = nil) throws(IndexError) -> (text: [UInt8], checkpoints: [StoredDocument.Checkpoint]) {
        let blob = try storedBlob(doc)
        guard let decoded = StoredDocument.decode(blob, dictionaries: storedDictionaries, codes: storedCodes,
                                                  dictionaryChecksums: storedDictionaryChecksums,
                                                  layout: storedLayout, prefix: prefix, utf16Prefix: utf16Prefix,
                                                  decompressor: decompressor) else {
            throw corrupt("stored text of document \(doc) does not decompress")
        }
        return decoded
    }

    /// The checkpoints and text length of `doc`'s stored text, not yet checked (see
    /// `StoredDocument.outline`), from format version 4 on; `nil` before.
    public func storedOutline(_ doc: Int) throws(IndexError) -> StoredDocument.Outline? {
        guard storedLayout == .version4 else { return nil }
        guard let outline = StoredDocument.outline(try storedBlob(doc)) else {
            throw corrupt("stored text of document \(doc) is damaged")
        }
        return outline
    }

    /// `storedDocument(doc, utf16Prefix: units).text` given `doc`'s `storedOutline`.
    public func storedText(_ doc: Int, outline: StoredDocument.Outline, utf16Prefix units: Int,
                           decompressor: Decompressor) throws(IndexError) -> [UInt8] {
        guard let text = StoredDocument.decodePrefix(try storedBlob(doc), outline: outline, dictionaries: storedDictionaries,
                                                     codes: storedCodes, dictionaryChecksums: storedDictionaryChecksums, utf16Prefix: units,
                                                     decompressor: decompressor) else {
            throw corrupt("stored text of document \(doc) does not decompress")
        }
        return text
    }

    /// The stored text of `doc` as written, split into its dictionary number and the rest
    /// (for merging without recompressing; version 2 documents give number 0).
    public func storedBlobParts(_ doc: Int) throws(IndexError) -> (dictionary: Int, rest: UnsafeRawBufferPointer) {
        let blob = try storedBlob(doc)
        guard let parts = StoredDocument.split(blob, layout: storedLayout),
              parts.dictionary <= storedDictionaries.count else {
            throw corrupt("stored text of document \(doc) names a dictionary the segment does not have")
        }
        return parts
    }

    // MARK: Terms

    /// The bytes of dictionary block `block`, its CRC-32C verified.
    private func termBlock(_ block: Int) throws(IndexError) -> UnsafeRawBufferPointer {
        let ir = ByteReader(termIndex)
        guard block >= 0, block < blockCount, let offset = ir.getU64(at: 8 + block * 8), offset < UInt64(terms.count),
              let crc = ir.getU32(at: 8 + blockCount * 8 + block * 4) else {
            throw corrupt("term index entry \(block) is damaged")
        }
        var end = terms.count
        if block + 1 < blockCount, let next = ir.getU64(at: 16 + block * 8) { end = Int(clamping: next) }
        guard end <= terms.count, Int(offset) <= end else { throw corrupt("term index is not increasing at \(block)") }
        let bytes = UnsafeRawBufferPointer(rebasing: terms[Int(offset)..<end])
        if verifiedTermBlocks.contains(block) { return bytes }
        guard Checksum.crc32(bytes) == crc else {
            throw corrupt("term block \(block) fails its checksum", at: sections[.terms]!.range.lowerBound + Int(offset))
        }
        verifiedTermBlocks.insert(block)
        return bytes
    }

    /// The first term of dictionary block `block`.
    private func firstTerm(ofBlock block: Int) throws(IndexError) -> UnsafeRawBufferPointer {
        var r = ByteReader(try termBlock(block))
        guard r.readVarint() == 0, let n = r.readInt(limit: 4096), let bytes = r.readBytes(n) else {
            throw corrupt("term block \(block) is damaged")
        }
        return bytes
    }

    /// Reads the entries of one dictionary block in order, each checked: its shared
    /// prefix length, suffix and info.
    private struct BlockEntries {
        /// Not retained: the entries are read only inside the segment's own methods.
        unowned(unsafe) let segment: SegmentReader
        let block: Int
        var r: ByteReader
        /// Where the block lies in the file, for the offsets of inline lists.
        let blockStart: Int
        let inlineEntries: Bool
        let documentLimit: Int
        let postingsCount: Int
        let positionsCount: Int
        var postings = 0
        var positions = 0
        var haveOffsets = false
        /// The length of the last entry's term.
        var length = 0
        /// The last entry's other fields.
        var df = 0
        var isInline = false
        var maxTf = 0
        var minLength = 0
        var inline: TermInfo.InlinePostings?

        /// The last entry's info.
        var info: TermInfo {
            TermInfo(documentFrequency: df, postingsOffset: isInline ? 0 : postings, positionsOffset: isInline ? 0 : positions,
                     maxFrequency: maxTf, minLength: minLength, inline: inline)
        }

        init(_ segment: SegmentReader, block: Int) throws(IndexError) {
            self.segment = segment
            self.block = block
            let bytes = try segment.termBlock(block)
            r = ByteReader(bytes)
            blockStart = bytes.baseAddress.map { $0 - segment.whole.baseAddress! } ?? 0
            inlineEntries = segment.version >= SegmentFormat.versionStoredDictionaries
            documentLimit = 2 * segment.documentCount + 1
            postingsCount = segment.postingsRange.count
            positionsCount = segment.positionsRange.count
        }

        func damaged(at offset: Int) -> IndexError {
            segment.corrupt("term block \(block) is damaged", at: segment.sections[.terms]!.range.lowerBound + offset)
        }

        @inline(__always)
        mutating func next() throws(IndexError) -> (prefix: Int, suffix: UnsafeRawBufferPointer)? {
            if r.isAtEnd { return nil }
            let first = r.offset == 0
            guard let prefix = r.readInt(limit: length), let suffixCount = r.readInt(limit: 4096),
                  let suffix = r.readBytes(suffixCount), let code = r.readInt(limit: documentLimit) else { throw damaged(at: r.offset) }
            df = inlineEntries ? code >> 1 : code
            isInline = inlineEntries && code & 1 == 1
            if !isInline {
                guard let pDelta = r.readInt(limit: postingsCount), let qDelta = r.readInt(limit: positionsCount) else { throw damaged(at: r.offset) }
                postings = haveOffsets ? postings + pDelta : pDelta
                positions = haveOffsets ? positions + qDelta : qDelta
                haveOffsets = true
            }
            guard let maxTf = r.readInt(limit: Int(UInt32.max)), let minLength = r.readInt(limit: Int(UInt32.max)) else { throw damaged(at: r.offset) }
            self.maxTf = maxTf
            self.minLength = minLength
            inline = nil
            if isInline {
                guard df < BitPacking.blockSize, let docsLength = r.readInt(limit: SegmentFormat.inlineLimit),
                      let positionsLength = r.readInt(limit: SegmentFormat.inlineLimit - docsLength) else { throw damaged(at: r.offset) }
                let docs = blockStart + r.offset
                guard r.readBytes(docsLength) != nil, r.readBytes(positionsLength) != nil else { throw damaged(at: r.offset) }
                inline = .init(documents: docs..<(docs + docsLength), positions: (docs + docsLength)..<(docs + docsLength + positionsLength))
            }
            guard !first || prefix == 0 else { throw segment.corrupt("term block \(block) does not start with a full term") }
            guard postings <= postingsCount, positions <= positionsCount, df > 0 else {
                throw segment.corrupt("term entry in block \(block) points outside the postings")
            }
            length = prefix + suffixCount
            return (prefix, suffix)
        }
    }

    /// Calls `body(term, info)` for the terms of block `block` from the start, in order,
    /// until `body` returns false.
    func scanBlock(_ block: Int, _ body: (UnsafeBufferPointer<UInt8>, TermInfo) -> Bool) throws(IndexError) {
        var entries = try BlockEntries(self, block: block)
        // The current term, rebuilt in place from each entry's shared prefix and suffix.
        let term = ScratchBuffer<UInt8>(capacity: 256)
        while let (prefix, suffix) = try entries.next() {
            term.truncate(to: prefix)
            term.append(contentsOf: suffix.assumingMemoryBound(to: UInt8.self))
            if !body(term.buffer, entries.info) { return }
        }
    }

    /// The block whose first term is the greatest ≤ `term` (or 0).
    private func blockFor(_ term: UnsafeBufferPointer<UInt8>) throws(IndexError) -> Int {
        var lo = 0
        var hi = blockCount - 1
        var answer = 0
        let key = BlockKeys.key(term)
        func firstBytes(_ block: Int) throws(IndexError) -> UnsafeBufferPointer<UInt8> {
            let first = try firstTerm(ofBlock: block)
            return UnsafeBufferPointer(start: first.baseAddress?.assumingMemoryBound(to: UInt8.self), count: first.count)
        }
        while lo <= hi {
            let mid = (lo + hi) / 2
            var firstKey = blockKeys[mid]
            if firstKey == 0 {
                firstKey = BlockKeys.key(try firstBytes(mid))
                blockKeys[mid] = firstKey
            }
            let order = firstKey != key ? (firstKey < key ? -1 : 1)
                : BlockKeys.isAmbiguous(key) ? compareBytes(try firstBytes(mid), term) : 0
            if order <= 0 {
                answer = mid
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        return answer
    }

    /// Exact lookup. - Complexity: O(log(terms / 32)) block probes plus one block scan.
    public func lookup(_ term: UnsafeBufferPointer<UInt8>) throws(IndexError) -> TermInfo? {
        if blockCount == 0 { return nil }
        return try find(term, inBlock: try blockFor(term))
    }

    /// The info of `target` among the terms of block `block`, or nil. The entries are
    /// read and checked as `scanBlock` reads them, but each term is compared with
    /// `target` from the prefix it shares with the term before, not rebuilt: with
    /// `matched` bytes of the previous term equal to the target's and the term below it,
    /// a term sharing more than `matched` bytes with it is below the target too, and one
    /// sharing fewer is above (the terms are in order); only a term sharing exactly
    /// `matched` bytes has its suffix compared.
    private func find(_ target: UnsafeBufferPointer<UInt8>, inBlock block: Int) throws(IndexError) -> TermInfo? {
        var entries = try BlockEntries(self, block: block)
        var matched = 0
        while let (prefix, suffix) = try entries.next() {
            if prefix > matched { continue }
            if prefix < matched { return nil }
            // The term is target[0..<prefix] + suffix: compare the suffix with the rest.
            let rest = target.count - prefix
            let n = min(suffix.count, rest)
            var i = 0
            while i < n && suffix[i] == target[prefix + i] { i += 1 }
            if i < n {
                if suffix[i] > target[prefix + i] { return nil }
                matched = prefix + i
            } else if suffix.count < rest {
                matched = prefix + suffix.count
            } else if suffix.count > rest {
                return nil
            } else {
                return entries.info
            }
        }
        return nil
    }

    public func lookup(_ term: String) throws(IndexError) -> TermInfo? {
        let bytes = Array(term.utf8)
        return try bytes.withUnsafeBufferPointer { (b) throws(IndexError) in try lookup(b) }
    }

    /// Every term that starts with `prefix`, in order, with its info.
    public func terms(withPrefix prefix: [UInt8], limit: Int = Int.max) throws(IndexError) -> [([UInt8], TermInfo)] {
        if blockCount == 0 { return [] }
        var result: [([UInt8], TermInfo)] = []
        var block = try prefix.withUnsafeBufferPointer { (p) throws(IndexError) in try blockFor(p) }
        var done = false
        while !done && block < blockCount {
            try scanBlock(block) { t, info in
                if t.count >= prefix.count && prefix.withUnsafeBufferPointer({ compareBytes(UnsafeBufferPointer(rebasing: t[0..<prefix.count]), $0) == 0 }) {
                    result.append((Array(t), info))
                    if result.count >= limit { done = true; return false }
                    return true
                }
                if prefix.withUnsafeBufferPointer({ compareBytes(t, $0) > 0 }) { done = true; return false }
                return true
            }
            block += 1
        }
        return result
    }

    /// Every term with its info, in order (for `check`, merging and tests).
    public func forEachTerm(_ body: (UnsafeBufferPointer<UInt8>, TermInfo) throws(IndexError) -> Void) throws(IndexError) {
        var failure: IndexError?
        for block in 0..<blockCount {
            try scanBlock(block) { t, info in
                do throws(IndexError) { try body(t, info) } catch { failure = error; return false }
                return true
            }
            if let failure { throw failure }
        }
    }

    /// Iterates the dictionary in order one block at a time (memory: one block).
    public final class TermCursor {
        let segment: SegmentReader
        private var block = 0
        private var buffered: [([UInt8], TermInfo)] = []
        private var index = 0

        init(segment: SegmentReader) { self.segment = segment }

        /// The next term and its info, or nil at the end.
        public func next() throws(IndexError) -> ([UInt8], TermInfo)? {
            while index >= buffered.count {
                if block >= segment.blockCount { return nil }
                buffered.removeAll(keepingCapacity: true)
                index = 0
                try segment.scanBlock(block) { t, info in buffered.append((Array(t), info)); return true }
                block += 1
            }
            defer { index += 1 }
            return buffered[index]
        }
    }

    public func termCursor() -> TermCursor { TermCursor(segment: self) }

    // MARK: Postings

    public func postings(_ info: TermInfo) throws(IndexError) -> PostingsIterator {
        try PostingsIterator(segment: self, info: info)
    }
}
