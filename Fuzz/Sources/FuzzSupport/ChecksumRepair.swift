// Checksum repair: a mutated file almost never passes its CRC-32 checks, so the
// decoders would reject nearly every input at the first check and the code behind it
// would go unfuzzed. Each target runs the input as it is (the checks themselves are
// fuzzed) and, when it differs, once more with every checksum recomputed, so that a
// mutation reaches the parsing behind the checks as damage that a checksum could not
// catch (or a bug that wrote the wrong bytes) would.
import IndexFormat

func loadU32(_ b: [UInt8], _ at: Int) -> UInt32? {
    guard at >= 0, at <= b.count - 4 else { return nil }
    return UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}

func loadU64(_ b: [UInt8], _ at: Int) -> UInt64? {
    guard let lo = loadU32(b, at), let hi = loadU32(b, at + 4) else { return nil }
    return UInt64(lo) | UInt64(hi) << 32
}

func storeU32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
    guard at >= 0, at <= b.count - 4 else { return }
    for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
}

func crc(_ b: [UInt8], _ range: Range<Int>, continuing seed: UInt32 = 0) -> UInt32 {
    b.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[range]), continuing: seed) }
}

public enum ChecksumRepair {
    /// A segment file with every checksum recomputed, as far as its footer, section
    /// table and dictionary can be read: term block CRCs (in the term index), document
    /// record and common-word CRCs, stored document CRCs (version 4), the common-word
    /// pairs' table and list CRCs (version 10), the CRCs of each postings block, tail and their positions (in the
    /// skip entries and tails), every section's CRC, the footer CRC. Magic numbers and
    /// versions are left alone.
    public static func segment(_ input: [UInt8]) -> [UInt8] {
        guard let layout = SegmentLayout(input) else { return input }
        var b = input
        layout.repairTermBlocks(&b)
        layout.repairDocumentRecords(&b)
        layout.repairStoredDocuments(&b)
        layout.repairCommonPairs(&b)
        layout.repairSectionsAndFooter(&b)
        // The postings CRCs need the dictionary: read it with the real reader from a
        // copy of the file whose other checksums now match.
        let infos = termInfos(b)
        if !infos.isEmpty {
            for info in infos { layout.repairPostings(&b, info) }
            layout.repairSectionsAndFooter(&b)
        }
        return b
    }

    static let repairFolder = Scratch.folder("segment-repair")

    /// Up to 4096 terms' infos, as `SegmentReader.forEachTerm` reads them.
    static func termInfos(_ bytes: [UInt8]) -> [TermInfo] {
        writeFile(repairFolder + "/seg-000001.seg", bytes)
        var infos: [TermInfo] = []
        do {
            let reader = try SegmentReader(directory: repairFolder, name: "seg-000001")
            try reader.forEachTerm { _, info throws(IndexError) in
                if infos.count < 4096 { infos.append(info) }
            }
        } catch {
            // As far as it could be read.
        }
        return infos
    }

    /// A manifest whose last line is the right `crc32` line: the existing one replaced,
    /// or one appended when the last line is not a checksum line.
    public static func manifest(_ input: [UInt8]) -> [UInt8] {
        var body = input
        let newline = UInt8(ascii: "\n")
        if body.last == newline, let start = body.dropLast().lastIndex(of: newline).map({ $0 + 1 }),
           body[start...].starts(with: Array("crc32 ".utf8)) {
            body.removeSubrange(start...)
        } else if body.last != newline {
            body.append(newline)
        }
        return body + Array("crc32 \(hex(Checksum.crc32(body)))\n".utf8)
    }

    /// A deletions file with its trailing CRC recomputed.
    public static func deletions(_ input: [UInt8]) -> [UInt8] {
        var b = input
        guard b.count >= SegmentFormat.headerSize + 12 else { return b }
        storeU32(&b, b.count - 4, crc(b, 0..<(b.count - 4)))
        return b
    }
}

/// Where things are in a segment file, read loosely (bounds-checked, nothing verified).
struct SegmentLayout {
    let size: Int
    let tableOffset: Int
    let documentCount: Int
    /// (entry offset, section range) of every section entry that lies inside the file.
    var entries: [(entry: Int, range: Range<Int>)] = []
    var sections: [UInt32: Range<Int>] = [:]

