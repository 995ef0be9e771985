import CICU

/// A direct-mapped cache (like a CPU cache) from short token texts to term ids, in
/// front of `TermCache`: a token of at most 12 UTF-16 units is packed into three
/// 64-bit words, hashed with a few multiplications, and found or missed with a single
/// 32-byte slot read. Most tokens of natural text are short and frequent.
///
/// A class over raw memory: a lookup per token is then a plain load, with no reference
/// counting of an array's storage around it. One per `Analyzer`, never shared.
final class ShortTokenCache {
    static let maximumUnits = 12
    /// The indexer's size; a query analyzer's is much smaller.
    static let defaultSlotCount = 1 << 15
    /// Per slot: three words of key units, then (length << 32 | UInt32(term id)); length 0 = empty.
    private let slots: UnsafeMutablePointer<UInt64>
    private let mask: Int

    init(slotCount: Int = ShortTokenCache.defaultSlotCount) {
        precondition(slotCount > 0 && slotCount & (slotCount - 1) == 0, "a power of two")
        slots = .allocate(capacity: slotCount * 4)
        slots.initialize(repeating: 0, count: slotCount * 4)
        mask = slotCount - 1
    }

    deinit { slots.deallocate() }

    struct Key {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0
        var length: UInt64 = 0
        /// The key's hash: its top bits pick the slot.
        var hash: UInt64 = 0
    }

    @inline(__always)
    private func slot(_ key: Key) -> Int { Int(truncatingIfNeeded: key.hash >> 40) & mask }

    /// Packs `token` (at most `maximumUnits` units) into a key.
    @inline(__always)
    static func key(_ token: UnsafeBufferPointer<UInt16>) -> Key {
        var k = Key()
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt16.self)
            for i in 0..<token.count { p[i] = token[i] }
        }
        k.w0 = words.0
        k.w1 = words.1
        k.w2 = words.2
        k.length = UInt64(token.count)
        var h = (k.w0 &* 0x9E37_79B9_7F4A_7C15) ^ (k.w1 &* 0xC2B2_AE3D_27D4_EB4F) ^ (k.w2 &* 0x1656_67B1_9E37_79F9)
        h ^= k.length
        h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
        k.hash = h
        return k
    }

    /// The term id (-1: dropped) cached for `key`, or nil.
    @inline(__always)
    func lookup(_ key: Key) -> Int32? {
        let s = slots + slot(key) &* 4
        let tail = s[3]
        guard tail >> 32 == key.length, s[0] == key.w0, s[1] == key.w1, s[2] == key.w2 else { return nil }
        return Int32(truncatingIfNeeded: tail)
    }

    /// Starts loading `key`'s slot into the CPU cache, for a `lookup` soon after.
    @inline(__always)
    func prefetch(_ key: Key) {
        cicu_prefetch(slots + slot(key) &* 4)
    }

    @inline(__always)
    func insert(_ key: Key, term: Int32) {
        let s = slots + slot(key) &* 4
        s[0] = key.w0
        s[1] = key.w1
        s[2] = key.w2
        s[3] = key.length << 32 | UInt64(UInt32(bitPattern: term))
    }

    func removeAll() {
        slots.update(repeating: 0, count: (mask + 1) * 4)
    }
}
