import IndexFormat

/// Merges segments into one: live documents only, in path order, postings re-numbered.
/// Deleted documents are dropped, so merging reclaims their space.
///
/// Each input's documents are already in path order, so the new ids are increasing
/// within each input: every term's postings merge as a k-way merge of sorted streams,
/// and the dictionaries as a k-way merge of sorted cursors. Nothing is held in memory
/// but a few bytes per document (the id maps) and one block per input; and, for an
/// input of a version before 7, its documents' common-word codes (5 bits a position),
/// made from its postings.
enum SegmentMerger {
    struct Input {
        var reader: SegmentReader
        var deletions: DeletionBitmap?
    }

    static func merge(_ inputs: [Input], directory: String, name: String) throws(IndexError) -> SegmentInfo {
        let (dictionaries, dictionaryMap) = mergedDictionaries(inputs.map(\.reader))
        var writer = try SegmentWriter(directory: directory, name: name, storedDictionaries: dictionaries,
                                       commonWords: CommonWords.dutch)
        do {
            let info = try merge(inputs, dictionaryMap: dictionaryMap, into: &writer)
            return info
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// The stored dictionaries of the merged segment: each distinct one of the inputs once
    /// (a run's segments share theirs; the same bytes with another code, or none, are
    /// another dictionary), and per input the new number of each of its own (index 0:
    /// "none" stays 0).
    static func mergedDictionaries(_ readers: [SegmentReader]) -> ([StoredTextDictionary], [[Int]]) {
        var dictionaries: [StoredTextDictionary] = []
        var numbers: [[UInt8]: Int] = [:]
        var maps: [[Int]] = []
        for reader in readers {
            var map = [0]
            for (d, code) in zip(reader.storedDictionaries, reader.storedCodes) {
                let bytes = Array(d)
                // The key: whether there is a code, the code as stored, then the bytes.
                let key = (code.map { [1] + $0.serialized } ?? [0]) + bytes
                if let n = numbers[key] {
                    map.append(n)
                } else {
                    dictionaries.append(StoredTextDictionary(bytes: bytes, code: code))
                    numbers[key] = dictionaries.count
                    map.append(dictionaries.count)
                }
            }
            maps.append(map)
        }
        return (dictionaries, maps)
    }

    private static func merge(_ inputs: [Input], dictionaryMap: [[Int]], into writer: inout SegmentWriter) throws(IndexError) -> SegmentInfo {
        // New document order: every live document, by path (a k-way merge).
        var docMap = inputs.map { [Int32](repeating: -1, count: $0.reader.documentCount) }
        var next = inputs.map { _ in 0 }
        var heads: [[UInt8]?] = []
        func advance(_ s: Int) throws(IndexError) -> [UInt8]? {
            let input = inputs[s]
            while next[s] < input.reader.documentCount, input.deletions?.isDeleted(next[s]) ?? false { next[s] += 1 }
            guard next[s] < input.reader.documentCount else { return nil }
            return Array(try input.reader.path(of: next[s]).utf8)
        }
        for s in inputs.indices { heads.append(try advance(s)) }
        var newId: Int32 = 0
        let compressor = Compressor(raw: true)
        let decompressor = Decompressor()
        // Common-word codes: copied from inputs that code the same words, else made from
        // the input's postings of those words (older versions), once per input.
        var madeCodes: [(codes: [UInt8], starts: [Int])?] = inputs.map { _ in nil }
        func wordCodes(_ s: Int, _ doc: Int, _ body: (UnsafeRawBufferPointer) throws(IndexError) -> Void) throws(IndexError) {
            let reader = inputs[s].reader
            if reader.commonWords == CommonWords.dutch {
                try body(try reader.wordCodes(of: doc))
                return
            }
            if madeCodes[s] == nil { madeCodes[s] = try codesFromPostings(reader) }
            let (codes, starts) = madeCodes[s]!
            try codes.withUnsafeBufferPointer { (all) throws(IndexError) in
                try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(all)[starts[doc]..<starts[doc + 1]]))
            }
        }
        while true {
            var best: Int?
            for s in inputs.indices {
                guard let h = heads[s] else { continue }
                if best == nil || h.lexicographicallyPrecedes(heads[best!]!) { best = s }
            }
            guard let s = best else { break }
            let doc = next[s]
            let reader = inputs[s].reader
            docMap[s][doc] = newId
            newId += 1
            var record = try reader.document(doc)
            // Versions 4 and 5 keep no title in the record: derive it from the text.
            if !reader.recordsHoldTitles { record.title = try reader.title(of: doc, decompressor: decompressor) }
            let blob = try reader.storedBlob(doc)
            let (number, rest) = try reader.storedBlobParts(doc)
            let renumbered = dictionaryMap[s][number]
            // The same checkpoints and compressed text under the new number, with a new
            // CRC-32C (the old one, version 3's included, is dropped).
            func resealed() -> [UInt8] {
                var body = ByteWriter(capacity: rest.count + 4)
                body.varint(renumbered)
                body.append(UnsafeRawBufferPointer(rebasing: rest[0..<(rest.count - 4)]))
                return StoredDocument.sealed(body.bytes, dictionaryChecksum: number == 0 ? 0 : reader.storedDictionaryChecksums[number - 1])
            }
            // The current layout is copied as it is unless renumbered; older ones, and
            // renumbered ones, are checked first (version 3 by inflating it; version 2 text
            // is compressed again, with no dictionary).
            let rebuilt: [UInt8]?
            switch reader.storedLayout {
            case .version4 where renumbered == number:
                rebuilt = nil
            case .version4:
                guard StoredDocument.checkedBody(blob, dictionaryChecksums: reader.storedDictionaryChecksums) != nil else {
                    throw .corrupt(file: reader.path, offset: nil, reason: "stored text of document \(doc) fails its checksum")
                }
                rebuilt = resealed()
            case .version3:
                _ = try reader.storedDocument(doc)
                rebuilt = resealed()
            case .version2:
                let old = try reader.storedDocument(doc)
                rebuilt = old.text.withUnsafeBytes { StoredDocument.encode(utf8: $0, checkpoints: old.checkpoints, compressor: compressor) }
            }
            try wordCodes(s, doc) { (codes) throws(IndexError) in
                if let rebuilt {
                    try rebuilt.withUnsafeBufferPointer { (b) throws(IndexError) in
                        try writer.addDocument(record, length: reader.length(of: doc), storedBlob: UnsafeRawBufferPointer(b), wordCodes: codes)
                    }
                } else {
                    try writer.addDocument(record, length: reader.length(of: doc), storedBlob: blob, wordCodes: codes)
                }
            }
            next[s] += 1
            heads[s] = try advance(s)
            if newId % 4096 == 0 { for input in inputs { input.reader.file.dropResidentPages() } }
        }
        // Terms: a k-way merge of the dictionaries; postings: of the sorted streams.
        let cursors = inputs.map { $0.reader.termCursor() }
        var current: [([UInt8], TermInfo)?] = []
        for c in cursors { current.append(try c.next()) }
        var positions: [Int32] = []
        var encoded: [UInt8] = []
        var iterators: [(segment: Int, it: PostingsIterator)] = []
        // Postings read since the mapped inputs' pages were last dropped: dropping by
        // volume, not by term count, keeps the resident pages bounded when a few
        // frequent terms hold most of the data.
        var postingsSinceDrop = 0
        while true {
            var smallest: [UInt8]?
            for entry in current {
                guard let (t, _) = entry else { continue }
                if smallest == nil || t.lexicographicallyPrecedes(smallest!) { smallest = t }
            }
            guard let term = smallest else { break }
            iterators.removeAll(keepingCapacity: true)
            for s in inputs.indices {
                guard let (t, info) = current[s], t == term else { continue }
                let it = try inputs[s].reader.postings(info)
                // Move to the first live document.
                while try it.next() != PostingsIterator.exhausted, docMap[s][Int(it.doc)] < 0 {}
                if it.doc != PostingsIterator.exhausted { iterators.append((s, it)) }
                current[s] = try cursors[s].next()
            }
            if iterators.isEmpty { continue }
            try term.withUnsafeBufferPointer { (b) throws(IndexError) in try writer.beginTerm(b) }
            while true {
                var pick = -1
                var pickDoc = Int32.max
                for (k, entry) in iterators.enumerated() where entry.it.doc != PostingsIterator.exhausted {
                    let mapped = docMap[entry.segment][Int(entry.it.doc)]
                    if mapped < pickDoc { pickDoc = mapped; pick = k }
                }
                if pick < 0 { break }
                let it = iterators[pick].it
                try it.positions(into: &positions)
                encoded.removeAll(keepingCapacity: true)
                var previous: Int32 = 0
                for p in positions {
                    appendVarint(UInt32(p - previous), to: &encoded)
                    previous = p
                }
                try encoded.withUnsafeBufferPointer { (b) throws(IndexError) in
                    try writer.addPosting(document: Int(pickDoc), frequency: it.frequency, encodedPositions: UnsafeRawBufferPointer(b))
                }
                let s = iterators[pick].segment
                while try it.next() != PostingsIterator.exhausted, docMap[s][Int(it.doc)] < 0 {}
                postingsSinceDrop += 1
                if postingsSinceDrop == 1 << 18 {
                    for input in inputs { input.reader.file.dropResidentPages() }
                    postingsSinceDrop = 0
                }
            }
            try writer.endTerm()
        }
        return try writer.finish()
    }

