/// Remembers the term of each distinct token text: natural text repeats its words
/// (Zipf), so most tokens skip normalization and stemming entirely. Keys are the
/// token's UTF-16 code units as they appear in the text; values are the term's id in
/// the analyzer's vocabulary, or -1 for tokens whose term is dropped (empty or too long).
///
/// Bounded: it starts over when it holds `maximumEntries` tokens.
struct TermCache {
    static let maximumEntries = 1 << 16
    private var keys: [UInt16] = []
    /// Per entry: key start, key length, term id (-1: dropped), hash.
    private var entries: [(keyStart: Int32, keyCount: Int32, term: Int32, hash: UInt32)] = []
    private var slots: [Int32]
    private var mask: Int

    init() {
        slots = [Int32](repeating: -1, count: TermCache.maximumEntries * 2)
        mask = slots.count - 1
        keys.reserveCapacity(1 << 19)
        entries.reserveCapacity(TermCache.maximumEntries)
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
        return keys.withUnsafeBufferPointer { k -> Int32? in
            entries.withUnsafeBufferPointer { e -> Int32? in
                slots.withUnsafeBufferPointer { slots -> Int32? in
                    while true {
                        let slot = slots[i]
                        if slot < 0 { return nil }
                        let entry = e[Int(slot)]
                        if entry.hash == h && Int(entry.keyCount) == token.count {
                            let base = Int(entry.keyStart)
                            var same = true
                            for j in 0..<token.count where k[base + j] != token[j] { same = false; break }
                            if same { return entry.term }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
    }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = -1 }
    }

    /// Remembers `term` (-1: dropped) for `token`.
    mutating func insert(_ token: UnsafeBufferPointer<UInt16>, hash h: UInt32, term: Int32) {
        if entries.count >= TermCache.maximumEntries { removeAll() }
        var i = Int(h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = Int32(entries.count)
        let keyStart = Int32(keys.count)
        keys.append(contentsOf: token)
        entries.append((keyStart, Int32(token.count), term, h))
    }
}
