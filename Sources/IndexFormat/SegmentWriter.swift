import Analysis
#if canImport(Glibc)
import Glibc
#endif

/// What a document contributes to a segment besides its postings.
public struct DocumentRecord: Sendable, Equatable {
    /// Identity: the path relative to the indexed folder, `/`-separated.
    public var path: String
    /// The first non-empty line of the stored text (`DocumentTitle`). Records of format
    /// versions 2, 3 and 6 on hold it; read records of versions 4 and 5 leave it empty
    /// (`SegmentReader.title(of:)` derives it from the stored text).
    public var title: String
    /// File size in bytes and modification time (nanoseconds since 1970), for incremental runs.
    public var size: UInt64
    public var mtime: Int64
    /// Hash of the file's bytes (`ContentHash`).
    public var contentHash: UInt64

    public init(path: String, title: String = "", size: UInt64, mtime: Int64, contentHash: UInt64) {
        self.path = path
        self.title = title
        self.size = size
        self.mtime = mtime
        self.contentHash = contentHash
    }
}

/// Summary of a written segment.
public struct SegmentInfo: Sendable, Equatable {
    public var name: String
    public var documentCount: Int
    public var termCount: Int
    public var tokenCount: Int
    public var byteCount: Int
}

/// Writes one segment file (grammar in `SegmentFormat`), streaming: stored text and
/// postings go to the file as they come, document records, common-word codes and
/// positions to three temporary files appended at the end, so memory stays small
/// whatever the segment's size (a few bytes per document and per term).
///
/// Call order: `addDocument` for every document in id order (ids are implicit:
/// 0, 1, 2, …), then for every term in increasing UTF-8 byte order `beginTerm`,
/// `addPosting`… (increasing document ids), `endTerm` — or `write` of the term encoded
/// by a `makeTermEncoder()` encoder, on any thread; finally `finish`. Debug builds
/// assert the order. After an error, call `abandon` (the files are left for the next
/// writer's clean-up of unreferenced files).
public struct SegmentWriter {
    public let directory: String
    public let name: String
    private var file: FileStream
    private var documents: FileStream
    private var words: FileStream
    private var positions: FileStream
    private var sections: [(SegmentFormat.Section, Range<Int>, UInt32)] = []

    private var lengths: [UInt32] = []
    private var documentOffsets: [UInt64] = []
    private var storedOffsets: [UInt64] = []
    private var wordOffsets: [UInt64] = []
    private var tokenCount = 0
    private var storedOpen = false
    private var postingsOpen = false

    private var terms = ByteWriter()
    private var blockOffsets: [UInt64] = []
    private var termsInBlock = 0
    private var previousTerm: [UInt8] = []
    private var termCount = 0
    private var lastPostingsOffset = 0
    private var lastPositionsOffset = 0
    /// The current dictionary block has an entry with postings in the postings section
    /// (the next such entry's offsets are deltas from it).
    private var blockHasOffsets = false
    private static let positionsChunk = 1 << 20
    /// Encodes the streamed terms (`beginTerm`…`endTerm`); made once the documents are in.
    private var encoder: TermEncoder?
    /// The current streamed term (its bytes set by `beginTerm`, the rest by `endTerm`).
    private var encoded = EncodedTerm()
    private var inTerm = false
    private var termPositionsStart = 0
    private var record = ByteWriter()
    /// The preset dictionaries the stored documents' `Dictionary` numbers refer to.
    public let storedDictionaries: [StoredTextDictionary]
    /// The terms every document's common-word codes name (`CommonWords`).
    public let commonWords: [[UInt8]]
    /// The pairs of those words side by side, per document (`CommonPairs`).
    private var pairs = CommonPairsBuilder()

