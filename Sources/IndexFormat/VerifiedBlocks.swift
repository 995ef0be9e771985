import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which blocks of a mapped, immutable segment have had their checksum verified in this
/// process, so that a block read again by later queries is not checksummed again.
///
/// Many searchers may share one `SegmentReader` from several threads: the bits are
/// atomics, set after a successful check. A reader that sees a bit not yet set merely
/// checks the block again.
final class VerifiedBlocks: @unchecked Sendable {
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let count: Int

    init(capacity bits: Int) {
        count = max(1, (bits + 63) / 64)
        // Zeroed by calloc: a large table costs nothing until its pages are touched, so
        // opening a big segment for one query stays cheap. All-zero bytes are the
        // representation of `Atomic<UInt64>(0)`.
        guard let raw = calloc(count, MemoryLayout<Atomic<UInt64>>.stride) else { fatalError("out of memory") }
        words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: count)
    }

    deinit {
        free(words)
    }

    @inline(__always)
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
