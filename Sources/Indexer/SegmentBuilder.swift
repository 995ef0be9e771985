import Analysis
import IndexFormat

/// The in-memory inverted buffer: documents are added in id order (the order the
/// indexer hands them over, which is path order), and `flush` writes them as one
/// immutable segment.
struct SegmentBuilder {
    private var table = TermTable(capacity: 1 << 16)
    /// Per term: (document delta, tf, position byte count) varints.
    private var postings: [[UInt8]] = []
    /// Per term: the position-delta varints of each of its documents, back to back.
    private var positions: [[UInt8]] = []
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
        if workerEpochs[doc.worker] != doc.vocabularyEpoch {
            workerMaps[doc.worker].removeAll(keepingCapacity: true)
            workerEpochs[doc.worker] = doc.vocabularyEpoch
        }
        doc.termBytes.withUnsafeBufferPointer { termBytes in
            doc.positionBytes.withUnsafeBufferPointer { positionBytes in
                for entry in doc.terms {
                    let v = Int(entry.vocabularyID)
                    if v >= workerMaps[doc.worker].count {
                        let grow = max(v + 1, workerMaps[doc.worker].count * 2, 1024)
                        workerMaps[doc.worker].append(contentsOf: repeatElement(-1, count: grow - workerMaps[doc.worker].count))
                    }
                    var term = Int(workerMaps[doc.worker][v])
                    if term < 0 {
                        let bytes = UnsafeBufferPointer(rebasing: termBytes[Int(entry.bytes.lowerBound)..<Int(entry.bytes.upperBound)])
                        let (id, isNew) = table.id(of: bytes)
                        if isNew {
                            postings.append([])
                            positions.append([])
                            lastDocument.append(0)
                        }
                        term = id
                        workerMaps[doc.worker][v] = Int32(id)
                    }
                    let before = postings[term].capacity + positions[term].capacity
                    let delta = id - lastDocument[term]
                    lastDocument[term] = id
                    appendVarint(UInt32(delta), to: &postings[term])
                    appendVarint(UInt32(entry.frequency), to: &postings[term])
                    appendVarint(UInt32(entry.positions.count), to: &postings[term])
                    positions[term].append(contentsOf: positionBytes[Int(entry.positions.lowerBound)..<Int(entry.positions.upperBound)])
                    bufferedBytes += postings[term].capacity + positions[term].capacity - before
                }
            }
        }
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
                try positions[term].withUnsafeBufferPointer { (q) throws(IndexError) in
                    var r = ByteReader(UnsafeRawBufferPointer(p))
                    var doc = 0
                    var positionOffset = 0
                    while !r.isAtEnd {
                        // Our own buffer: the varints are well-formed.
                        doc += Int(r.readVarint()!)
                        let tf = Int(r.readVarint()!)
                        let count = Int(r.readVarint()!)
                        try writer.addPosting(document: doc, frequency: tf,
                                              encodedPositions: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(q)[positionOffset..<(positionOffset + count)]))
                        positionOffset += count
                    }
                }
            }
            try writer.endTerm()
            postings[term] = []
            positions[term] = []
        }
        return try writer.finish()
    }
}
