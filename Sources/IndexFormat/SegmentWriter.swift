#if canImport(Glibc)
import Glibc
#endif

/// What a document contributes to a segment besides its postings.
public struct DocumentRecord: Sendable, Equatable {
    /// Identity: the path relative to the indexed folder, `/`-separated.
    public var path: String
    /// The first non-empty line.
    public var title: String
    /// File size in bytes and modification time (nanoseconds since 1970), for incremental runs.
    public var size: UInt64
    public var mtime: Int64
    /// Hash of the file's bytes (`ContentHash`).
    public var contentHash: UInt64

    public init(path: String, title: String, size: UInt64, mtime: Int64, contentHash: UInt64) {
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

/// Writes one segment file (grammar in `SegmentFormat`).
///
/// Call order: `addDocument` for every document in id order (ids are implicit:
/// 0, 1, 2, …), then for every term in increasing UTF-8 byte order `beginTerm`,
/// `addPosting`… (increasing document ids), `endTerm`; finally `finish`. Debug builds
/// assert the order.
public struct SegmentWriter {
    private var lengths: [UInt32] = []
    private var documents = ByteWriter()
    private var documentOffsets: [UInt64] = []
    private var stored = ByteWriter()
    private var storedOffsets: [UInt64] = []
    private var tokenCount = 0

    private var terms = ByteWriter()
    private var blockOffsets: [UInt64] = []
    private var termsInBlock = 0
    private var previousTerm: [UInt8] = []
    private var termCount = 0
    private var postings = ByteWriter()
    private var positions = ByteWriter()
    private var lastPostingsOffset = 0
    private var lastPositionsOffset = 0

    // The current term.
    private var currentTerm: [UInt8] = []
    private var inTerm = false
    private var termDocs: [UInt32] = []
    private var termFreqs: [UInt32] = []
    private var termPositionsStart = 0
    private var docPositionStarts: [Int] = []

    public init() {}

    public var documentCount: Int { lengths.count }

    /// Adds the next document. `storedBlob` is a `StoredDocument`.
    public mutating func addDocument(_ record: DocumentRecord, length: Int, storedBlob: UnsafeRawBufferPointer) {
        assert(!inTerm && termCount == 0, "documents come before terms")
        lengths.append(UInt32(clamping: length))
        tokenCount += length
        documentOffsets.append(UInt64(documents.count))
        documents.string(record.path)
        documents.string(record.title)
        documents.varint(record.size)
        documents.u64(UInt64(bitPattern: record.mtime))
        documents.u64(record.contentHash)
        storedOffsets.append(UInt64(stored.count))
        stored.append(storedBlob)
    }

    public mutating func beginTerm(_ term: UnsafeBufferPointer<UInt8>) {
        assert(!inTerm)
        assert(termCount == 0 || lexicographicallyPrecedes(previousTerm, term), "terms in increasing byte order")
        currentTerm.removeAll(keepingCapacity: true)
        currentTerm.append(contentsOf: term)
        inTerm = true
        termDocs.removeAll(keepingCapacity: true)
        termFreqs.removeAll(keepingCapacity: true)
        docPositionStarts.removeAll(keepingCapacity: true)
        termPositionsStart = positions.count
    }

    /// Adds one document of the current term: its id, frequency and its positions already
    /// encoded as `tf` position-delta varints (first position absolute).
    public mutating func addPosting(document: Int, frequency: Int, encodedPositions: UnsafeRawBufferPointer) {
        assert(inTerm)
        assert(termDocs.isEmpty || UInt32(document) > termDocs.last!, "documents in increasing order")
        assert(document < lengths.count)
        termDocs.append(UInt32(document))
        termFreqs.append(UInt32(frequency))
        docPositionStarts.append(positions.count - termPositionsStart)
        positions.append(encodedPositions)
    }

    public mutating func endTerm() {
        assert(inTerm)
        inTerm = false
        let df = termDocs.count
        if df == 0 { positions.bytes.removeSubrange(termPositionsStart...); return }
        let postingsStart = postings.count
        // Skip table, full blocks, tail.
        let fullBlocks = df / BitPacking.blockSize
        var maxTf: UInt32 = 0
        var minLength = UInt32.max
        var blocks: [UInt8] = []
        var skip = ByteWriter(capacity: fullBlocks * SegmentFormat.skipEntrySize)
        var deltas = [UInt32](repeating: 0, count: BitPacking.blockSize)
        var freqs = [UInt32](repeating: 0, count: BitPacking.blockSize)
        var previous: UInt32 = 0
        for block in 0..<fullBlocks {
            var blockMaxTf: UInt32 = 0
            var blockMinLength = UInt32.max
            for i in 0..<BitPacking.blockSize {
                let k = block * BitPacking.blockSize + i
                let doc = termDocs[k]
                deltas[i] = k == 0 ? doc : doc - previous
                previous = doc
                freqs[i] = termFreqs[k] - 1
                blockMaxTf = max(blockMaxTf, termFreqs[k])
                blockMinLength = min(blockMinLength, lengths[Int(doc)])
            }
            deltas.withUnsafeBufferPointer { BitPacking.pack($0, into: &blocks) }
            freqs.withUnsafeBufferPointer { BitPacking.pack($0, into: &blocks) }
            skip.u32(previous)
            skip.u32(UInt32(blocks.count))
            skip.u32(UInt32(docPositionStarts[block * BitPacking.blockSize]))
            skip.u32(blockMaxTf)
            skip.u32(blockMinLength)
            maxTf = max(maxTf, blockMaxTf)
            minLength = min(minLength, blockMinLength)
        }
        postings.append(skip.bytes)
        postings.append(blocks)
        if fullBlocks > 0 && df % BitPacking.blockSize != 0 {
            postings.varint(docPositionStarts[fullBlocks * BitPacking.blockSize])
        }
        for k in (fullBlocks * BitPacking.blockSize)..<df {
            let doc = termDocs[k]
            let delta = k == 0 ? doc : doc - previous
            previous = doc
            let tf = termFreqs[k]
            postings.varint(UInt64(delta) << 1 | (tf == 1 ? 1 : 0))
            if tf != 1 { postings.varint(UInt64(tf)) }
            maxTf = max(maxTf, tf)
            minLength = min(minLength, lengths[Int(doc)])
        }
        // Dictionary entry.
        if termsInBlock == SegmentFormat.termsPerBlock { termsInBlock = 0 }
        let first = termsInBlock == 0
        if first { blockOffsets.append(UInt64(terms.count)) }
        var prefix = 0
        if !first {
            let limit = min(previousTerm.count, currentTerm.count, 255)
            while prefix < limit && previousTerm[prefix] == currentTerm[prefix] { prefix += 1 }
        }
        terms.varint(prefix)
        terms.varint(currentTerm.count - prefix)
        terms.append(currentTerm[prefix...])
        terms.varint(df)
        terms.varint(first ? postingsStart : postingsStart - lastPostingsOffset)
        terms.varint(first ? termPositionsStart : termPositionsStart - lastPositionsOffset)
        terms.varint(UInt64(maxTf))
        terms.varint(UInt64(minLength))
        lastPostingsOffset = postingsStart
        lastPositionsOffset = termPositionsStart
        termsInBlock += 1
        termCount += 1
        swap(&previousTerm, &currentTerm)
    }

    /// Writes the segment to `directory/name.seg` and fsyncs it.
    public mutating func finish(directory: String, name: String) throws(IndexError) -> SegmentInfo {
        assert(!inTerm)
        let path = directory + "/" + SegmentFormat.fileName(segment: name)
        var sections: [(SegmentFormat.Section, [UInt8])] = []
        sections.append((.terms, terms.bytes))
        var index = ByteWriter(capacity: 8 + blockOffsets.count * 8)
        index.u64(UInt64(blockOffsets.count))
        for o in blockOffsets { index.u64(o) }
        sections.append((.termIndex, index.bytes))
        sections.append((.postings, postings.bytes))
        sections.append((.positions, positions.bytes))
        var lengthBytes = ByteWriter(capacity: lengths.count * 4)
        for l in lengths { lengthBytes.u32(l) }
        sections.append((.lengths, lengthBytes.bytes))
        sections.append((.documents, Self.withOffsetTable(documentOffsets, documents.bytes)))
        sections.append((.stored, Self.withOffsetTable(storedOffsets, stored.bytes)))

        let fd = try SystemCall.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(fd) }
        var head = ByteWriter()
        FileHeader.write(kind: SegmentFormat.kind, version: SegmentFormat.currentVersion, into: &head)
        var offset = head.count
        try SystemCall.writeAll(fd, head.bytes, path: path)
        var table = ByteWriter()
        for (kind, bytes) in sections {
            let padding = (8 - offset % 8) % 8
            if padding > 0 {
                let zeros = [UInt8](repeating: 0, count: padding)
                try SystemCall.writeAll(fd, zeros, path: path)
                offset += padding
            }
            table.u32(kind.rawValue)
            table.u32(Checksum.crc32(bytes))
            table.u64(UInt64(offset))
            table.u64(UInt64(bytes.count))
            try SystemCall.writeAll(fd, bytes, path: path)
            offset += bytes.count
        }
        var tail = ByteWriter()
        tail.append(table.bytes)
        tail.u64(UInt64(offset))
        tail.u32(UInt32(sections.count))
        tail.u32(UInt32(lengths.count))
        tail.u64(UInt64(termCount))
        tail.u64(UInt64(tokenCount))
        tail.u32(Checksum.crc32(tail.bytes))
        tail.append(SegmentFormat.endMagic)
        try SystemCall.writeAll(fd, tail.bytes, path: path)
        try SystemCall.fsync(fd, path: path)
        return SegmentInfo(name: name, documentCount: lengths.count, termCount: termCount,
                           tokenCount: tokenCount, byteCount: offset + tail.count)
    }

    private static func withOffsetTable(_ offsets: [UInt64], _ body: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: (offsets.count + 1) * 8 + body.count)
        for o in offsets { w.u64(o) }
        w.u64(UInt64(body.count))
        w.append(body)
        return w.bytes
    }
}

@inline(__always)
func lexicographicallyPrecedes(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    a.withUnsafeBufferPointer { compareBytes($0, b) < 0 }
}

/// Compares two byte strings: negative, zero or positive.
@inline(__always)
public func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}
