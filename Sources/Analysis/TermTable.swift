#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open-addressing hash table from byte strings to dense ids (0, 1, 2, …), with the
/// bytes kept in one arena: no allocation per lookup, none per term but the arena's growth.
public struct TermTable: Sendable {
    public private(set) var arena: [UInt8] = []
    public private(set) var starts: [Int32] = []
    public private(set) var lengths: [Int32] = []
    private var hashes: [UInt32] = []
    private var slots: [Int32]
    private var mask: Int

    public init(capacity: Int = 1024) {
        let size = Self.slotCount(forCapacity: capacity)
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    private static func slotCount(forCapacity capacity: Int) -> Int {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        return size
    }

    /// `memoryUsage` of an empty table made with `capacity` (without making one).
    public static func emptyMemoryUsage(capacity: Int) -> Int { slotCount(forCapacity: capacity) * 4 }

    public var count: Int { starts.count }

    /// Approximate heap bytes in use, from the counts of bytes and terms, not from the
    /// arrays' capacities: those depend on the allocator (and so on what other threads
    /// allocated), and the indexer flushes its buffer at a memory bound that must give
    /// the same segments whatever the thread count.
    public var memoryUsage: Int { arena.count + starts.count * 12 + slots.count * 4 }

    public mutating func removeAll() {
        arena.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        if slots.count > 4096 {
            slots = [Int32](repeating: -1, count: 4096)
            mask = 4095
        } else {
            for i in slots.indices { slots[i] = -1 }
        }
    }

    @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        // FNV-1a, 32-bit.
        var h: UInt32 = 2_166_136_261
        for b in bytes { h = (h ^ UInt32(b)) &* 16_777_619 }
        return h
    }

    @inline(__always)
    private func equals(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = Int(lengths[id])
        guard n == bytes.count else { return false }
        let s = Int(starts[id])
        return arena.withUnsafeBufferPointer { a in
            for i in 0..<n where a[s + i] != bytes[i] { return false }
            return true
        }
    }

    /// The id of `bytes`, inserting it when new. `isNew` tells which.
    @inline(__always)
    public mutating func id(of bytes: UnsafeBufferPointer<UInt8>) -> (id: Int, isNew: Bool) {
        let h = Self.hash(bytes)
        var i = Int(h) & mask
        while true {
            let slot = slots[i]
            if slot < 0 { break }
            if hashes[Int(slot)] == h && equals(Int(slot), bytes) { return (Int(slot), false) }
            i = (i + 1) & mask
        }
        let id = starts.count
        slots[i] = Int32(id)
        starts.append(Int32(arena.count))
        lengths.append(Int32(bytes.count))
        hashes.append(h)
        arena.append(contentsOf: bytes)
        if starts.count * 2 > slots.count { grow() }
        return (id, true)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for id in 0..<starts.count {
            var i = Int(hashes[id]) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }

    /// The bytes of term `id`, borrowed.
    @inline(__always)
    public func withBytes<R>(of id: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        arena.withUnsafeBufferPointer { a in
            body(UnsafeBufferPointer(rebasing: a[Int(starts[id])..<Int(starts[id] + lengths[id])]))
        }
    }

    /// The bytes of term `id`.
    public func bytes(of id: Int) -> ArraySlice<UInt8> {
        let s = Int(starts[id])
        return arena[s..<(s + Int(lengths[id]))]
    }

    /// Ids sorted by their bytes (UTF-8 byte order = code point order): by their first
    /// eight bytes as one big-endian integer (zero-padded: terms hold no NUL, so a
    /// shorter term sorts first, as byte order wants), the rest compared only on ties.
    public func sortedIds() -> [Int] {
        arena.withUnsafeBufferPointer { a in
            var keyed: [(key: UInt64, id: Int32)] = []
            keyed.reserveCapacity(count)
            for id in 0..<count {
                let start = Int(starts[id])
                let n = min(8, Int(lengths[id]))
                var key: UInt64 = 0
                for k in 0..<8 { key = key << 8 | (k < n ? UInt64(a[start + k]) : 0) }
                keyed.append((key, Int32(id)))
            }
            keyed.sort { x, y in
                if x.key != y.key { return x.key < y.key }
                let bx = UnsafeBufferPointer(rebasing: a[Int(starts[Int(x.id)])..<Int(starts[Int(x.id)] + lengths[Int(x.id)])])
                let by = UnsafeBufferPointer(rebasing: a[Int(starts[Int(y.id)])..<Int(starts[Int(y.id)] + lengths[Int(y.id)])])
                return compareBytes(bx, by) < 0
            }
            return keyed.map { Int($0.id) }
        }
    }
}

/// Compares two byte strings (UTF-8 byte order = code point order): negative, zero or positive.
@inline(__always)
public func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}