    /// A writer of `directory/name.seg` whose stored documents may name
    /// `storedDictionaries` (number k: the k-th, from 1), and whose documents come with
    /// codes for `commonWords` (at most `CommonWords.maximumCount` terms).
    public init(directory: String, name: String, storedDictionaries: [StoredTextDictionary] = [],
                commonWords: [[UInt8]] = []) throws(IndexError) {
        self.directory = directory
        self.name = name
        self.storedDictionaries = storedDictionaries
        self.commonWords = commonWords
        let path = directory + "/" + SegmentFormat.fileName(segment: name)
        file = try FileStream(path: path)
        documents = try FileStream(path: path + ".documents.tmp")
        words = try FileStream(path: path + ".words.tmp")
        positions = try FileStream(path: path + ".positions.tmp")
        try words.write(CommonWords.header(commonWords))
        var head = ByteWriter()
        FileHeader.write(kind: SegmentFormat.kind, version: SegmentFormat.currentVersion, checked: true, into: &head)
        try file.write(head.bytes)
    }

    public var documentCount: Int { lengths.count }

    /// Adds the next document. `storedBlob` is a `StoredDocument` of the current layout
    /// (its dictionary number, when not 0, one of `storedDictionaries`); `wordCodes` its
    /// `CommonWords` codes for `commonWords` (`CommonWords.byteCount` bytes; none when
    /// there are no words).
    public mutating func addDocument(_ doc: DocumentRecord, length: Int, storedBlob: UnsafeRawBufferPointer,
                                     wordCodes: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) throws(IndexError) {
        assert(!inTerm && termCount == 0, "documents come before terms")
        precondition(wordCodes.count == CommonWords.byteCount(length: length, count: commonWords.count))
        wordOffsets.append(UInt64(words.offset))
        try words.write(wordCodes)
        pairs.add(codes: wordCodes, length: length)
        var crc = ByteWriter(capacity: 4)
        crc.u32(Checksum.crc32(wordCodes))
        try words.write(crc.bytes)
        if !storedOpen {
            try file.beginSection()
            storedOpen = true
        }
        lengths.append(UInt32(clamping: length))
        tokenCount += length
        documentOffsets.append(UInt64(documents.offset))
        record.bytes.removeAll(keepingCapacity: true)
        record.string(doc.path)
        record.string(doc.title)
        record.varint(doc.size)
        record.u64(UInt64(bitPattern: doc.mtime))
        record.u64(doc.contentHash)
        record.u32(Checksum.crc32(record.bytes))
        try documents.write(record.bytes)
        storedOffsets.append(UInt64(file.offset - file.endSection().range.lowerBound))
        try file.write(storedBlob)
    }

    private mutating func closeStored() throws(IndexError) {
        if !storedOpen {
            try file.beginSection()
            storedOpen = true
        }
        if postingsOpen { return }
        let stored = file.endSection()
        sections.append((.stored, stored.range, stored.crc))
        try file.beginSection()
        postingsOpen = true
    }

    public mutating func beginTerm(_ term: UnsafeBufferPointer<UInt8>) throws(IndexError) {
        assert(!inTerm)
        assert(termCount == 0 || lexicographicallyPrecedes(previousTerm, term), "terms in increasing byte order")
        try closeStored()
        encoded.term.removeAll(keepingCapacity: true)
        encoded.term.append(contentsOf: term)
        inTerm = true
        if encoder == nil { encoder = makeTermEncoder() }
        encoder!.begin()
        termPositionsStart = positions.offset
    }

    /// Adds one document of the current term: its id, frequency and its positions already
    /// encoded as `tf` position-delta varints (first position absolute).
    public mutating func addPosting(document: Int, frequency: Int, encodedPositions: UnsafeRawBufferPointer) throws(IndexError) {
        assert(inTerm)
        encoder!.add(document: document, frequency: frequency, encodedPositions: encodedPositions)
        // A huge term's positions go to the positions stream a megabyte at a time.
        if encoder!.bufferedPositions.count >= Self.positionsChunk {
            try positions.write(encoder!.bufferedPositions)
            encoder!.takePositions()
        }
    }

    public mutating func endTerm() throws(IndexError) {
        assert(inTerm)
        inTerm = false
        if encoder!.documentCount == 0 { return }  // nothing was written for it
        encoder!.finish(into: &encoded)
        try add(encoded, positionsStart: termPositionsStart)
    }