    init?(_ b: [UInt8]) {
        size = b.count
        guard size >= SegmentFormat.headerSize + SegmentFormat.footerSize else { return nil }
        let footer = size - SegmentFormat.footerSize
        guard let table64 = loadU64(b, footer), let count32 = loadU32(b, footer + 8),
              table64 <= UInt64(footer), count32 <= 64 else { return nil }
        tableOffset = Int(table64)
        let sectionCount = Int(count32)
        guard tableOffset + sectionCount * SegmentFormat.sectionEntrySize <= footer else { return nil }
        documentCount = Int(loadU32(b, footer + 12)!)
        for i in 0..<sectionCount {
            let e = tableOffset + i * SegmentFormat.sectionEntrySize
            let kind = loadU32(b, e)!
            let offset = loadU64(b, e + 8)!
            let length = loadU64(b, e + 16)!
            guard offset <= UInt64(size), length <= UInt64(size) - offset else { continue }
            let range = Int(offset)..<Int(offset + length)
            if sections[kind] == nil { sections[kind] = range }
            entries.append((e, range))
        }
    }

    func section(_ s: SegmentFormat.Section) -> Range<Int>? { sections[s.rawValue] }

    /// Term block CRCs, stored in the term index after the block offsets.
    func repairTermBlocks(_ b: inout [UInt8]) {
        guard let terms = section(.terms), let termIndex = section(.termIndex),
              let blocks64 = loadU64(b, termIndex.lowerBound),
              blocks64 <= UInt64(termIndex.count / 12), Int(blocks64) * 12 + 8 == termIndex.count else { return }
        let blocks = Int(blocks64)
        for k in 0..<blocks {
            guard let start = loadU64(b, termIndex.lowerBound + 8 + k * 8), start < UInt64(terms.count) else { continue }
            var end = terms.count
            if k + 1 < blocks, let next = loadU64(b, termIndex.lowerBound + 16 + k * 8) { end = Int(clamping: next) }
            guard end <= terms.count, Int(start) <= end else { continue }
            let range = (terms.lowerBound + Int(start))..<(terms.lowerBound + end)
            storeU32(&b, termIndex.lowerBound + 8 + blocks * 8 + k * 4, crc(b, range))
        }
    }

    /// The format version in the header.
    func version(_ b: [UInt8]) -> UInt32 { loadU32(b, 8) ?? 0 }

    /// Whether an offset table has one entry per document and one more (u32 or u64 by
    /// the version and the length of the section it points into).
    func fits(_ b: [UInt8], table: Range<Int>, into section: Range<Int>) -> Bool {
        table.count == (documentCount + 1) * SegmentFormat.offsetWidth(sectionLength: section.count, version: version(b))
    }

    /// Entry `d` of an offset table that `fits`.
    func offset(_ b: [UInt8], table: Range<Int>, into section: Range<Int>, _ d: Int) -> UInt64? {
        SegmentFormat.offsetWidth(sectionLength: section.count, version: version(b)) == 4
            ? loadU32(b, table.lowerBound + d * 4).map(UInt64.init) : loadU64(b, table.lowerBound + d * 8)
    }

    /// Document record CRCs, and the CRCs of the documents' common-word codes (version
    /// 7 on): the last 4 bytes of each record.
    func repairDocumentRecords(_ b: inout [UInt8]) {
        for (records, table) in [(SegmentFormat.Section.documents, SegmentFormat.Section.documentOffsets), (.commonWords, .commonWordOffsets)] {
            guard let data = section(records), let offsets = section(table), fits(b, table: offsets, into: data) else { continue }
            for d in 0..<documentCount {
                guard let start = offset(b, table: offsets, into: data, d),
                      let end = offset(b, table: offsets, into: data, d + 1),
                      start <= end, end <= UInt64(data.count), end - start >= 4 else { continue }
                let body = (data.lowerBound + Int(start))..<(data.lowerBound + Int(end) - 4)
                storeU32(&b, body.upperBound, crc(b, body))
            }
        }
    }

    /// The common-word pairs' table CRC and each list's (version 10 on: `CommonPairs`),
    /// as far as the table can be read.
    func repairCommonPairs(_ b: inout [UInt8]) {
        guard let pairs = section(.commonPairs), pairs.count >= 2 else { return }
        let n = Int(b[pairs.lowerBound]) | Int(b[pairs.lowerBound + 1]) << 8
        let tableEnd = pairs.lowerBound + 2 + n * 14
        guard tableEnd + 4 <= pairs.upperBound else { return }
        storeU32(&b, tableEnd, crc(b, pairs.lowerBound..<tableEnd))
        var starts: [Int] = []
        for i in 0..<n {
            guard let offset = loadU64(b, pairs.lowerBound + 2 + i * 14 + 6), offset <= UInt64(pairs.count) else { return }
            starts.append(pairs.lowerBound + Int(offset))
        }
        for (i, start) in starts.enumerated() {
            let end = i + 1 < n ? starts[i + 1] : pairs.upperBound
            guard start >= tableEnd + 4, end - start >= 4 else { continue }
            storeU32(&b, end - 4, crc(b, start..<(end - 4)))
        }
    }

