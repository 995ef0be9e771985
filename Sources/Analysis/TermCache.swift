import CICU

/// Remembers the term of each distinct token text: natural text repeats its words
/// (Zipf), so most tokens skip normalization and stemming entirely. Keys are the
/// token's UTF-16 code units as they appear in the text; values are the term's id in
/// the analyzer's vocabulary, or -1 for tokens whose term is dropped (empty or too long).
///
/// Open addressing with everything but the key's units in the slot (hash, term, key
/// place and length in 16 bytes), so a lookup reads one slot and then the key: two
/// dependent memory accesses, which on a table this size are cache misses.
///
/// Bounded: it starts over when it holds `maximumEntries` tokens.
///
/// A class over raw memory, like `ShortTokenCache`: a lookup is plain loads, with no
/// reference counting of array storage around it. One per `Analyzer`, never shared.
final class TermCache {
    /// The indexer's size (a worker's tokens); a query analyzer's is much smaller.
    static let defaultMaximumEntries = 1 << 16
    let maximumEntries: Int
    /// The keys' units, one after another (`keyCount` of `keyCapacity` used).
    private var keys: UnsafeMutablePointer<UInt16>
    private var keyCount = 0
    private var keyCapacity: Int
    /// Two words per slot: hash << 32 | term (as UInt32), then key start << 32 | key
    /// length; a length of 0 (no token is empty) marks an empty slot.
    private let slots: UnsafeMutablePointer<UInt64>
    private let mask: Int
    private var count = 0

    init(maximumEntries: Int = TermCache.defaultMaximumEntries) {
        precondition(maximumEntries > 0 && maximumEntries & (maximumEntries - 1) == 0, "a power of two")
        self.maximumEntries = maximumEntries
        slots = .allocate(capacity: maximumEntries * 2 * 2)
        slots.initialize(repeating: 0, count: maximumEntries * 2 * 2)
        mask = maximumEntries * 2 - 1
        keyCapacity = maximumEntries * 8
        keys = .allocate(capacity: keyCapacity)
    }

    deinit {
        slots.deallocate()
        keys.deallocate()
    }

    @inline(__always)
    static func hash(_ token: UnsafeBufferPointer<UInt16>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for u in token { h = (h ^ UInt32(u)) &* 16_777_619 }
        return h ^ (h >> 15)
    }

    /// The cached term id of `token` (-1: dropped), or `nil` when unknown.
    @inline(__always)
    func lookup(_ token: UnsafeBufferPointer<UInt16>, hash h: UInt32) -> Int32? {
        var i = Int(h) & mask
        while true {
            let place = slots[2 &* i &+ 1]
            if place == 0 { return nil }
            let value = slots[2 &* i]
            if UInt32(truncatingIfNeeded: value >> 32) == h && Int(place & 0xFFFF_FFFF) == token.count {
                let key = keys + Int(place >> 32)
                var same = true
                for j in 0..<token.count where key[j] != token[j] { same = false; break }
                if same { return Int32(truncatingIfNeeded: value) }
            }
            i = (i &+ 1) & mask
        }
    }

    /// Starts loading the first slot `hash` probes into the CPU cache, for a `lookup` soon after.
    @inline(__always)
    func prefetch(hash h: UInt32) {
        cicu_prefetch(slots + 2 &* (Int(h) & mask))
    }

    func removeAll() {
        keyCount = 0
        slots.update(repeating: 0, count: (mask + 1) * 2)
        count = 0
    }

    /// Remembers `term` (-1: dropped) for `token`.
    func insert(_ token: UnsafeBufferPointer<UInt16>, hash h: UInt32, term: Int32) {
        if count >= maximumEntries { removeAll() }
        if keyCount + token.count > keyCapacity {
            let grown = max(keyCapacity * 2, keyCount + token.count)
            let larger = UnsafeMutablePointer<UInt16>.allocate(capacity: grown)
            larger.update(from: keys, count: keyCount)
            keys.deallocate()
            keys = larger
            keyCapacity = grown
        }
        var i = Int(h) & mask
        while slots[2 * i + 1] != 0 { i = (i + 1) & mask }
        slots[2 * i] = UInt64(h) << 32 | UInt64(UInt32(bitPattern: term))
        slots[2 * i + 1] = UInt64(UInt32(keyCount)) << 32 | UInt64(UInt32(token.count))
        if let base = token.baseAddress { (keys + keyCount).update(from: base, count: token.count) }
        keyCount += token.count
        count += 1
    }
}