    /// An encoder for this segment's terms (for `write(_:)`): call after the last
    /// `addDocument`.
    public func makeTermEncoder() -> TermEncoder {
        TermEncoder(lengths: lengths)
    }

    /// Adds a term encoded by `makeTermEncoder()`'s encoder, in the same increasing
    /// byte order as `beginTerm`; the same bytes as streaming its postings.
    public mutating func write(_ term: EncodedTerm) throws(IndexError) {
        assert(!inTerm)
        assert(termCount == 0 || term.term.withUnsafeBufferPointer { lexicographicallyPrecedes(previousTerm, $0) }, "terms in increasing byte order")
        try closeStored()
        try add(term, positionsStart: positions.offset)
    }

    /// Writes an encoded term's postings (its positions at `positionsStart` of the
    /// positions stream, where the part already written begins) and its dictionary entry.
    private mutating func add(_ e: EncodedTerm, positionsStart termPositionsStart: Int) throws(IndexError) {
        let postingsStart = file.offset - file.endSection().range.lowerBound
        if !e.inline {
            try positions.write(e.positions)
            try file.write(e.postings)
        }
        // Dictionary entry.
        let term = e.term
        if termsInBlock == SegmentFormat.termsPerBlock { termsInBlock = 0 }
        let first = termsInBlock == 0
        if first { blockOffsets.append(UInt64(terms.count)) }
        var prefix = 0
        if !first {
            let limit = min(previousTerm.count, term.count, 255)
            while prefix < limit && previousTerm[prefix] == term[prefix] { prefix += 1 }
        }
        terms.varint(prefix)
        terms.varint(term.count - prefix)
        terms.append(term[prefix...])
        if first { blockHasOffsets = false }
        terms.varint(e.documentFrequency << 1 | (e.inline ? 1 : 0))
        if !e.inline {
            terms.varint(blockHasOffsets ? postingsStart - lastPostingsOffset : postingsStart)
            terms.varint(blockHasOffsets ? termPositionsStart - lastPositionsOffset : termPositionsStart)
            lastPostingsOffset = postingsStart
            lastPositionsOffset = termPositionsStart
            blockHasOffsets = true
        }
        terms.varint(UInt64(e.maxFrequency))
        terms.varint(UInt64(e.minLength))
        if e.inline {
            terms.varint(e.postings.count)
            terms.varint(e.positions.count)
            terms.append(e.postings)
            terms.append(e.positions)
        }
        termsInBlock += 1
        termCount += 1
        previousTerm.removeAll(keepingCapacity: true)
        previousTerm.append(contentsOf: term)
    }

    private mutating func section(_ kind: SegmentFormat.Section, _ bytes: [UInt8]) throws(IndexError) {
        try file.beginSection()
        try file.write(bytes)
        let s = file.endSection()
        sections.append((kind, s.range, s.crc))
    }

