#if canImport(Glibc)
import Glibc
#endif

/// The buffer's postings: per term, a growable byte list of its postings in document
/// order, each the varints (document delta, tf, position byte count) followed by that
/// many bytes of position-delta varints.
///
/// Like `[[UInt8]]`, but each list's address, length, capacity and last document are in
/// one dense table instead of in a header at the start of the list's own memory. Adding
/// a posting then reads one table entry (small, mostly cached) and touches the list only
/// at its end: one cache miss instead of two dependent ones (header, then end) for a list
/// that is anywhere on the heap, which is most of the cost of adding a document.
///
/// Lists are `malloc`'d, grown by doubling with `realloc`, freed by `removeList` or with
/// the object. Not thread-safe.
final class PostingsLists {
    private struct List {
        var base: UnsafeMutablePointer<UInt8>?
        var count: Int
        var capacity: Int
        var lastDocument: Int32
    }

    private var lists: [List] = []
    /// The sum of the lists' capacities.
    private(set) var allocatedBytes = 0

    init() {}

    deinit {
        for list in lists { free(list.base) }
    }

    var count: Int { lists.count }

    /// Adds an empty list; its index is the previous `count`.
    func appendList() {
        lists.append(List(base: nil, count: 0, capacity: 0, lastDocument: 0))
    }

    /// Appends a posting of `document` (greater than the list's previous one) to list
    /// `index`: its varints, then `positions` (`frequency` position-delta varints).
    /// Written in place, byte by byte for the usual few bytes: a `memcpy` call per
    /// posting costs more than the copy itself.
    @inline(__always)
    func add(to index: Int, document: Int32, frequency: Int32, positions: UnsafeRawBufferPointer) {
        lists.withUnsafeMutableBufferPointer { all in
            let delta = UInt32(document - all[index].lastDocument)
            let tf = UInt32(frequency)
            let n = positions.count
            let total = varintSize(delta) + varintSize(tf) + varintSize(UInt32(n)) + n
            if all[index].count + total > all[index].capacity { grow(&all[index], toHold: all[index].count + total) }
            var out = all[index].base! + all[index].count
            putVarint(delta, &out)
            putVarint(tf, &out)
            putVarint(UInt32(n), &out)
            if n <= 32 {
                for i in 0..<n { out[i] = positions[i] }
            } else {
                UnsafeMutableRawPointer(out).copyMemory(from: positions.baseAddress!, byteCount: n)
            }
            all[index].lastDocument = document
            all[index].count += total
        }
    }

    private func grow(_ list: inout List, toHold needed: Int) {
        let capacity = max(needed, list.capacity * 2, 16)
        guard let base = realloc(list.base, capacity) else { fatalError("out of memory growing a postings list to \(capacity) bytes") }
        allocatedBytes += capacity - list.capacity
        list.base = base.assumingMemoryBound(to: UInt8.self)
        list.capacity = capacity
    }

    /// The length of list `index` in bytes.
    func byteCount(of index: Int) -> Int { lists[index].count }

    /// Reads a list posting by posting, several lists side by side (the lists must not
    /// change meanwhile): `document` is the current posting's (`Int.max` past the last),
    /// `frequency` its tf, `positions` its position-delta varints.
    struct Cursor {
        private let base: UnsafePointer<UInt8>?
        private let count: Int
        private var at = 0
        private(set) var document = 0
        private(set) var frequency = 0
        private(set) var positions = UnsafeRawBufferPointer(start: nil, count: 0)

        fileprivate init(base: UnsafePointer<UInt8>?, count: Int) {
            self.base = base
            self.count = count
            next()
        }

        /// Moves to the next posting.
        @inline(__always)
        mutating func next() {
            guard let base, at < count else {
                document = Int.max
                return
            }
            // Our own lists: the varints are well-formed.
            @inline(__always) func varint() -> Int {
                var value = 0
                var shift = 0
                while true {
                    let byte = base[at]
                    at += 1
                    value |= Int(byte & 0x7F) << shift
                    if byte < 0x80 { return value }
                    shift += 7
                }
            }
            document += varint()
            frequency = varint()
            let n = varint()
            positions = UnsafeRawBufferPointer(start: base + at, count: n)
            at += n
        }
    }

    /// A cursor on list `index`, at its first posting.
    func cursor(_ index: Int) -> Cursor {
        Cursor(base: UnsafePointer(lists[index].base), count: lists[index].count)
    }

    /// Calls `body` with each posting of list `index` in order: its document, frequency
    /// and the positions' varints (what `add` wrote).
    @inline(__always)
    func forEachPosting<E: Error>(_ index: Int, _ body: (Int, Int, UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        var c = cursor(index)
        while c.document != Int.max {
            try body(c.document, c.frequency, c.positions)
            c.next()
        }
    }

    /// Frees list `index` (it reads as empty afterwards).
    func removeList(_ index: Int) {
        free(lists[index].base)
        allocatedBytes -= lists[index].capacity
        lists[index] = List(base: nil, count: 0, capacity: 0, lastDocument: 0)
    }
}

/// The length of `value` as a varint.
@inline(__always)
private func varintSize(_ value: UInt32) -> Int {
    value < 1 << 7 ? 1 : value < 1 << 14 ? 2 : value < 1 << 21 ? 3 : value < 1 << 28 ? 4 : 5
}

/// Writes `value` as a varint at `out` and advances it (at most 5 bytes).
@inline(__always)
private func putVarint(_ value: UInt32, _ out: inout UnsafeMutablePointer<UInt8>) {
    var v = value
    while v >= 0x80 {
        out.pointee = UInt8(truncatingIfNeeded: v) | 0x80
        out += 1
        v >>= 7
    }
    out.pointee = UInt8(v)
    out += 1
}
