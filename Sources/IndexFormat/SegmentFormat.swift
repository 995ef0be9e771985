/// The segment file: one immutable file per segment, `seg-<id>.seg`.
///
/// Unless noted otherwise numbers are little-endian; `vint` is a LEB128 varint; every
/// CRC32 field is a CRC-32C (`Checksum`).
///
/// ```
/// Segment    --> Header, Section^k, SectionTable, Footer
/// Header     --> Magic "SCTL", Kind "SEGM", Version u32, HeaderCRC32 u32       (16 bytes)
///                HeaderCRC32: of the 12 bytes before it from version 9 on, 0 before.
/// Section    --> bytes, padded to 8; its place and CRC-32C are in the SectionTable
/// SectionTable --> <Kind u32, CRC32 u32, Offset u64, Length u64>^k
/// Footer     --> TableOffset u64, SectionCount u32, DocCount u32, TermCount u64,
///                TokenCount u64, FooterCRC u32, EndMagic "LTCS"                 (40 bytes)
///                FooterCRC covers the SectionTable and the footer fields before it.
///
/// terms      --> TermBlock^b                         (32 terms a block, sorted by UTF-8 bytes)
/// TermBlock  --> TermEntry^≤32                       (the first has PrefixLen 0)
/// TermEntry  --> PrefixLen vint, SuffixLen vint, Suffix, DocFreq·2 + Inline vint,
///                [PostingsDelta vint, PositionsDelta vint], MaxTF vint, MinLength vint,
///                [InlineDocsLength vint, InlinePositionsLength vint, TailDoc^DocFreq, Positions]
///                Inline 0: the postings and positions are in their sections, at the
///                offsets (the block's first such entry absolute, the others deltas from
///                the previous one). Inline 1 (a short list, at most `inlineLimit` bytes of
///                TailDocs and positions): they follow in the entry, under the block's CRC.
/// termIndex  --> BlockCount u64, <BlockOffset u64>^b, <BlockCRC32 u32>^b
///                (offset into `terms`; the CRC-32C of each block, checked when it is read)
/// postings   --> for each term: SkipEntry^n, [Impacts^n], FullBlock^n, [Tail], n = df / 128
///                (Impacts from version 9 on)
/// SkipEntry  --> LastDoc u32, BlockEnd u32, PositionsStart u32, MaxTF u32, MinLength u32,
///                BlockCRC32 u32, PositionsLength u32, PositionsCRC32 u32
///                (BlockEnd: bytes from the first FullBlock to the end of this block;
///                 PositionsStart: bytes from the term's positions to this block's; the
///                 CRCs cover the block and its positions, checked when they are read)
/// Impacts    --> <TF u16, Length u16>^4   (corners that bound the block's documents:
///                every document's TF is at most, and its length at least, those of one
///                corner; TF 65535 stands for the block's MaxTF, a length is capped at
///                65535; unused corners are 0, 0; see `BlockImpacts`)
/// Tail       --> [TailPositions vint], TailPositionsLength vint, TailPositionsCRC32 u32,
///                TailDocsCRC32 u32, TailDoc^(df mod 128)      (when df mod 128 > 0;
///                TailPositions, bytes from the term's positions to the tail's, when n > 0)
/// FullBlock  --> Packed(DocDelta^128), Packed(TF−1 ^128)          (see `BitPacking`)
/// TailDoc    --> DocDelta·2 + (TF == 1 ? 1 : 0) vint, [TF vint when TF ≠ 1]
/// positions  --> for each term, for each group of its documents (each FullBlock's, the
///                Tail's): GroupPositions (see `PackedPositions`), the documents'
///                position deltas (the first of each document its position) in order;
///                before version 5, (Position delta vint)^TF for each document
/// lengths    --> Length u32 ^DocCount                 (positions per document: dl)
/// documents  --> DocRecord^DocCount
/// DocRecord  --> Path (vint length + UTF-8), Title (vint length + UTF-8), Size vint,
///                MTimeNanoseconds u64, ContentHash u64, RecordCRC32 u32 (of the fields
///                before it). The title is the first non-empty line of the stored text
///                (`DocumentTitle`); versions 4 and 5 have no Title field and derive it
///                from the stored text when read.
/// documentOffsets --> Offset^(DocCount+1)               (into `documents`)
/// stored     --> StoredDocument^DocCount (see `StoredDocument`)
/// storedOffsets --> Offset^(DocCount+1)                 (into `stored`)
/// Offset     --> u32 when the section it points into is shorter than 4 GiB, else u64
///                (always u64 before version 4)
/// storedDictionaries --> Count vint, <Length vint, Bytes, Code>^Count   (`StoredTextDictionary`;
///                the k-th is the one a StoredDocument's Dictionary k names; version 3 on)
/// Code       --> CodeLength vint (0 or 158), Lengths   (the dictionary's
///                `StoredTextCode`, 316 lengths of 4 bits; version 8 on, absent before)
/// commonWords --> WordCount u8, <Length u8, Term>^WordCount, DocumentWords^DocCount
///                (version 7 on; see `CommonWords`)
/// DocumentWords --> Code^dl (5 bits each, a little-endian bit stream padded with zero
///                bits to a byte), DocumentWordsCRC32 u32   (no codes when WordCount is 0)
/// commonWordOffsets --> Offset^(DocCount+1)             (into `commonWords`)
/// commonPairs --> the lists of the pairs of common words side by side (version 10 on;
///                see `CommonPairs`)
/// ```
///
/// DocDelta is the difference to the term's previous document (the first document's
/// own id for the first one). Document ids are in path order (UTF-8 byte order).
///
/// Worked example: a term in document 7 with TF 1 (position 4) and in document 11 with
/// TF 3 at positions 2, 5, 9 has no full block; its tail documents are the vints
/// `15, 8, 3` (7·2+1; 4·2+0 then TF 3) and its positions `4` (document 7), then
/// `2, 3, 4` (document 11). Short as it is, the list is inlined: the term `x` alone in a
/// segment is the entry `0, 1, 'x', 5 (2·2+1), 3 (MaxTF), L (MinLength), 3, 4, 15, 8, 3, 4,
/// 2, 3, 4`. Longer, the same tail would sit in the postings section after
/// TailPositionsLength `4` and two CRCs, its positions in the positions section.
public enum SegmentFormat {
    public static let magic: [UInt8] = Array("SCTL".utf8)
    public static let kind: [UInt8] = Array("SEGM".utf8)
    public static let endMagic: [UInt8] = Array("LTCS".utf8)
    public static let headerSize = 16
    public static let footerSize = 40
    public static let sectionEntrySize = 24
    public static let termsPerBlock = 32
    public static let skipEntrySize = 32
    /// The bytes of a full block's `Impacts` (version 9 on).
    public static let impactsSize = 4 * BlockImpacts.corners
    /// The most bytes of tail documents and positions a dictionary entry holds inline:
    /// rare terms (most of a vocabulary) then cost no postings or positions of their own,
    /// no CRCs of their own, and a query for one reads nothing past the dictionary.
    public static let inlineLimit = 64