    /// Completes `directory/name.seg`, fsyncs it and removes the temporary files.
    public mutating func finish() throws(IndexError) -> SegmentInfo {
        assert(!inTerm)
        try closeStored()
        let postings = file.endSection()
        sections.append((.postings, postings.range, postings.crc))
        try documents.close(sync: false)
        try words.close(sync: false)
        try positions.close(sync: false)
        // The temporary streams are one section each: their CRCs are the sections' own.
        try file.beginSection()
        let written = documents.endSection()
        try file.appendSection(from: documents.path, length: written.range.count, crc: written.crc)
        let d = file.endSection()
        sections.append((.documents, d.range, d.crc))
        try file.beginSection()
        let positionsWritten = positions.endSection()
        try file.appendSection(from: positions.path, length: positionsWritten.range.count, crc: positionsWritten.crc)
        let q = file.endSection()
        sections.append((.positions, q.range, q.crc))
        try file.beginSection()
        let wordsWritten = words.endSection()
        try file.appendSection(from: words.path, length: wordsWritten.range.count, crc: wordsWritten.crc)
        let w = file.endSection()
        sections.append((.commonWords, w.range, w.crc))
        unlink(documents.path)
        unlink(words.path)
        unlink(positions.path)
        try section(.terms, terms.bytes)
        var index = ByteWriter(capacity: 8 + blockOffsets.count * 12)
        index.u64(UInt64(blockOffsets.count))
        for o in blockOffsets { index.u64(o) }
        terms.bytes.withUnsafeBytes { all in
            for (i, o) in blockOffsets.enumerated() {
                let end = i + 1 < blockOffsets.count ? Int(blockOffsets[i + 1]) : all.count
                index.u32(Checksum.crc32(UnsafeRawBufferPointer(rebasing: all[Int(o)..<end])))
            }
        }
        try section(.termIndex, index.bytes)
        var lengthBytes = ByteWriter(capacity: lengths.count * 4)
        for l in lengths { lengthBytes.u32(l) }
        try section(.lengths, lengthBytes.bytes)
        try section(.documentOffsets, Self.offsetTable(documentOffsets, end: documents.offset))
        try section(.storedOffsets, Self.offsetTable(storedOffsets, end: sections.first { $0.0 == .stored }!.1.count))
        try section(.commonWordOffsets, Self.offsetTable(wordOffsets, end: words.offset))
        var dictionaries = ByteWriter(capacity: 8 + storedDictionaries.reduce(0) { $0 + $1.bytes.count + 8 + StoredTextCode.serializedSize })
        dictionaries.varint(storedDictionaries.count)
        for d in storedDictionaries {
            dictionaries.varint(d.bytes.count)
            dictionaries.append(d.bytes)
            let code = d.code?.serialized ?? []
            dictionaries.varint(code.count)
            dictionaries.append(code)
        }
        try section(.storedDictionaries, dictionaries.bytes)
        guard let pairBytes = pairs.serialized() else {
            // A pair's list past 4 GiB: more than its skip entries can address.
            throw .io(path: directory + "/" + SegmentFormat.fileName(segment: name), operation: "write common-word pairs", errno: EFBIG)
        }
        try section(.commonPairs, pairBytes)

        try file.beginSection()
        var tail = ByteWriter()
        for (kind, range, crc) in sections {
            tail.u32(kind.rawValue)
            tail.u32(crc)
            tail.u64(UInt64(range.lowerBound))
            tail.u64(UInt64(range.count))
        }
        tail.u64(UInt64(file.offset))
        tail.u32(UInt32(sections.count))
        tail.u32(UInt32(lengths.count))
        tail.u64(UInt64(termCount))
        tail.u64(UInt64(tokenCount))
        tail.u32(Checksum.crc32(tail.bytes))
        tail.append(SegmentFormat.endMagic)
        try file.write(tail.bytes)
        let size = file.offset
        try file.close(sync: true)
        return SegmentInfo(name: name, documentCount: lengths.count, termCount: termCount,
                           tokenCount: tokenCount, byteCount: size)
    }

    /// `offsets` and then `end` (the section's length), as u32 when that fits, else u64.
    private static func offsetTable(_ offsets: [UInt64], end: Int) -> [UInt8] {
        let width = SegmentFormat.offsetWidth(sectionLength: end, version: SegmentFormat.currentVersion)
        var table = ByteWriter(capacity: (offsets.count + 1) * width)
        for o in offsets {
            if width == 4 { table.u32(UInt32(o)) } else { table.u64(o) }
        }
        if width == 4 { table.u32(UInt32(end)) } else { table.u64(UInt64(end)) }
        return table.bytes
    }

    /// Gives up after an error: closes the files and removes the temporary ones.
    public mutating func abandon() {
        file.abandon()
        documents.abandon()
        words.abandon()
        positions.abandon()
        unlink(documents.path)
        unlink(words.path)
        unlink(positions.path)
    }
}

@inline(__always)
func lexicographicallyPrecedes(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    a.withUnsafeBufferPointer { compareBytes($0, b) < 0 }
}

