import Dispatch
import Analysis
import IndexFormat

/// The in-memory inverted buffer: documents are added in id order (the order the
/// indexer hands them over, which is path order), and `flush` writes them as one
/// immutable segment.
struct SegmentBuilder {
    /// Made with its full capacity by the first `add`: a buffer that is never filled
    /// (the one left after the last flush) costs no table.
    private var table = TermTable(capacity: 0)
    private static let tableCapacity = 1 << 16
    /// Per term (this buffer's term id), its postings.
    private var postings = PostingsLists()
    private var records: [DocumentRecord] = []
    private var lengths: [Int] = []
    private var storedBlobs: [[UInt8]] = []
    /// Per word of `CommonWords.dutch` (its code less one), this buffer's term id, or -1.
    private var commonTerms = [Int](repeating: -1, count: CommonWords.dutch.count)
    private static let dutchCodes: [[UInt8]: Int] = Dictionary(
        uniqueKeysWithValues: CommonWords.dutch.enumerated().map { ($1, $0) })
    private var bufferedBytes = 0
    /// Per worker: its vocabulary id → this buffer's term id (-1: not seen yet), valid
    /// for `workerEpochs[worker]`.
    private var workerMaps: [[Int32]] = []
    private var workerEpochs: [Int] = []
    /// Per worker: the bytes of the terms it has sent. Kept when the buffer is flushed
    /// (a worker sends a term's bytes once per vocabulary epoch); bounded like the
    /// worker's own vocabulary, so not counted in `memoryUsage`.
    private var vocabularies: [WorkerVocabulary] = []
    /// The preset dictionaries the stored blobs' dictionary numbers refer to (the run's
    /// one, or none), written into every segment flushed from this buffer.
    let storedDictionaries: [StoredTextDictionary]

    init(storedDictionaries: [StoredTextDictionary] = []) {
        self.storedDictionaries = storedDictionaries
    }

    var documentCount: Int { records.count }
    var isEmpty: Bool { records.isEmpty }

    /// Approximate heap bytes held beyond an empty buffer's fixed tables. Computed from
    /// counts and from `PostingsLists`' own growth policy, never from an array's
    /// allocator-given capacity, so the flush points (and the segments) are the same
    /// whatever the thread count.
    var memoryUsage: Int {
        bufferedBytes + postings.allocatedBytes + table.memoryUsage - Self.emptyTableMemory + postings.count * 120 + records.count * 160
    }

    private static let emptyTableMemory = TermTable.emptyMemoryUsage(capacity: tableCapacity)

    /// This buffer's term id of each entry of the document being added.
    private var documentTerms: [Int32] = []

    mutating func add(_ doc: AnalyzedDocument) {
        if records.isEmpty { table = TermTable(capacity: Self.tableCapacity) }
        let id = Int32(records.count)
        records.append(doc.record)
        lengths.append(doc.length)
        storedBlobs.append(doc.storedBlob)
        bufferedBytes += doc.storedBlob.count + doc.record.path.utf8.count + doc.record.title.utf8.count
        while workerMaps.count <= doc.worker {
            workerMaps.append([])
            workerEpochs.append(-1)
        }
        while vocabularies.count <= doc.worker { vocabularies.append(WorkerVocabulary()) }
        // The worker's map and vocabulary are moved out while used, so not copied on write.
        var map = workerMaps[doc.worker]
        workerMaps[doc.worker] = []
        var vocabulary = vocabularies[doc.worker]
        vocabularies[doc.worker] = WorkerVocabulary()
        if workerEpochs[doc.worker] != doc.vocabularyEpoch {
            map.removeAll(keepingCapacity: true)
            workerEpochs[doc.worker] = doc.vocabularyEpoch
        }
        if vocabulary.epoch != doc.vocabularyEpoch { vocabulary.reset(epoch: doc.vocabularyEpoch) }
        // First this buffer's id of every term (new terms get new lists), then the postings.
        documentTerms.removeAll(keepingCapacity: true)
        doc.termBytes.withUnsafeBufferPointer { termBytes in
            for entry in doc.terms {
                let v = Int(entry.vocabularyID)
                if !entry.bytes.isEmpty {
                    vocabulary.record(v, UnsafeBufferPointer(rebasing: termBytes[Int(entry.bytes.lowerBound)..<Int(entry.bytes.upperBound)]))
                }
                if v >= map.count {
                    let grow = max(v + 1, map.count * 2, 1024)
                    map.append(contentsOf: repeatElement(-1, count: grow - map.count))
                }
                var term = map[v]
                if term < 0 {
                    let (id, isNew) = vocabulary.withBytes(of: v) { table.id(of: $0) }
                    if isNew {
                        postings.appendList()
                        if let k = vocabulary.withBytes(of: v, { $0.count <= 5 ? Self.dutchCodes[Array($0)] : nil }) {
                            commonTerms[k] = id
                        }
                    }
                    term = Int32(id)
                    map[v] = term
                }
                documentTerms.append(term)
            }
        }
        workerMaps[doc.worker] = map
        vocabularies[doc.worker] = vocabulary
        doc.positionBytes.withUnsafeBytes { positionBytes in
            for (k, entry) in doc.terms.enumerated() {
                postings.add(to: Int(documentTerms[k]), document: id, frequency: entry.frequency,
                             positions: UnsafeRawBufferPointer(rebasing: positionBytes[Int(entry.positions.lowerBound)..<Int(entry.positions.upperBound)]))
            }
        }
    }

