import Analysis
import IndexFormat

/// One document after analysis, ready to be added to the in-memory segment: made by a
/// worker thread, consumed by the indexing thread.
struct AnalyzedDocument: @unchecked Sendable {
    var record: DocumentRecord
    /// Number of positions (`dl`).
    var length: Int
    /// The UTF-8 bytes of the document's terms that its worker has not sent before (in
    /// this vocabulary epoch), back to back (`TermEntry.bytes`).
    var termBytes: [UInt8]
    var terms: [TermEntry]
    /// Position-delta varints of every term, back to back (`TermEntry.positions`).
    var positionBytes: [UInt8]
    /// The `StoredDocument` blob: checkpoints and compressed UTF-8 text.
    var storedBlob: [UInt8]
    /// The charset used when the file was not UTF-8.
    var detectedCharset: String?
    /// Which worker analyzed it, and the epoch of that worker's vocabulary: together
    /// with `TermEntry.vocabularyID` they let the buffer map terms without hashing.
    var worker = 0
    var vocabularyEpoch = 0

    struct TermEntry {
        var vocabularyID: Int32
        /// The term's bytes in `termBytes`, or an empty range when an earlier document of
        /// the same worker sent them: a worker's documents reach the buffer in the order
        /// it analyzed them, so the buffer has them by then (`WorkerVocabulary`).
        var bytes: Range<Int32>
        var frequency: Int32
        var positions: Range<Int32>
    }
}

/// Turns a file's bytes into an `AnalyzedDocument`. One per worker thread.
final class DocumentAnalyzer {
    private let analyzer: Analyzer
    let worker: Int
    /// The file being analyzed is read into this buffer, reused from file to file.
    var readBuffer: [UInt8] = []
    /// Per vocabulary id: the document it was last seen in, and its index there.
    private var seenIn: [Int32] = []
    private var localIndex: [Int32] = []
    private var documentStamp: Int32 = 0
    /// Appended per token: buffers that check no array uniqueness on the way.
    private let localTerms = ScratchBuffer<Int32>(capacity: 1024)
    private let tokenTerms = ScratchBuffer<Int32>(capacity: 4096)
    private let tokenPositions = ScratchBuffer<Int32>(capacity: 4096)
    private var counts: [Int32] = []
    private var order: [Int32] = []
    private var checkpoints: [StoredDocument.Checkpoint] = []
    /// Per vocabulary id: its bytes went out with an earlier document of `sentEpoch`.
    private var sent: [Bool] = []
    private var sentEpoch = -1
    /// Stored text compression (`DeflateEncoder`), reused from document to document.
    private let compressor = Compressor(raw: true)
    /// The run's preset dictionary for stored text (number 1 of every segment of the
    /// run), or `nil` to compress without one.
    var storedDictionary: StoredTextDictionary?

    init(worker: Int) throws(AnalysisError) {
        analyzer = try Analyzer()
        self.worker = worker
    }