    /// The first format: positional postings with skip data and block-max statistics.
    public static let versionInitial: UInt32 = 1
    /// Every checksum (sections, footer, blocks, records; manifest and deletions too) is
    /// CRC-32C instead of zlib's CRC-32. Version 1 files are refused (exit 3, rebuild).
    public static let versionCRC32C: UInt32 = 2
    /// Stored text may be compressed with preset dictionaries: a `storedDictionaries`
    /// section, and a dictionary number at the start of every `StoredDocument` (raw
    /// DEFLATE with a CRC-32C); short postings lists inline in their dictionary entries.
    /// Version 2 segments are still read.
    public static let versionStoredDictionaries: UInt32 = 3
    /// Document records without a title (it is the stored text's first non-empty line);
    /// offset tables of u32 for sections under 4 GiB; a stored document's CRC-32C covers
    /// its compressed bytes, so that it is checked without inflating and a prefix of its
    /// text can be inflated alone. Versions 2 and 3 are still read (and rewritten as
    /// version 4 by merges).
    public static let versionDerivedTitles: UInt32 = 4
    /// The positions of each group of documents as patched frame-of-reference chunks of
    /// 128 values (`PackedPositions`) instead of varints. Versions 2 to 4 are still read
    /// (and rewritten as version 5 by merges).
    public static let versionPackedPositions: UInt32 = 5
    /// Document records hold the title again (as versions 2 and 3 did), so that a hit's
    /// title costs no inflating when no snippet is asked for (about 5 µs a hit saved,
    /// 3% more index). Versions 2 to 5 are still read (and rewritten as version 6 by
    /// merges, titles derived from the stored text).
    public static let versionStoredTitles: UInt32 = 6
    /// Each group of positions of 128 values or more starts with a table of where its
    /// chunks end, and its last values (fewer than 128) are packed like a chunk instead
    /// of varints (`PackedPositions`): a phrase reads one document's positions without
    /// walking the chunks before them or decoding varints one by one. Versions 2 to 6
    /// are still read (and rewritten as version 7 by merges).
    /// Each document also has, per position, which of a few very common words stands
    /// there (`CommonWords`), so that an exact phrase checks those words without their
    /// long postings lists.
    public static let versionChunkTables: UInt32 = 7
    /// Each stored dictionary may come with a Huffman code trained with it
    /// (`StoredTextCode`), and a stored document's raw DEFLATE may have blocks of type 3,
    /// coded with it: no code lengths per document (stored text 4% smaller on the
    /// generated corpus), and no decoding tables to build per document read. Versions 2
    /// to 7 are still read (and rewritten as version 8 by merges, their documents as they
    /// were).
    public static let versionSharedCodes: UInt32 = 8
    /// Each full block of postings comes with up to four (TF, length) corners that bound
    /// its documents (`BlockImpacts`), a far tighter bound of their BM25 scores than the
    /// block's largest TF with its smallest length, which come from different documents:
    /// pruning then passes over most blocks of a term that no top document holds.
    /// Versions 2 to 8 are still read (and rewritten as version 9 by merges).
    public static let versionBlockImpacts: UInt32 = 9
    /// For every two common words that stand side by side in a segment, the documents
    /// where they do and how often (`CommonPairs`): a phrase of common words only reads
    /// their pair's list instead of every document that holds its words. Versions 2 to
    /// 9 are still read (and rewritten as version 10 by merges).
    public static let versionCommonPairs: UInt32 = 10
    public static let currentVersion: UInt32 = versionCommonPairs
    public static let supportedVersions: ClosedRange<UInt32> = versionCRC32C...versionCommonPairs

