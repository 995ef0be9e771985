/// For every two common words (`CommonWords`) that stand side by side somewhere in a
/// segment, the documents where they do and how often (format version 10 on): the
/// postings of the two-word phrase, which a phrase of common words only ("een het",
/// "van de") reads instead of going through every document that holds its words (each
/// holds nearly all of them) and checking their codes position by position.
///
/// ```
/// commonPairs --> PairCount u16, <A u8, B u8, DocFreq u32, Offset u64>^PairCount,
///                 TableCRC32 u32, PairList^PairCount
///                 (pairs in increasing (A, B), A and B the words' codes, 1...31; Offset
///                  from the section's start, increasing; a list ends where the next
///                  begins, the last at the section's end)
/// PairList   --> <LastDoc u32, End u32>^BlockCount, Entry^DocFreq, ListCRC32 u32
///                 (BlockCount = ⌈DocFreq / 128⌉: a skip entry per 128 entries, End the
///                  bytes from the first entry to the end of that block; the CRC-32C
///                  covers the skip entries and the entries)
/// Entry      --> DocDelta·2 + (TF == 1 ? 1 : 0) vint, [TF vint when TF ≠ 1]
/// ```
///
/// DocDelta is the difference to the list's previous document (the first document's own
/// id for the first one); TF is the number of positions p of the document with A at p and
/// B at p + 1. A pair that no document has is not listed. The section is a function of
/// the documents' codes, and `check` compares it byte for byte with the one the codes give.
///
/// Worked example: with the words `de` (1) and `kat` (2), document 0 "de kat de kat"
/// and document 3 "de de kat" give the pairs (1, 1) in document 3 once, (1, 2) in
/// document 0 twice and in document 3 once, (2, 1) in document 0 once: the table has
/// three entries, and the list of (1, 2) is the skip entry (3, 3), the entries
/// `0, 2` (0·2 + 0, then TF 2) and `7` (3·2 + 1), then its CRC-32C.
public enum CommonPairs {
    public static let blockSize = 128
    static let tableEntrySize = 14
    static let skipEntrySize = 8

    /// The index (0..<1024) of the pair of codes `a`, `b` (1...31).
    @inline(__always)
    public static func key(_ a: Int, _ b: Int) -> Int { a << 5 | b }

    /// Counts, per pair of codes, how often they stand side by side in a document's
    /// `codes` (`CommonWords`, `length` positions), calling `body(key, tf)` once per pair
    /// that occurs, in increasing key order. `counts` (1024 zeros) is left zeroed.
    static func forEachPair(codes: UnsafeRawBufferPointer, length: Int, counts: UnsafeMutablePointer<UInt32>,
                                   _ body: (Int, Int) -> Void) {
        guard length >= 2, codes.count > 0 else { return }
        var touched: [Int] = []
        // The codes in order, from a bit buffer refilled a byte at a time.
        var buffer: UInt64 = 0
        var bits = 0
        var next = 0
        var previous = 0
        for _ in 0..<min(length, 8 * codes.count / 5) {
            if bits < 5 {
                while bits <= 56 && next < codes.count {
                    buffer |= UInt64(codes[next]) << UInt64(bits)
                    next &+= 1
                    bits &+= 8
                }
            }
            let c = Int(buffer & 31)
            buffer >>= 5
            bits &-= 5
            if previous != 0 && c != 0 {
                let k = key(previous, c)
                if counts[k] == 0 { touched.append(k) }
                counts[k] &+= 1
            }
            previous = c
        }
        touched.sort()
        for k in touched {
            let tf = Int(counts[k])
            counts[k] = 0
            body(k, tf)
        }
    }
}

/// Builds a segment's `commonPairs` section from its documents' codes, given in document
/// order. A few bytes per document and pair in memory.
public struct CommonPairsBuilder {
    private struct List {
        var documentCount = 0
        var lastDoc = -1
        var entries = ByteWriter()
        var skips = ByteWriter()
    }
    /// By pair key (`CommonPairs.key`), changed in place.
    private var lists = [List](repeating: List(), count: 1024)
    private var counts = [UInt32](repeating: 0, count: 1024)
    private var found: [(key: Int, tf: Int)] = []
    private var documents = 0

    public init() {}

    /// Adds the next document's codes (`CommonWords`, `length` positions; empty when the
    /// segment codes no words).
    public mutating func add(codes: UnsafeRawBufferPointer, length: Int) {
        let doc = documents
        documents += 1
        found.removeAll(keepingCapacity: true)
        counts.withUnsafeMutableBufferPointer { counts in
            CommonPairs.forEachPair(codes: codes, length: length, counts: counts.baseAddress!) { k, tf in found.append((k, tf)) }
        }
        for (k, tf) in found {
            let delta = lists[k].lastDoc < 0 ? doc : doc - lists[k].lastDoc
            lists[k].entries.varint(delta << 1 | (tf == 1 ? 1 : 0))
            if tf != 1 { lists[k].entries.varint(tf) }
            lists[k].documentCount += 1
            lists[k].lastDoc = doc
            if lists[k].documentCount % CommonPairs.blockSize == 0 {
                lists[k].skips.u32(UInt32(doc))
                lists[k].skips.u32(UInt32(truncatingIfNeeded: lists[k].entries.bytes.count))
            }
        }
    }