    /// The `CommonWords` codes of every document of `reader` for `CommonWords.dutch`, from
    /// the postings of those words, back to back; document d's are `starts[d]..<starts[d + 1]`.
    static func codesFromPostings(_ reader: SegmentReader) throws(IndexError) -> (codes: [UInt8], starts: [Int]) {
        var starts = [0]
        starts.reserveCapacity(reader.documentCount + 1)
        for d in 0..<reader.documentCount {
            starts.append(starts[d] + CommonWords.byteCount(length: reader.length(of: d), count: CommonWords.dutch.count))
        }
        var codes = [UInt8](repeating: 0, count: starts[reader.documentCount])
        var positions: [Int32] = []
        for (k, word) in CommonWords.dutch.enumerated() {
            guard let info = try word.withUnsafeBufferPointer({ (b) throws(IndexError) in try reader.lookup(b) }) else { continue }
            let it = try reader.postings(info)
            while try it.next() != PostingsIterator.exhausted {
                try it.positions(into: &positions)
                let d = Int(it.doc)
                let start = starts[d]
                let end = starts[d + 1]
                guard positions.allSatisfy({ Int($0) < 2 * (end - start) }) else {
                    throw .corrupt(file: reader.path, offset: nil, reason: "a position lies past its document's length")
                }
                codes.withUnsafeMutableBytes { all in
                    for p in positions { CommonWords.set(UnsafeMutableRawBufferPointer(rebasing: all[start..<end]), at: Int(p), to: k + 1) }
                }
            }
        }
        return (codes, starts)
    }
}