    /// Sets in `codes` the code of each of `words` (numbers less one) at its positions in
    /// `document`, from `cursors` (one per word, moved past the document).
    private static func setCodes(_ codes: inout [UInt8], document: Int, cursors: inout [PostingsLists.Cursor], words: [Int]) {
        codes.withUnsafeMutableBytes { codes in
            for j in cursors.indices where cursors[j].document == document {
                var r = ByteReader(cursors[j].positions)
                var p = 0
                while let delta = r.readVarint() {
                    p += Int(delta)
                    CommonWords.set(codes, at: p, to: words[j] + 1)
                }
                cursors[j].next()
            }
        }
    }

    /// Writes the buffered documents as segment `name` and empties the buffer, encoding
    /// the postings on up to `threads` threads (the bytes are the same whatever the count).
    mutating func flush(directory: String, name: String, threads: Int = 1) throws(IndexError) -> SegmentInfo {
        var writer = try SegmentWriter(directory: directory, name: name, storedDictionaries: storedDictionaries,
                                       commonWords: CommonWords.dutch)
        do {
            let info = try write(into: &writer, threads: threads)
            let (vocabularies, streamed, wave, terms) = (self.vocabularies, streamedTermBytes, waveBytes, waveTerms)
            self = SegmentBuilder(storedDictionaries: storedDictionaries)
            (self.vocabularies, streamedTermBytes, waveBytes, waveTerms) = (vocabularies, streamed, wave, terms)
            return info
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// A term whose buffered postings are larger than this is streamed to the writer
    /// (which writes its positions out as they grow) instead of encoded in memory.
    var streamedTermBytes = 1 << 20
    /// Terms are encoded in waves of about this many buffered bytes, and at most
    /// `waveTerms` terms (each encoded term holds a few arrays until it is written):
    /// split over the threads by bytes, then written in order.
    var waveBytes = 1 << 20
    var waveTerms = 4096

    private mutating func write(into writer: inout SegmentWriter, threads: Int) throws(IndexError) -> SegmentInfo {
        // Each document's common-word codes, made from the postings of those words as the
        // documents are written (a cursor per word): they take no room in the buffer.
        let coded = commonTerms.indices.filter { commonTerms[$0] >= 0 }
        var cursors = coded.map { self.postings.cursor(commonTerms[$0]) }
        var codes: [UInt8] = []
        for i in records.indices {
            codes.removeAll(keepingCapacity: true)
            codes.append(contentsOf: repeatElement(0, count: CommonWords.byteCount(length: lengths[i], count: CommonWords.dutch.count)))
            Self.setCodes(&codes, document: i, cursors: &cursors, words: coded)
            try storedBlobs[i].withUnsafeBufferPointer { (b) throws(IndexError) in
                try codes.withUnsafeBufferPointer { (codes) throws(IndexError) in
                    try writer.addDocument(records[i], length: lengths[i], storedBlob: UnsafeRawBufferPointer(b),
                                           wordCodes: UnsafeRawBufferPointer(codes))
                }
            }
            storedBlobs[i] = []
        }
        let order = table.sortedIds()
        let postings = self.postings
        let table = self.table
        let lanes = max(1, threads)
        var encoders = (0..<lanes).map { _ in writer.makeTermEncoder() }
        var results = [[EncodedTerm]](repeating: [], count: lanes)
        var produced = [Int](repeating: 0, count: lanes)
        var i = 0
        while i < order.count {
            if postings.byteCount(of: order[i]) > streamedTermBytes {
                try table.bytes(of: order[i]).withUnsafeBufferPointer { (b) throws(IndexError) in try writer.beginTerm(b) }
                try postings.forEachPosting(order[i]) { (doc, tf, positions) throws(IndexError) in
                    try writer.addPosting(document: doc, frequency: tf, encodedPositions: positions)
                }
                try writer.endTerm()
                postings.removeList(order[i])
                i += 1
                continue
            }
            // The wave order[i..<end], cut into `lanes` runs of about equal bytes.
            var end = i
            var bytes = 0
            while end < order.count && bytes < waveBytes && end - i < waveTerms && postings.byteCount(of: order[end]) <= streamedTermBytes {
                bytes += postings.byteCount(of: order[end])
                end += 1
            }
            var cuts = [i]
            var cumulative = 0
            for k in i..<end {
                cumulative += postings.byteCount(of: order[k])
                if cuts.count < lanes && cumulative * lanes >= bytes * cuts.count { cuts.append(k + 1) }
            }
            while cuts.count <= lanes { cuts.append(end) }
            encoders.withUnsafeMutableBufferPointer { encoders in
                results.withUnsafeMutableBufferPointer { results in
                    produced.withUnsafeMutableBufferPointer { produced in
                        let wave = EncodingWave(order: order, cuts: cuts, postings: postings, table: table,
                                                encoders: encoders, results: results, produced: produced)
                        if lanes == 1 || end - i < 2 * lanes {
                            for lane in 0..<lanes { wave.run(lane: lane) }
                        } else {
                            DispatchQueue.concurrentPerform(iterations: lanes) { wave.run(lane: $0) }
                        }
                    }
                }
            }
            for lane in 0..<lanes {
                for r in 0..<produced[lane] { try writer.write(results[lane][r]) }
            }
            for k in i..<end { postings.removeList(order[k]) }
            i = end
        }
        return try writer.finish()
    }

    /// One wave of the flush: lane k encodes `order[cuts[k]..<cuts[k + 1]]` with its own
    /// encoder into its own results. Lanes share only what none of them changes (the
    /// buffer's lists and terms, which are freed after the wave), hence `@unchecked`.
    private struct EncodingWave: @unchecked Sendable {
        let order: [Int]
        let cuts: [Int]
        let postings: PostingsLists
        let table: TermTable
        let encoders: UnsafeMutableBufferPointer<TermEncoder>
        let results: UnsafeMutableBufferPointer<[EncodedTerm]>
        let produced: UnsafeMutableBufferPointer<Int>

        func run(lane: Int) {
            produced[lane] = 0
            for k in cuts[lane]..<cuts[lane + 1] {
                if produced[lane] == results[lane].count { results[lane].append(EncodedTerm()) }
                encode(order[k], with: &encoders[lane], into: &results[lane][produced[lane]])
                produced[lane] += 1
            }
        }

        /// Encodes term `id`'s buffered postings (at least one) into `result`.
        private func encode(_ id: Int, with encoder: inout TermEncoder, into result: inout EncodedTerm) {
            encoder.begin()
            postings.forEachPosting(id) { doc, tf, positions in
                encoder.add(document: doc, frequency: tf, encodedPositions: positions)
            }
            encoder.finish(into: &result)
            result.term.removeAll(keepingCapacity: true)
            // (Not `bytes(of:)`: its slice would retain the table's storage, shared by the lanes.)
            table.withBytes(of: id) { result.term.append(contentsOf: $0) }
        }
    }
}

/// The bytes of the terms one worker has sent, by its vocabulary id: the worker sends
/// a term's bytes only with the first of its documents that has the term (per
/// vocabulary epoch), and its documents are added in the order it analyzed them.
struct WorkerVocabulary {
    private(set) var epoch = -1
    private var arena: [UInt8] = []
    /// Per vocabulary id: start << 16 | length in `arena`, or -1 when not sent.
    private var spans: [Int64] = []

    mutating func reset(epoch: Int) {
        self.epoch = epoch
        arena.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
    }

    mutating func record(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        if id >= spans.count {
            spans.append(contentsOf: repeatElement(-1, count: max(id + 1, spans.count * 2, 1024) - spans.count))
        }
        spans[id] = Int64(arena.count) << 16 | Int64(bytes.count)
        arena.append(contentsOf: bytes)
    }

    func withBytes<R>(of id: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        precondition(id < spans.count && spans[id] >= 0, "the bytes of term \(id) were never sent")
        let start = Int(spans[id] >> 16)
        let count = Int(spans[id] & 0xFFFF)
        return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<(start + count)])) }
    }
}
