/// Remembers the term of each distinct token text: natural text repeats its words
/// (Zipf), so most tokens skip normalization and stemming entirely. Keys are the
/// token's UTF-16 code units as they appear in the text; values are the UTF-8 term,
/// or "dropped" for tokens whose term is empty or too long.
///
/// Bounded: it starts over when it holds `maximumEntries` tokens.
struct TermCache {
    static let maximumEntries = 1 << 16
    private var keys: [UInt16] = []
    private var values: [UInt8] = []
    /// Per entry: key start, key length, value start, value length (-1: dropped), hash.
    private var entries: [(keyStart: Int32, keyCount: Int32, valueStart: Int32, valueCount: Int32, hash: UInt32)] = []
    private var slots: [Int32]
    private var mask: Int

    init() {
        slots = [Int32](repeating: -1, count: TermCache.maximumEntries * 2)
        mask = slots.count - 1
        keys.reserveCapacity(1 << 19)
        values.reserveCapacity(1 << 19)
        entries.reserveCapacity(TermCache.maximumEntries)
    }

    @inline(__always)
    static func hash(_ token: UnsafeBufferPointer<UInt16>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for u in token { h = (h ^ UInt32(u)) &* 16_777_619 }
        return h ^ (h >> 15)
    }

    /// The cached term of `token`: `.some(nil)` when the token is dropped, `nil` when unknown.
    @inline(__always)
    func lookup(_ token: UnsafeBufferPointer<UInt16>, hash h: UInt32) -> UnsafeBufferPointer<UInt8>?? {
        var i = Int(h) & mask
        while true {
            let slot = slots[i]
            if slot < 0 { return nil }
            let e = entries[Int(slot)]
            if e.hash == h && Int(e.keyCount) == token.count {
                let same = keys.withUnsafeBufferPointer { k -> Bool in
                    let base = Int(e.keyStart)
                    for j in 0..<token.count where k[base + j] != token[j] { return false }
                    return true
                }
                if same {
                    if e.valueCount < 0 { return .some(nil) }
                    return values.withUnsafeBufferPointer { v in
                        UnsafeBufferPointer(rebasing: v[Int(e.valueStart)..<Int(e.valueStart + e.valueCount)])
                    }
                }
            }
            i = (i + 1) & mask
        }
    }

    /// Remembers `term` (nil: dropped) for `token`. The returned pointer of a later
    /// `lookup` stays valid until the next `insert`.
    mutating func insert(_ token: UnsafeBufferPointer<UInt16>, hash h: UInt32, term: [UInt8]?) {
        if entries.count >= TermCache.maximumEntries {
            keys.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            entries.removeAll(keepingCapacity: true)
            for i in slots.indices { slots[i] = -1 }
        }
        var i = Int(h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = Int32(entries.count)
        let keyStart = Int32(keys.count)
        keys.append(contentsOf: token)
        let valueStart = Int32(values.count)
        if let term { values.append(contentsOf: term) }
        entries.append((keyStart, Int32(token.count), valueStart, term.map { Int32($0.count) } ?? -1, h))
    }
}