    /// Stored document CRCs (format version 4 on: the last 4 bytes of each blob, over the
    /// rest of it, continuing from the CRC of the dictionary its first varint names, and
    /// from version 8 on of that dictionary's code).
    func repairStoredDocuments(_ b: inout [UInt8]) {
        guard version(b) >= SegmentFormat.versionDerivedTitles, let stored = section(.stored),
              let storedOffsets = section(.storedOffsets), let dictionaries = section(.storedDictionaries),
              fits(b, table: storedOffsets, into: stored) else { return }
        var seeds: [UInt32] = []
        var at = dictionaries.lowerBound
        func varint(_ limit: Int) -> Int? {
            var value = 0
            var shift = 0
            while at < limit, shift < 35 {
                let byte = b[at]
                at += 1
                value |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        if let count = varint(dictionaries.upperBound) {
            for _ in 0..<min(count, 64) {
                guard let length = varint(dictionaries.upperBound), length <= dictionaries.upperBound - at else { break }
                var seed = crc(b, at..<(at + length))
                at += length
                if version(b) >= SegmentFormat.versionSharedCodes {
                    guard let codeLength = varint(dictionaries.upperBound), codeLength <= dictionaries.upperBound - at else { break }
                    seed = crc(b, at..<(at + codeLength), continuing: seed)
                    at += codeLength
                }
                seeds.append(seed)
            }
        }
        for d in 0..<documentCount {
            guard let start = offset(b, table: storedOffsets, into: stored, d),
                  let end = offset(b, table: storedOffsets, into: stored, d + 1),
                  start <= end, end <= UInt64(stored.count), end - start >= 5 else { continue }
            let body = (stored.lowerBound + Int(start))..<(stored.lowerBound + Int(end) - 4)
            at = body.lowerBound
            guard let number = varint(body.upperBound), number <= seeds.count else { continue }
            let seed = number == 0 ? 0 : seeds[number - 1]
            storeU32(&b, body.upperBound, crc(b, body, continuing: seed))
        }
    }

    /// The CRCs of one term's postings blocks, tail and positions (SegmentFormat's
    /// SkipEntry and Tail).
    func repairPostings(_ b: inout [UInt8], _ info: TermInfo) {
        // An inline list has no checksum of its own (its term block's covers it).
        guard info.inline == nil else { return }
        guard let postings = section(.postings), let positions = section(.positions) else { return }
        let entrySize = SegmentFormat.skipEntrySize
        let df = info.documentFrequency
        let full = df / BitPacking.blockSize
        let tail = df % BitPacking.blockSize
        let skipBase = postings.lowerBound + info.postingsOffset
        let blocksBase = skipBase + full * entrySize
        let positionsBase = positions.lowerBound + info.positionsOffset
        guard blocksBase <= postings.upperBound, positionsBase <= positions.upperBound else { return }
        func fix(_ at: Int, _ start: Int, _ end: Int) {
            if start <= end, end <= b.count { storeU32(&b, at, crc(b, start..<end)) }
        }
        for k in 0..<full {
            let e = skipBase + k * entrySize
            let start = k == 0 ? blocksBase : blocksBase + Int(loadU32(b, e - entrySize + 4)!)
            fix(e + 20, start, blocksBase + Int(loadU32(b, e + 4)!))
            let positionsStart = positionsBase + Int(loadU32(b, e + 8)!)
            fix(e + 28, positionsStart, positionsStart + Int(loadU32(b, e + 24)!))
        }
        guard tail > 0 else { return }
        var offset = full > 0 ? blocksBase + Int(loadU32(b, skipBase + (full - 1) * entrySize + 4)!) : blocksBase
        func varint() -> Int? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while offset < b.count, shift < 64 {
                let byte = b[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value <= UInt64(Int.max) ? Int(value) : nil }
                shift += 7
            }
            return nil
        }
        let tailPositionsStart = full > 0 ? varint() : 0
        guard let tailPositionsStart, let length = varint() else { return }
        let positionsCRCAt = offset
        let docsCRCAt = offset + 4
        offset += 8
        let docsStart = offset
        for _ in 0..<tail {
            guard let code = varint() else { return }
            if code & 1 == 0, varint() == nil { return }
        }
        fix(docsCRCAt, docsStart, offset)
        let (start, overflow) = positionsBase.addingReportingOverflow(tailPositionsStart)
        guard !overflow, length <= Int.max - start else { return }
        fix(positionsCRCAt, start, start + length)
    }

    /// Section CRCs, then the footer CRC over the table and the footer fields.
    func repairSectionsAndFooter(_ b: inout [UInt8]) {
        for (e, range) in entries { storeU32(&b, e + 4, crc(b, range)) }
        storeU32(&b, size - 8, crc(b, tableOffset..<(size - 8)))
    }
}
