import Synchronization

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
        words = .allocate(capacity: count)
        for i in 0..<count { (words + i).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: count)
        words.deallocate()
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
