import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed number of 64-bit atomics, all 0 at first, that a `SegmentReader` fills in
/// as queries learn facts about its immutable file (which blocks passed their checksum,
/// the keys of its dictionary blocks).
///
/// Many searchers may share one `SegmentReader` from several threads: each word is an
/// atomic, written only with a value derived from the file (the same whichever thread
/// derives it). A reader that sees 0 merely derives the value again.
@usableFromInline
class AtomicWords: @unchecked Sendable {
    @usableFromInline let words: UnsafeMutablePointer<Atomic<UInt64>>
    @usableFromInline let count: Int

    init(count: Int) {
        self.count = max(1, count)
        // Zeroed by calloc: a large table costs nothing until its pages are touched, so
        // opening a big segment for one query stays cheap. All-zero bytes are the
        // representation of `Atomic<UInt64>(0)`.
        guard let raw = calloc(self.count, MemoryLayout<Atomic<UInt64>>.stride) else { fatalError("out of memory") }
        words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: self.count)
    }

    deinit {
        free(words)
    }
}

/// Which blocks of a mapped, immutable segment have had their checksum verified in this
/// process, so that a block read again by later queries is not checksummed again: a bit
/// per block, set after a successful check.
@usableFromInline
final class VerifiedBlocks: AtomicWords, @unchecked Sendable {
    init(capacity bits: Int) {
        super.init(count: (bits + 63) / 64)
    }

    @inlinable @inline(__always)
    func contains(_ bit: Int) -> Bool {
        let w = bit >> 6
        guard w >= 0 && w < count else { return false }
        return words[w].load(ordering: .relaxed) & (1 << UInt64(bit & 63)) != 0
    }

    @inline(__always)
    func insert(_ bit: Int) {
        let w = bit >> 6
        guard w >= 0 && w < count else { return }
        words[w].bitwiseOr(1 << UInt64(bit & 63), ordering: .relaxed)
    }
}

/// Per dictionary block, a key of its first term (`key(_:)`), 0 until a lookup has read
/// that term: the binary search for a term's block then compares two integers per
/// step instead of reading a block of the file, and reads the term only when the keys
/// cannot tell (both terms share their first 7 bytes).
final class BlockKeys: AtomicWords, @unchecked Sendable {
    /// The first 7 bytes of `term` (0-padded) as a big-endian number, shifted up one
    /// byte, with its length (at most 7) in the low byte. For two terms whose keys
    /// differ, the keys are in the order of the terms; equal keys below 7 in the low
    /// byte mean equal terms; otherwise the terms must be compared. Never 0 for a
    /// non-empty term.
    @inline(__always)
    static func key(_ term: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var k: UInt64 = 0
        let n = min(term.count, 7)
        for i in 0..<7 { k = k << 8 | (i < n ? UInt64(term[i]) : 0) }
        return k << 8 | UInt64(n)
    }

    /// Whether equal keys leave the order of their terms open.
    @inline(__always)
    static func isAmbiguous(_ key: UInt64) -> Bool { key & 0xFF == 7 }

    @inline(__always)
    subscript(block: Int) -> UInt64 {
        get { block >= 0 && block < count ? words[block].load(ordering: .relaxed) : 0 }
        set { if block >= 0 && block < count { words[block].store(newValue, ordering: .relaxed) } }
    }
}