    /// The section's bytes, or `nil` when a list's entries do not fit the u32 ends of its
    /// skip entries.
    public func serialized() -> [UInt8]? {
        let keys = lists.indices.filter { lists[$0].documentCount > 0 }
        var bodies: [[UInt8]] = []
        for k in keys {
            var list = lists[k]
            guard list.entries.bytes.count <= Int(UInt32.max) else { return nil }
            if list.documentCount % CommonPairs.blockSize != 0 {
                list.skips.u32(UInt32(list.lastDoc))
                list.skips.u32(UInt32(list.entries.bytes.count))
            }
            var body = list.skips
            body.append(list.entries.bytes)
            body.u32(Checksum.crc32(body.bytes))
            bodies.append(body.bytes)
        }
        var out = ByteWriter(capacity: 6 + keys.count * CommonPairs.tableEntrySize + bodies.reduce(0) { $0 + $1.count })
        out.u16(UInt16(keys.count))
        var offset = 2 + keys.count * CommonPairs.tableEntrySize + 4
        for (k, body) in zip(keys, bodies) {
            out.byte(UInt8(k >> 5))
            out.byte(UInt8(k & 31))
            out.u32(UInt32(lists[k].documentCount))
            out.u64(UInt64(offset))
            offset += body.count
        }
        out.u32(Checksum.crc32(out.bytes))
        for body in bodies { out.append(body) }
        return out.bytes
    }
}

/// A segment's `commonPairs` section: which pairs are listed, and their lists.
public struct CommonPairTable: Sendable {
    /// Per pair key (`CommonPairs.key`): its number in the table + 1, 0 when not listed.
    private let slots: [UInt16]
    private let documentFrequencies: [Int]
    private let ranges: [Range<Int>]
    nonisolated(unsafe) private let section: UnsafeRawBufferPointer

    /// Parses the table of `section`, checking its CRC-32C and that the lists tile the
    /// rest of it; `nil` when they do not.
    init?(_ section: UnsafeRawBufferPointer, documentCount: Int) {
        var r = ByteReader(section)
        guard let lo = r.readByte(), let hi = r.readByte() else { return nil }
        let n = Int(lo) | Int(hi) << 8
        let tableEnd = 2 + n * CommonPairs.tableEntrySize
        guard n <= 1024, tableEnd + 4 <= section.count,
              Checksum.crc32(UnsafeRawBufferPointer(rebasing: section[0..<tableEnd])) == ByteReader(section).getU32(at: tableEnd) else { return nil }
        var slots = [UInt16](repeating: 0, count: 1024)
        var dfs: [Int] = [], starts: [Int] = []
        var previous = -1
        for i in 0..<n {
            guard let a = r.readByte(), let b = r.readByte(), let df = r.readU32(), let offset = r.readU64() else { return nil }
            let k = CommonPairs.key(Int(a), Int(b))
            guard a >= 1, a <= 31, b >= 1, b <= 31, k > previous, df >= 1, Int(df) <= documentCount,
                  offset <= UInt64(section.count), Int(offset) >= (starts.last ?? tableEnd + 4) else { return nil }
            previous = k
            slots[k] = UInt16(i + 1)
            dfs.append(Int(df))
            starts.append(Int(offset))
        }
        if n == 0 && section.count != tableEnd + 4 { return nil }
        if n > 0 && starts[0] != tableEnd + 4 { return nil }
        self.slots = slots
        documentFrequencies = dfs
        ranges = starts.indices.map { starts[$0]..<(($0 + 1 < starts.count) ? starts[$0 + 1] : section.count) }
        self.section = section
    }

    /// How many pairs are listed.
    public var count: Int { ranges.count }

    /// The number (in the table) of the pair of codes `a`, `b`, or `nil` when it is not listed.
    public func number(_ a: Int, _ b: Int) -> Int? {
        guard a >= 1, a <= 31, b >= 1, b <= 31 else { return nil }
        let s = Int(slots[CommonPairs.key(a, b)])
        return s == 0 ? nil : s - 1
    }

    public func documentFrequency(_ number: Int) -> Int { documentFrequencies[number] }

    /// The bytes of list `number` (skip entries, entries, CRC).
    func bytes(_ number: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: section[ranges[number]]) }
}

/// The documents of one pair of common words and its TF in each, in increasing id order.
/// `document` is -1 before the first `next` and `exhausted` at the end. A block of 128
/// entries is decoded whole when it is entered; damage (an entry past its block, a
/// document out of order or out of range, a block not ending where its skip entry says)
/// is an error, never a read outside the list.
public final class CommonPairPostings {
    public static let exhausted = PostingsIterator.exhausted
    public let documentFrequency: Int
    public private(set) var document: Int32 = -1
    public private(set) var frequency = 0
    private let skips: UnsafeRawBufferPointer
    private let entries: UnsafeRawBufferPointer
    private let blockCount: Int
    private let documentCount: Int
    private let file: String
    /// The current block's documents and TFs, how many, and the next one's index.
    private let documents = UnsafeMutablePointer<Int32>.allocate(capacity: CommonPairs.blockSize)
    private let frequencies = UnsafeMutablePointer<Int32>.allocate(capacity: CommonPairs.blockSize)
    private var block = -1
    private var count = 0
    private var index = 0