    /// True when document records of `version` hold the title.
    public static func recordsHoldTitles(_ version: UInt32) -> Bool {
        version < versionDerivedTitles || version >= versionStoredTitles
    }

    /// The width of an offset into a section of `length` bytes, in a segment of `version`.
    public static func offsetWidth(sectionLength length: Int, version: UInt32) -> Int {
        version >= versionDerivedTitles && length <= Int(UInt32.max) ? 4 : 8
    }

    public enum Section: UInt32, CaseIterable, Sendable {
        case terms = 1, termIndex, postings, positions, lengths, documents, stored, documentOffsets, storedOffsets
        case storedDictionaries
        case commonWords, commonWordOffsets
        case commonPairs

        public var name: String {
            switch self {
            case .terms: return "terms"
            case .termIndex: return "term index"
            case .postings: return "postings"
            case .positions: return "positions"
            case .lengths: return "lengths"
            case .documents: return "documents"
            case .stored: return "stored text"
            case .documentOffsets: return "document offsets"
            case .storedOffsets: return "stored offsets"
            case .storedDictionaries: return "stored dictionaries"
            case .commonWords: return "common words"
            case .commonWordOffsets: return "common word offsets"
            case .commonPairs: return "common word pairs"
            }
        }
    }

    /// The sections a segment of `version` must have.
    public static func sections(ofVersion version: UInt32) -> [Section] {
        Section.allCases.filter { kind in
            switch kind {
            case .storedDictionaries: return version >= versionStoredDictionaries
            case .commonWords, .commonWordOffsets: return version >= versionChunkTables
            case .commonPairs: return version >= versionCommonPairs
            default: return true
            }
        }
    }

    public static func fileName(segment: String) -> String { segment + ".seg" }
}

/// The header shared by every searchctl binary file: magic, kind, version.
public enum FileHeader {
    /// Writes the header; with `checked`, its last field is the CRC-32C of the 12 bytes
    /// before it, else 0.
    public static func write(kind: [UInt8], version: UInt32, checked: Bool = false, into w: inout ByteWriter) {
        let start = w.bytes.count
        w.append(SegmentFormat.magic)
        w.append(kind)
        w.u32(version)
        w.u32(checked ? w.bytes.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[start...])) } : 0)
    }

    /// Checks magic, kind and version; unknown version → `.unsupportedVersion` (exit 3),
    /// anything else wrong → `.corrupt` (exit 4). With `checkedFrom`, the headers of that
    /// version on end with their CRC-32C, those of earlier versions with 0: a damaged
    /// version number that names another supported version is caught too.
    public static func check(_ bytes: UnsafeRawBufferPointer, kind: [UInt8], supported: ClosedRange<UInt32>,
                             checkedFrom: UInt32? = nil, file: String) throws(IndexError) -> UInt32 {
        guard bytes.count >= SegmentFormat.headerSize else {
            throw .corrupt(file: file, offset: 0, reason: "file is truncated (\(bytes.count) bytes, no complete header)")
        }
        guard Array(bytes[0..<4]) == SegmentFormat.magic, Array(bytes[4..<8]) == kind else {
            throw .corrupt(file: file, offset: 0, reason: "not a searchctl \(String(decoding: kind, as: UTF8.self)) file (bad magic number)")
        }
        let version = ByteReader(bytes).getU32(at: 8)!
        guard supported.contains(version) else {
            throw .unsupportedVersion(file: file, found: version, supported: supported)
        }
        if let checkedFrom {
            let stored = ByteReader(bytes).getU32(at: 12)!
            let expected = version >= checkedFrom ? Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[0..<12])) : 0
            guard stored == expected else { throw .corrupt(file: file, offset: 8, reason: "file header is damaged") }
        }
        return version
    }
}
