import Analysis
import IndexFormat

/// The in-memory inverted buffer: documents are added in id order (the order the
/// indexer hands them over, which is path order), and `flush` writes them as one
/// immutable segment.
struct SegmentBuilder {
    private var table = TermTable(capacity: 1 << 16)
    /// Per term, its postings in document order, each the varints (document delta, tf,
    /// position byte count) followed by those position-delta varints. One array per
    /// term, not two: adding a document touches each of its terms' memory once, and
    /// those touches (cache misses: the terms are all over the heap) are most of the cost.
    private var postings: [[UInt8]] = []
    private var lastDocument: [Int32] = []
    private var records: [DocumentRecord] = []
    private var lengths: [Int] = []
    private var storedBlobs: [[UInt8]] = []
    private var bufferedBytes = 0
    /// Per worker: its vocabulary id → this buffer's term id (-1: not seen yet), valid
    /// for `workerEpochs[worker]`.
    private var workerMaps: [[Int32]] = []
    private var workerEpochs: [Int] = []

    var documentCount: Int { records.count }
    var isEmpty: Bool { records.isEmpty }

    /// Approximate heap bytes held beyond an empty buffer's fixed tables.
    var memoryUsage: Int {
        bufferedBytes + table.memoryUsage - Self.emptyTableMemory + postings.count * 120 + records.count * 160
    }

    private static let emptyTableMemory = TermTable(capacity: 1 << 16).memoryUsage

    /// This buffer's term id of each entry of the document being added.
    private var documentTerms: [Int32] = []

    mutating func add(_ doc: AnalyzedDocument) {
        let id = Int32(records.count)
        records.append(doc.record)
        lengths.append(doc.length)
        storedBlobs.append(doc.storedBlob)
        bufferedBytes += doc.storedBlob.count + doc.record.path.utf8.count + doc.record.title.utf8.count
        while workerMaps.count <= doc.worker {
            workerMaps.append([])
            workerEpochs.append(-1)
        }
        // The worker's map is moved out while it is used, so it is not copied on write.
        var map = workerMaps[doc.worker]
        workerMaps[doc.worker] = []
        if workerEpochs[doc.worker] != doc.vocabularyEpoch {
            map.removeAll(keepingCapacity: true)
            workerEpochs[doc.worker] = doc.vocabularyEpoch
        }
        // First this buffer's id of every term (new terms get new lists), then the postings.
        documentTerms.removeAll(keepingCapacity: true)
        doc.termBytes.withUnsafeBufferPointer { termBytes in
            for entry in doc.terms {
                let v = Int(entry.vocabularyID)
                if v >= map.count {
                    let grow = max(v + 1, map.count * 2, 1024)
                    map.append(contentsOf: repeatElement(-1, count: grow - map.count))
                }
                var term = map[v]
                if term < 0 {
                    let bytes = UnsafeBufferPointer(rebasing: termBytes[Int(entry.bytes.lowerBound)..<Int(entry.bytes.upperBound)])
                    let (id, isNew) = table.id(of: bytes)
                    if isNew {
                        postings.append([])
                        lastDocument.append(0)
                    }
                    term = Int32(id)
                    map[v] = term
                }
                documentTerms.append(term)
            }
        }
        workerMaps[doc.worker] = map
        var grown = 0
        doc.positionBytes.withUnsafeBufferPointer { positionBytes in
            postings.withUnsafeMutableBufferPointer { lists in
                lastDocument.withUnsafeMutableBufferPointer { lastDocument in
                    for (k, entry) in doc.terms.enumerated() {
                        let term = Int(documentTerms[k])
                        let delta = id - lastDocument[term]
                        lastDocument[term] = id
                        var head: (UInt64, UInt64) = (0, 0)
                        let headCount = withUnsafeMutableBytes(of: &head) { raw in
                            var n = 0
                            putVarint(UInt32(delta), raw, &n)
                            putVarint(UInt32(entry.frequency), raw, &n)
                            putVarint(UInt32(entry.positions.count), raw, &n)
                            return n
                        }
                        let before = lists[term].capacity
                        withUnsafeBytes(of: &head) { lists[term].append(contentsOf: $0[0..<headCount]) }
                        lists[term].append(contentsOf: positionBytes[Int(entry.positions.lowerBound)..<Int(entry.positions.upperBound)])
                        grown += lists[term].capacity - before
                    }
                }
            }
        }
        bufferedBytes += grown
    }

    /// Writes the buffered documents as segment `name` and empties the buffer.
    mutating func flush(directory: String, name: String) throws(IndexError) -> SegmentInfo {
        var writer = try SegmentWriter(directory: directory, name: name)
        do {
            let info = try write(into: &writer)
            self = SegmentBuilder()
            return info
        } catch {
            writer.abandon()
            throw error
        }
    }

    private mutating func write(into writer: inout SegmentWriter) throws(IndexError) -> SegmentInfo {
        for i in records.indices {
            try storedBlobs[i].withUnsafeBufferPointer { (b) throws(IndexError) in
                try writer.addDocument(records[i], length: lengths[i], storedBlob: UnsafeRawBufferPointer(b))
            }
            storedBlobs[i] = []
        }
        for term in table.sortedIds() {
            let bytes = Array(table.bytes(of: term))
            try bytes.withUnsafeBufferPointer { (b) throws(IndexError) in try writer.beginTerm(b) }
            try postings[term].withUnsafeBufferPointer { (p) throws(IndexError) in
                var r = ByteReader(UnsafeRawBufferPointer(p))
                var doc = 0
                while !r.isAtEnd {
                    // Our own buffer: the varints are well-formed.
                    doc += Int(r.readVarint()!)
                    let tf = Int(r.readVarint()!)
                    let count = Int(r.readVarint()!)
                    try writer.addPosting(document: doc, frequency: tf, encodedPositions: r.readBytes(count)!)
                }
            }
            try writer.endTerm()
            postings[term] = []
        }
        return try writer.finish()
    }
}

/// Writes `value` as a varint at `raw[n...]` and advances `n` (at most 5 bytes).
@inline(__always)
private func putVarint(_ value: UInt32, _ raw: UnsafeMutableRawBufferPointer, _ n: inout Int) {
    var v = value
    while v >= 0x80 {
        raw[n] = UInt8(truncatingIfNeeded: v) | 0x80
        v >>= 7
        n += 1
    }
    raw[n] = UInt8(v)
    n += 1
}