    /// A list of no documents.
    static func empty(file: String) -> CommonPairPostings {
        // Four bytes: the CRC-32C of nothing (not checked).
        let none = UnsafeRawBufferPointer(start: Self.emptyList, count: 4)
        return try! CommonPairPostings(list: none, documentFrequency: 0, documentCount: 0, file: file, verify: false)
    }
    nonisolated(unsafe) private static let emptyList = UnsafeMutableRawPointer.allocate(byteCount: 4, alignment: 4)

    init(list: UnsafeRawBufferPointer, documentFrequency: Int, documentCount: Int, file: String, verify: Bool) throws(IndexError) {
        self.documentFrequency = documentFrequency
        self.documentCount = documentCount
        self.file = file
        blockCount = (documentFrequency + CommonPairs.blockSize - 1) / CommonPairs.blockSize
        let skipBytes = blockCount * CommonPairs.skipEntrySize
        guard list.count >= skipBytes + 4 else { throw .corrupt(file: file, offset: nil, reason: "a common-word pair list is truncated") }
        if verify {
            let body = UnsafeRawBufferPointer(rebasing: list[0..<(list.count - 4)])
            guard Checksum.crc32(body) == list.loadUnaligned(fromByteOffset: list.count - 4, as: UInt32.self).littleEndian else {
                throw .corrupt(file: file, offset: nil, reason: "a common-word pair list fails its checksum")
            }
        }
        skips = UnsafeRawBufferPointer(rebasing: list[0..<skipBytes])
        entries = UnsafeRawBufferPointer(rebasing: list[skipBytes..<(list.count - 4)])
    }

    deinit {
        documents.deallocate()
        frequencies.deallocate()
    }

    @inline(__always)
    private func skip(_ i: Int) -> (lastDoc: Int32, end: Int) {
        let o = i * CommonPairs.skipEntrySize
        return (Int32(bitPattern: skips.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian),
                Int(skips.loadUnaligned(fromByteOffset: o + 4, as: UInt32.self).littleEndian))
    }

    private func damaged(_ what: String) -> IndexError {
        .corrupt(file: file, offset: nil, reason: "a common-word pair list is damaged (\(what))")
    }

    /// Decodes block `i` whole; its first entry is next.
    private func enter(_ i: Int) throws(IndexError) {
        let start = i == 0 ? 0 : skip(i - 1).end
        let (lastDoc, end) = skip(i)
        guard start <= end, end <= entries.count else { throw damaged("a skip entry points outside the list") }
        let n = min(CommonPairs.blockSize, documentFrequency - i * CommonPairs.blockSize)
        var position = start
        @inline(__always) func varint() throws(IndexError) -> Int {
            var value = 0
            var shift = 0
            while true {
                guard position < end, shift < 35 else { throw damaged("an entry runs past its block") }
                let b = entries[position]
                position &+= 1
                value |= Int(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
        }
        var d = i == 0 ? -1 : Int(skip(i - 1).lastDoc)
        for k in 0..<n {
            let v = try varint()
            let delta = v >> 1
            guard delta > 0 || (i == 0 && k == 0) else { throw damaged("a document out of order") }
            d = i == 0 && k == 0 ? delta : d + delta
            let tf = v & 1 == 1 ? 1 : try varint()
            guard d < documentCount, tf >= 1, tf <= Int(Int32.max) else { throw damaged("a document or TF out of range") }
            documents[k] = Int32(d)
            frequencies[k] = Int32(tf)
        }
        guard position == end, d == Int(lastDoc) else { throw damaged("a block does not end at its skip entry") }
        block = i
        count = n
        index = 0
    }

    @discardableResult
    public func next() throws(IndexError) -> Int32 {
        if index == count {
            if document == Self.exhausted { return document }
            if block + 1 >= blockCount {
                document = Self.exhausted
                return document
            }
            try enter(block + 1)
        }
        document = documents[index]
        frequency = Int(frequencies[index])
        index &+= 1
        return document
    }

    /// The first document at or after `target`; whole blocks that end before it are
    /// passed over by their skip entries.
    @discardableResult
    public func advance(to target: Int32) throws(IndexError) -> Int32 {
        if document >= target { return document }
        if block < 0 || skip(block).lastDoc < target {
            var b = block + 1
            while b < blockCount && skip(b).lastDoc < target { b += 1 }
            if b >= blockCount {
                document = Self.exhausted
                index = count
                return document
            }
            try enter(b)
        }
        while true {
            let d = try next()
            if d >= target { return d }
        }
    }
}
