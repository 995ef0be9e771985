#if canImport(Glibc)
import Glibc
#endif

/// A preset DEFLATE dictionary for stored text (zlib's `deflateSetDictionary`): the
/// strings that documents of one collection share, so that each document, compressed on
/// its own, can refer back to them from its first byte. Documents stay separately
/// readable (a snippet inflates one document), yet compress about as well as large
/// blocks of documents would: on the benchmark corpus, level 1 goes from 0.54 of the
/// text to 0.44 with 8 KiB of dictionary, at the same speed.
///
/// Trained once per `index` run on a sample of its documents (`train`), stored in each
/// segment's `storedDictionaries` section, and referred to by number from each
/// `StoredDocument`. Training is deterministic: the same sample gives the same bytes.
public struct StoredTextDictionary: Sendable, Equatable {
    public let bytes: [UInt8]
    /// The Huffman code trained with it (format version 8 on), for the blocks of type 3
    /// of the documents compressed with it.
    public let code: StoredTextCode?

    public init(bytes: [UInt8], code: StoredTextCode? = nil) {
        self.bytes = bytes
        self.code = code
    }

    /// The CRC-32C that a document's own continues from (`StoredDocument`): of the
    /// dictionary's bytes, then of its code as stored, when it has one.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, code: StoredTextCode?) -> UInt32 {
        let crc = Checksum.crc32(bytes)
        guard let code else { return crc }
        return code.serialized.withUnsafeBytes { Checksum.crc32($0, continuing: crc) }
    }

    /// This dictionary with a code trained on `samples` (what `train` took).
    public func withCode(trainedOn samples: [[UInt8]]) -> StoredTextDictionary {
        StoredTextDictionary(bytes: bytes, code: StoredTextCode.train(samples: samples, dictionary: bytes))
    }

    /// The dictionary's size limit. zlib's window is 32 KiB; larger dictionaries compress
    /// a little better but cost more per document, since zlib indexes every dictionary
    /// position each time it is set (on 2 KB documents: 10 µs more per document at 16 KiB, 3 µs at 8).
    public static let maximumSize = 8 << 10
    /// Below this much sampled text a dictionary would cost more than it saves.
    public static let minimumSample = 64 << 10
    /// The most text `IndexWriter` samples, spread over the documents of a run.
    public static let sampleSize = 1 << 20

    /// How much text to sample from a run of `bytes` of input: a sixteenth of it, from
    /// 256 KiB up to `sampleSize` (training costs about 12 ms a megabyte, a serial step
    /// before the run's analysis starts; a small corpus gains little from a larger sample).
    public static func sampleSize(forInput bytes: Int) -> Int {
        min(sampleSize, max(256 << 10, bytes / 16))
    }

    /// A dictionary of the most frequent words and word pairs of `samples` (each with the
    /// byte that follows it: a space, a comma, a full stop), or `nil` when the samples
    /// hold less than `minimumSample` bytes or nothing repeats.
    ///
    /// A candidate is worth its length times its count in the samples; the most valuable
    /// fill the dictionary, and they are laid out with the most valuable last, since zlib
    /// codes short distances (the end of the dictionary) in fewer bits.
    ///
    /// - Complexity: O(n) in the sampled bytes, plus sorting the distinct candidates.
    public static func train(samples: [[UInt8]], size: Int = maximumSize) -> StoredTextDictionary? {
        let total = samples.reduce(0) { $0 + $1.count }
        guard total >= minimumSample, size > 0 else { return nil }
        // One buffer for all samples: pieces are ranges in it (pieces never cross samples).
        var all: [UInt8] = []
        all.reserveCapacity(total)
        var bounds: [Range<Int>] = []
        for sample in samples {
            bounds.append(all.count..<(all.count + sample.count))
            all.append(contentsOf: sample)
        }
        var candidates: [(value: Int, start: Int32, length: Int32)] = []
        all.withUnsafeBufferPointer { bytes in
            var counts = PieceCounter(expected: total / 16)
            for range in bounds {
                forEachPiece(in: bytes, range) { start, end, hash in counts.add(bytes, start, end, hash: hash) }
            }
            candidates.reserveCapacity(counts.distinct)
            counts.forEach { start, length, count in
                if count >= 2 && length >= 3 { candidates.append((count * Int(length), start, length)) }
            }
            let base = bytes.baseAddress!
            candidates.sort { a, b in
                if a.value != b.value { return a.value > b.value }
                let c = memcmp(base + Int(a.start), base + Int(b.start), Int(min(a.length, b.length)))
                return c != 0 ? c < 0 : a.length < b.length
            }
        }
        var chosen: [Range<Int>] = []
        var used = 0
        for c in candidates where used + Int(c.length) <= size {
            chosen.append(Int(c.start)..<(Int(c.start) + Int(c.length)))
            used += Int(c.length)
            if size - used < 3 { break }
        }
        guard !chosen.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(used)
        for piece in chosen.reversed() { bytes.append(contentsOf: all[piece]) }
        return StoredTextDictionary(bytes: bytes)
    }

    /// Calls `body(start, end, hash)` for every word of `text[range]` with the byte after
    /// it, and for every two such pieces that follow each other directly: a word is a run
    /// of ASCII letters and digits and of bytes ≥ 0x80 (so any non-ASCII letter, whole);
    /// words over 64 bytes are left out. `hash` is the piece's 64-bit FNV-1a (a pair's
    /// continues its first word's over the second).
    static func forEachPiece(in text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                             _ body: (_ start: Int, _ end: Int, _ hash: UInt64) -> Void) {
        var i = range.lowerBound
        let n = range.upperBound
        // The previous piece, for a pair when the current one follows it directly.
        var previousStart = -1
        var previousEnd = -1
        var previousHash: UInt64 = 0
        while i < n {
            guard isWordByte(text[i]) else { i += 1; continue }
            let start = i
            var hash = PieceCounter.fnvOffset
            while i < n && isWordByte(text[i]) {
                hash = (hash ^ UInt64(text[i])) &* PieceCounter.fnvPrime
                i += 1
            }
            if i < n {
                hash = (hash ^ UInt64(text[i])) &* PieceCounter.fnvPrime
                i += 1
            }
            let end = i
            guard end - start <= 64 else { previousEnd = -1; continue }
            body(start, end, hash)
            if previousEnd == start {
                var pair = previousHash
                for k in start..<end { pair = (pair ^ UInt64(text[k])) &* PieceCounter.fnvPrime }
                body(previousStart, end, pair)
            }
            previousStart = start
            previousEnd = end
            previousHash = hash
        }
    }

    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        b >= 0x80 || (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A)
    }
}

