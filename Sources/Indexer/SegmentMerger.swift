import IndexFormat

/// Merges segments into one: live documents only, re-sorted by path, postings
/// re-numbered. Deleted documents are dropped, so merging reclaims their space.
enum SegmentMerger {
    struct Input {
        var reader: SegmentReader
        var deletions: DeletionBitmap?
    }

    static func merge(_ inputs: [Input], directory: String, name: String) throws(IndexError) -> SegmentInfo {
        // New document order: every live document, by path.
        var docs: [(path: [UInt8], segment: Int, doc: Int)] = []
        for (s, input) in inputs.enumerated() {
            for d in 0..<input.reader.documentCount where !(input.deletions?.isDeleted(d) ?? false) {
                docs.append((Array(try input.reader.path(of: d).utf8), s, d))
            }
        }
        docs.sort { $0.path.lexicographicallyPrecedes($1.path) }
        var docMap = inputs.map { [Int32](repeating: -1, count: $0.reader.documentCount) }
        var writer = SegmentWriter()
        for (newId, entry) in docs.enumerated() {
            docMap[entry.segment][entry.doc] = Int32(newId)
            let reader = inputs[entry.segment].reader
            let record = try reader.document(entry.doc)
            let blob = try reader.storedBlob(entry.doc)
            writer.addDocument(record, length: reader.length(of: entry.doc), storedBlob: blob)
        }
        // Terms: a k-way merge of the sorted dictionaries.
        var termLists: [[([UInt8], TermInfo)]] = []
        for input in inputs {
            var list: [([UInt8], TermInfo)] = []
            try input.reader.forEachTerm { t, info throws(IndexError) in list.append((Array(t), info)) }
            termLists.append(list)
        }
        var cursors = [Int](repeating: 0, count: inputs.count)
        var gathered: [(doc: Int32, tf: Int, positions: [UInt8])] = []
        var positions: [Int32] = []
        while true {
            var smallest: [UInt8]?
            for (s, list) in termLists.enumerated() where cursors[s] < list.count {
                let t = list[cursors[s]].0
                if smallest == nil || t.lexicographicallyPrecedes(smallest!) { smallest = t }
            }
            guard let term = smallest else { break }
            gathered.removeAll(keepingCapacity: true)
            for s in termLists.indices where cursors[s] < termLists[s].count && termLists[s][cursors[s]].0 == term {
                let info = termLists[s][cursors[s]].1
                cursors[s] += 1
                let it = try inputs[s].reader.postings(info)
                while try it.next() != PostingsIterator.exhausted {
                    let newDoc = docMap[s][Int(it.doc)]
                    if newDoc < 0 { continue }
                    try it.positions(into: &positions)
                    var encoded: [UInt8] = []
                    var previous: Int32 = 0
                    for p in positions {
                        appendVarint(UInt32(p - previous), to: &encoded)
                        previous = p
                    }
                    gathered.append((newDoc, it.frequency, encoded))
                }
            }
            if gathered.isEmpty { continue }
            gathered.sort { $0.doc < $1.doc }
            term.withUnsafeBufferPointer { writer.beginTerm($0) }
            for g in gathered {
                g.positions.withUnsafeBytes { writer.addPosting(document: Int(g.doc), frequency: g.tf, encodedPositions: $0) }
            }
            writer.endTerm()
        }
        return try writer.finish(directory: directory, name: name)
    }
}
