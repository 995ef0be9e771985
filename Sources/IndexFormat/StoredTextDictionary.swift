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

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The dictionary's size limit. zlib's window is 32 KiB; larger dictionaries compress
    /// a little better but cost more per document, since zlib indexes every dictionary
    /// position each time it is set (on 2 KB documents: 10 µs more per document at 16 KiB, 3 µs at 8).
    public static let maximumSize = 8 << 10
    /// Below this much sampled text a dictionary would cost more than it saves.
    public static let minimumSample = 64 << 10
    /// How much text `IndexWriter` samples, spread over the documents of a run.
    public static let sampleSize = 1 << 20

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
        var pieces: [Range<Int>] = []
        for sample in samples {
            let base = all.count
            all.append(contentsOf: sample)
            let own = Self.pieces(of: sample)
            for (k, piece) in own.enumerated() {
                pieces.append((base + piece.lowerBound)..<(base + piece.upperBound))
                if k + 1 < own.count, own[k + 1].lowerBound == piece.upperBound {
                    pieces.append((base + piece.lowerBound)..<(base + own[k + 1].upperBound))
                }
            }
        }
        var counts = PieceCounter(capacity: pieces.count)
        all.withUnsafeBufferPointer { bytes in
            for piece in pieces { counts.add(bytes, piece) }
        }
        var candidates: [(value: Int, bytes: ArraySlice<UInt8>)] = []
        candidates.reserveCapacity(counts.distinct)
        counts.forEach { range, count in
            if count >= 2 && range.count >= 3 { candidates.append((count * range.count, all[range])) }
        }
        candidates.sort { a, b in
            a.value != b.value ? a.value > b.value : a.bytes.lexicographicallyPrecedes(b.bytes)
        }
        var chosen: [ArraySlice<UInt8>] = []
        var used = 0
        for c in candidates where used + c.bytes.count <= size {
            chosen.append(c.bytes)
            used += c.bytes.count
            if size - used < 3 { break }
        }
        guard !chosen.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(used)
        for piece in chosen.reversed() { bytes.append(contentsOf: piece) }
        return StoredTextDictionary(bytes: bytes)
    }

    /// The words of `text` with the byte after each: a word is a run of ASCII letters and
    /// digits and of bytes ≥ 0x80 (so any non-ASCII letter, whole), at most 64 bytes.
    static func pieces(of text: [UInt8]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(text.count / 6)
        text.withUnsafeBufferPointer { t in
            var i = 0
            let n = t.count
            while i < n {
                guard isWordByte(t[i]) else { i += 1; continue }
                let start = i
                while i < n && isWordByte(t[i]) { i += 1 }
                let end = i < n ? i + 1 : i
                if end - start <= 64 { pieces.append(start..<end) }
                i = end
            }
        }
        return pieces
    }

    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        b >= 0x80 || (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A)
    }
}

/// Counts the distinct byte strings among ranges of one buffer: open addressing on a
/// 64-bit FNV-1a hash, so counting a megabyte of text costs a few milliseconds (a Swift
/// `Dictionary` keyed by `ArraySlice` hashed it byte by byte with SipHash: a tenth of a
/// small corpus's indexing time).
struct PieceCounter {
    private struct Slot {
        var hash: UInt64 = 0
        var start: Int32 = -1
        var length: Int32 = 0
        var count: Int32 = 0
    }
    private var slots: [Slot]
    private var mask: Int
    private(set) var distinct = 0

    init(capacity: Int) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
    }

    /// Counts `bytes[range]` once more.
    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in range { hash = (hash ^ UInt64(bytes[i])) &* 0x100_0000_01b3 }
        var i = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while slots[i].start >= 0 {
            if slots[i].hash == hash && Int(slots[i].length) == range.count
                && memcmp(bytes.baseAddress! + Int(slots[i].start), bytes.baseAddress! + range.lowerBound, range.count) == 0 {
                slots[i].count += 1
                return
            }
            i = (i + 1) & mask
        }
        slots[i] = Slot(hash: hash, start: Int32(range.lowerBound), length: Int32(range.count), count: 1)
        distinct += 1
        if distinct * 2 > slots.count { grow() }
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot.start >= 0 {
            var i = Int(truncatingIfNeeded: slot.hash ^ (slot.hash >> 29)) & mask
            while slots[i].start >= 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }

    /// Every distinct string: its first range and its count.
    func forEach(_ body: (Range<Int>, Int) -> Void) {
        for slot in slots where slot.start >= 0 {
            body(Int(slot.start)..<(Int(slot.start) + Int(slot.length)), Int(slot.count))
        }
    }
}
