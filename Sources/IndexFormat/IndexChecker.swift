/// Verifies an index completely (`searchctl check`): every checksum, and the structural
/// invariants — terms strictly increasing, document ids in range and increasing,
/// postings counts equal to df, positions counts equal to tf and increasing, lengths
/// and stored text readable, deletion bitmaps consistent with the manifest.
public struct IndexChecker {
    public let directory: IndexDirectory

    public init(directory: IndexDirectory) { self.directory = directory }

    public struct Report: Sendable {
        public var segments = 0
        public var documents = 0
        public var terms = 0
        public var postings = 0
        public var positions = 0
        /// One line per problem found.
        public var problems: [String] = []
    }

    /// - Throws: only when the index cannot be opened at all (missing, locked format…);
    ///   damage is reported in `Report.problems`.
    public func run() throws(IndexError) -> Report {
        var report = Report()
        guard let manifest = try directory.latestManifest() else { throw .missing(directory: directory.path) }
        try IndexDirectory.checkAnalysis(manifest)
        var names = Set<String>()
        for s in manifest.segments {
            if !names.insert(s.name).inserted { report.problems.append("manifest names segment \(s.name) twice") }
        }
        for s in manifest.segments {
            report.segments += 1
            do throws(IndexError) {
                let reader = try SegmentReader(directory: directory.path, name: s.name)
                try check(reader, entry: s, report: &report)
            } catch {
                // A format this build does not know is not damage (exit 3, not 4).
                if case .unsupportedVersion = error { throw error }
                report.problems.append(error.description)
            }
        }
        return report
    }