/// Counts the distinct byte strings among ranges of one buffer: open addressing on a
/// 64-bit FNV-1a hash, 16 bytes a slot. A string enters the table on its second
/// occurrence: the first sets a bit in a filter of 2^23 bits (1 MiB, small enough to
/// stay in cache), so that the many strings seen once never reach the table. A string
/// whose first occurrence finds its bit already set by another is counted once too
/// often; the counts only rank dictionary candidates, and stay deterministic.
struct PieceCounter {
    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x100_0000_01b3

    private struct Slot {
        var hash: UInt32 = 0
        var start: Int32 = -1
        var length: Int32 = 0
        var count: Int32 = 0
    }
    private var slots: [Slot]
    private var mask: Int
    private var seen: [UInt64]
    private(set) var distinct = 0

    /// A counter sized for about `expected` distinct repeated strings (it grows as needed).
    init(expected: Int) {
        var size = 1024
        while size < expected * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
        seen = [UInt64](repeating: 0, count: (1 << 23) / 64)
    }

    /// Counts `bytes[start..<end]`, whose FNV-1a hash is `hash`, once more.
    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, hash: UInt64) {
        let bit = Int(truncatingIfNeeded: hash >> 41)
        let word = seen[bit >> 6]
        let flag: UInt64 = 1 << UInt64(bit & 63)
        if word & flag == 0 {
            seen[bit >> 6] = word | flag
            return
        }
        let length = end - start
        let tag = UInt32(truncatingIfNeeded: hash)
        var i = Self.slot(hash) & mask
        while slots[i].start >= 0 {
            if slots[i].hash == tag && Int(slots[i].length) == length
                && memcmp(bytes.baseAddress! + Int(slots[i].start), bytes.baseAddress! + start, length) == 0 {
                slots[i].count += 1
                return
            }
            i = (i + 1) & mask
        }
        // Its first occurrence set the bit.
        slots[i] = Slot(hash: tag, start: Int32(start), length: Int32(length), count: 2)
        distinct += 1
        if distinct * 2 > slots.count { grow(bytes) }
    }

    @inline(__always)
    private static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash ^ (hash >> 29)) }

    private mutating func grow(_ bytes: UnsafeBufferPointer<UInt8>) {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot.start >= 0 {
            // The slot keeps 32 bits of the hash: the whole one again.
            var hash = Self.fnvOffset
            for k in Int(slot.start)..<Int(slot.start + slot.length) { hash = (hash ^ UInt64(bytes[k])) &* Self.fnvPrime }
            var i = Self.slot(hash) & mask
            while slots[i].start >= 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }

    /// Every distinct string entered: its first occurrence's start and length, and its count.
    func forEach(_ body: (_ start: Int32, _ length: Int32, _ count: Int) -> Void) {
        for slot in slots where slot.start >= 0 {
            body(slot.start, slot.length, Int(slot.count))
        }
    }
}