    /// Analyzes `bytes` (the file's content). Throws `AnalysisError` for binary or
    /// undecodable content.
    func analyze(_ bytes: UnsafeRawBufferPointer, path: String, size: UInt64, mtime: Int64, contentHash: UInt64) throws(AnalysisError) -> AnalyzedDocument {
        let decoded = try TextDecoder.decode(bytes)
        documentStamp &+= 1
        if documentStamp == Int32.max { documentStamp = 1; for i in seenIn.indices { seenIn[i] = 0 } }
        // Stamps are per id; ids of an older vocabulary epoch mean nothing now (the stamp
        // of this document is new, so stale entries never match).
        localTerms.removeAll()
        tokenTerms.removeAll()
        tokenPositions.removeAll()
        checkpoints.removeAll(keepingCapacity: true)
        var nextCheckpoint: Int32 = 0
        let length = try decoded.utf16.withUnsafeBufferPointer { (text) throws(AnalysisError) -> Int in
            try analyzer.analyzeTermIDs(text) { position, termID, start, _ in
                let v = Int(termID)
                if v >= seenIn.count {
                    let grow = max(v + 1, seenIn.count * 2, 1024)
                    seenIn.append(contentsOf: repeatElement(0, count: grow - seenIn.count))
                    localIndex.append(contentsOf: repeatElement(0, count: grow - localIndex.count))
                }
                if seenIn[v] != documentStamp {
                    seenIn[v] = documentStamp
                    localIndex[v] = Int32(localTerms.count)
                    localTerms.append(termID)
                }
                tokenTerms.append(localIndex[v])
                tokenPositions.append(position)
                if position >= nextCheckpoint {
                    checkpoints.append(.init(position: position, offset: start))
                    nextCheckpoint = (position / Int32(StoredDocument.checkpointInterval) + 1) * Int32(StoredDocument.checkpointInterval)
                }
            }
        }
        // Group the tokens by term (a counting sort keeps positions increasing).
        let termCount = localTerms.count
        counts.removeAll(keepingCapacity: true)
        counts.append(contentsOf: repeatElement(0, count: termCount + 1))
        for t in tokenTerms.buffer { counts[Int(t) + 1] += 1 }
        for i in 0..<termCount { counts[i + 1] += counts[i] }
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: repeatElement(0, count: tokenTerms.count))
        var next = counts
        for (k, t) in tokenTerms.buffer.enumerated() {
            order[Int(next[Int(t)])] = tokenPositions.base[k]
            next[Int(t)] += 1
        }
        var doc = AnalyzedDocument(
            record: DocumentRecord(path: path, size: size, mtime: mtime, contentHash: contentHash),
            length: length, termBytes: [], terms: [], positionBytes: [], storedBlob: [],
            detectedCharset: decoded.detectedCharset, worker: worker, vocabularyEpoch: analyzer.vocabularyEpoch)
        doc.terms.reserveCapacity(termCount)
        // From here on nothing fails: the document reaches the buffer, so the bytes of the
        // terms marked sent below do too.
        if sentEpoch != analyzer.vocabularyEpoch {
            sentEpoch = analyzer.vocabularyEpoch
            sent.removeAll(keepingCapacity: true)
        }
        if sent.count < analyzer.vocabulary.count {
            sent.append(contentsOf: repeatElement(false, count: analyzer.vocabulary.count - sent.count))
        }
        doc.positionBytes.reserveCapacity(tokenTerms.count * 2)
        for local in 0..<termCount {
            let start = Int(counts[local])
            let end = Int(counts[local + 1])
            let positionsStart = doc.positionBytes.count
            var previous: Int32 = 0
            for k in start..<end {
                let p = order[k]
                appendVarint(UInt32(p - previous), to: &doc.positionBytes)
                previous = p
            }
            let id = localTerms.base[local]
            let s = Int32(doc.termBytes.count)
            if !sent[Int(id)] {
                sent[Int(id)] = true
                analyzer.withTermBytes(id) { doc.termBytes.append(contentsOf: $0) }
            }
            doc.terms.append(.init(vocabularyID: id, bytes: s..<Int32(doc.termBytes.count), frequency: Int32(end - start),
                                   positions: Int32(positionsStart)..<Int32(doc.positionBytes.count)))
        }
        // Stored text: the file's own UTF-8 when it was UTF-8, else the decoded text as UTF-8.
        func store(_ body: UnsafeRawBufferPointer) -> [UInt8] {
            guard let storedDictionary else { return StoredDocument.encode(utf8: body, checkpoints: checkpoints, compressor: compressor) }
            return storedDictionary.bytes.withUnsafeBytes {
                StoredDocument.encode(utf8: body, checkpoints: checkpoints, compressor: compressor, dictionary: (1, $0),
                                      code: storedDictionary.code)
            }
        }
        if decoded.detectedCharset == nil {
            var body = bytes
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                body = UnsafeRawBufferPointer(rebasing: bytes[3...])
            }
            doc.storedBlob = store(body)
            doc.record.title = DocumentTitle.title(utf8: body)
        } else {
            let utf8 = Array(String(decoding: decoded.utf16, as: UTF16.self).utf8)
            doc.storedBlob = utf8.withUnsafeBytes { store($0) }
            doc.record.title = utf8.withUnsafeBytes { DocumentTitle.title(utf8: $0) }
        }
        return doc
    }
}