    private func check(_ reader: SegmentReader, entry: Manifest.Segment, report: inout Report) throws(IndexError) {
        let file = reader.path
        func problem(_ text: String) { report.problems.append("\(file): \(text)") }
        let problemsBefore = report.problems.count
        if reader.documentCount != entry.documentCount {
            problem("holds \(reader.documentCount) documents, the manifest says \(entry.documentCount)")
        }
        for kind in SegmentFormat.Section.allCases {
            guard let section = reader.sections[kind] else { continue }
            // In 64 MB steps, letting go of the pages read: checking a big index must
            // not hold all of it in memory.
            var actual: UInt32 = 0
            var at = section.range.lowerBound
            while at < section.range.upperBound {
                let end = min(at + (64 << 20), section.range.upperBound)
                actual = Checksum.crc32(UnsafeRawBufferPointer(rebasing: reader.file.bytes[at..<end]), continuing: actual)
                at = end
                if at < section.range.upperBound { reader.file.dropResidentPages() }
            }
            if actual != section.crc {
                problem("\(kind.name) checksum mismatch (stored \(hex(section.crc)), computed \(hex(actual)))")
            }
        }
        // The bytes no checksum covers — the header's reserved field and the padding
        // between sections — are written as zeros: anything else is damage too.
        let bytes = reader.file.bytes
        let r = ByteReader(bytes)
        let footer = bytes.count - SegmentFormat.footerSize
        let tableOffset = Int(clamping: r.getU64(at: footer)!)  // validated when the reader opened
        let sectionCount = Int(r.getU32(at: footer + 8)!)
        var covered: [Range<Int>] = []
        for i in 0..<sectionCount {
            let e = tableOffset + i * SegmentFormat.sectionEntrySize
            let offset = Int(clamping: r.getU64(at: e + 8)!)
            let length = Int(clamping: r.getU64(at: e + 16)!)
            if offset <= tableOffset, length <= tableOffset - offset { covered.append(offset..<(offset + length)) }
        }
        // The header's last field is its CRC-32C from version 9 on (checked on opening).
        var uncovered: [Range<Int>] = reader.version >= SegmentFormat.versionBlockImpacts ? [] : [12..<SegmentFormat.headerSize]
        var cursor = SegmentFormat.headerSize
        for range in covered.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.lowerBound > cursor { uncovered.append(cursor..<range.lowerBound) }
            cursor = max(cursor, range.upperBound)
        }
        if tableOffset > cursor { uncovered.append(cursor..<tableOffset) }
        for gap in uncovered where bytes[gap].contains(where: { $0 != 0 }) {
            problem("bytes \(gap.lowerBound)..<\(gap.upperBound) (reserved header field or padding) are not zero")
        }
        if report.problems.count > problemsBefore { return }
        var deletions: DeletionBitmap?
        if let d = entry.deletionsFile {
            let f = try MappedFile(path: directory.file(d))
            deletions = try DeletionBitmap.decode(f.bytes, file: f.path, expectedDocuments: reader.documentCount)
            if deletions!.deletedCount != entry.deletedCount { problem("deleted count differs from the manifest") }
        } else if entry.deletedCount != 0 {
            problem("the manifest counts deletions but names no deletions file")
        }
        var tokens = 0
        var liveTokens = 0
        // Positions coded as one of the common words, by the codes and by the postings.
        var codedPositions = 0
        var commonPositions = 0
        var previousPath: [UInt8]?
        // The pair lists the codes give (`CommonPairs`), to compare with the section.
        var pairs = reader.commonPairs == nil ? nil : CommonPairsBuilder()
        for d in 0..<reader.documentCount {
            let record = try reader.document(d)
            let path = Array(record.path.utf8)
            if let previousPath, !previousPath.lexicographicallyPrecedes(path) {
                problem("documents are not in path order at \(d)")
            }
            previousPath = path
            let text = try reader.storedText(d)
            if reader.recordsHoldTitles, record.title != DocumentTitle.title(utf8: text, complete: true)! {
                problem("the title in record \(d) is not the first line of its stored text")
            }
            let l = reader.length(of: d)
            tokens += l
            if !reader.commonWords.isEmpty {
                let codes = try reader.wordCodes(of: d)
                for p in 0..<l {
                    let c = CommonWords.code(codes, at: p)
                    if c > reader.commonWords.count { problem("common-word code \(c) of document \(d) names no word") }
                    if c != 0 { codedPositions += 1 }
                }
                if (5 * l) % 8 != 0 && codes[codes.count - 1] >> ((5 * l) % 8) != 0 {
                    problem("common-word codes of document \(d) run past its length")
                }
                pairs?.add(codes: codes, length: l)
            } else {
                pairs?.add(codes: UnsafeRawBufferPointer(start: nil, count: 0), length: l)
            }
            if d % 65_536 == 65_535 { reader.file.dropResidentPages() }
            if !(deletions?.isDeleted(d) ?? false) { liveTokens += l }
        }
        if let pairs, let range = reader.sections[.commonPairs]?.range,
           pairs.serialized().map({ Array(bytes[range]) != $0 }) ?? true {
            problem("the common word pairs differ from the pairs the documents' codes give")
        }
        if tokens != reader.tokenCount { problem("document lengths add up to \(tokens), the footer says \(reader.tokenCount)") }
        if liveTokens != entry.liveTokens { problem("live lengths add up to \(liveTokens), the manifest says \(entry.liveTokens)") }
        report.documents += reader.documentCount - (deletions?.deletedCount ?? 0)
        var previous: [UInt8]?
        var terms = 0
        var positions: [Int32] = []
        try reader.forEachTerm { term, info throws(IndexError) in
            terms += 1
            let bytes = Array(term)
            if let previous, !previous.lexicographicallyPrecedes(bytes) {
                problem("terms are not strictly increasing at '\(String(decoding: bytes, as: UTF8.self))'")
            }
            previous = bytes
            let code = reader.commonWordCode(bytes)
            let it = try reader.postings(info)
            var count = 0
            var last: Int32 = -1
            var maxTf = 0
            var minLength = Int.max
            while try it.next() != PostingsIterator.exhausted {
                count += 1
                if it.doc <= last || Int(it.doc) >= reader.documentCount {
                    problem("postings of '\(String(decoding: bytes, as: UTF8.self))' are out of order or range")
                    return
                }
                last = it.doc
                try it.positions(into: &positions)
                if positions.count != it.frequency { problem("positions count differs from tf") }
                for k in positions.indices.dropFirst() where positions[k] <= positions[k - 1] {
                    problem("positions of '\(String(decoding: bytes, as: UTF8.self))' are not increasing")
                    break
                }
                if let p = positions.last, Int(p) >= reader.length(of: Int(it.doc)) {
                    problem("a position of '\(String(decoding: bytes, as: UTF8.self))' lies past its document's length")
                }
                report.positions += positions.count
                if code > 0 {
                    commonPositions += positions.count
                    let codes = try reader.wordCodes(of: Int(it.doc))
                    for p in positions where CommonWords.code(codes, at: Int(p)) != code {
                        problem("document \(it.doc) lacks the common-word code of '\(String(decoding: bytes, as: UTF8.self))' at \(p)")
                        break
                    }
                }
                if (report.postings &+ count) & 0x3FFFF == 0 { reader.file.dropResidentPages() }
                maxTf = max(maxTf, it.frequency)
                let length = reader.length(of: Int(it.doc))
                minLength = min(minLength, length)
                // The block's bound covers the posting: some corner has a tf at least its
                // own and a length at most its own.
                let tf = it.frequency
                if it.maxScore(ofBlock: it.block, { $0 >= tf && $1 <= length ? 1 : 0 }) != 1 {
                    problem("score bounds of block \(it.block) of '\(String(decoding: bytes, as: UTF8.self))' miss document \(it.doc)")
                }
            }
            report.postings += count
            if count != info.documentFrequency {
                problem("'\(String(decoding: bytes, as: UTF8.self))' has \(count) postings, its df says \(info.documentFrequency)")
            }
            if maxTf != info.maxFrequency || minLength != info.minLength {
                problem("score bounds of '\(String(decoding: bytes, as: UTF8.self))' disagree with its postings")
            }
        }
        if terms != reader.termCount { problem("\(terms) terms, the footer says \(reader.termCount)") }
        if codedPositions != commonPositions {
            problem("\(codedPositions) positions have common-word codes, the postings of those words have \(commonPositions)")
        }
        report.terms += terms
    }
}
