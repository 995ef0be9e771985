/// The positions of one group of documents (the documents of one postings block, or of
/// the tail), from format version 5 on: the position deltas of its documents in order
/// (`tf` each, the first of a document its position, the others the differences), `V`
/// values in all. From version 7 on, a group of 128 values or more is
///
/// ```
/// GroupPositions --> ChunkEnd u32^C, Chunk^C, [Rest]     (C = V div 128; Rest when V mod 128 > 0)
/// Chunk          --> Packed(Low^128), Exceptions
/// Rest           --> PackedShort(Low^(V mod 128)), Exceptions
/// Exceptions     --> ExceptionCount u8, <Index u8, High vint>^ExceptionCount
/// ```
///
/// a patched frame of reference (PFOR): `Packed` is a `BitPacking` block of width `b`
/// holding the low `b` bits of every value (`PackedShort` a short one, for the last
/// values); the values that need more bits (the exceptions, in increasing index order)
/// are `Low | High << b`. The writer picks the `b` that makes each chunk smallest, so a few
/// large values (a document's first position) do not widen the others. `ChunkEnd` is
/// where chunk `i` ends, in bytes from the group's start: a document's values are found
/// without reading the chunks before them. A group of fewer than 128 values is plain
/// varints, as before version 5; so are short lists inlined in the term dictionary.
/// Versions 5 and 6 have no `ChunkEnd` table and a `Rest` of plain varints.
/// `V` is the sum of the group's frequencies, which the reader has already decoded.
///
/// Worked example: 128 values, all 3 but value 5, which is 1000: `b` 2 costs 1 + 32 + 1
/// + (1 + 2) bytes (1000 >> 2 = 250 takes a two-byte varint), less than `b` 10 (161
/// bytes); the chunk is `02`, then 32 bytes of `0xFF` but byte 1, `0xF3` (value 5's
/// low two bits are those of 1000, 0), then `01` (one exception), `05`, `FA 01`. With a
/// 129th value 9, the group is `ChunkEnd` `29 00 00 00` (4 + 37 bytes), that chunk, then
/// the rest, whose one value is cheapest as an exception over `b` 0 (2 bytes, against 4
/// for a group of eight 4-bit values): `00`, then `01`, `00`, `09`.
enum PackedPositions {
    static let chunkSize = BitPacking.blockSize

    /// Appends the encoding of `values` (a group's position deltas) to `out`: with
    /// `chunkTable` as version 7 writes it, without as versions 5 and 6 did (kept for tests
    /// of the readers of those versions).
    static func encode(_ values: UnsafeBufferPointer<UInt32>, into out: inout [UInt8], chunkTable: Bool = true) {
        let full = values.count / chunkSize
        let start = out.count
        if values.count < chunkSize || !chunkTable {
            for c in 0..<full { appendChunk(UnsafeBufferPointer(rebasing: values[(c * chunkSize)..<((c + 1) * chunkSize)]), to: &out) }
            for v in values[(full * chunkSize)...] { appendVarint(v, to: &out) }
            return
        }
        out.append(contentsOf: repeatElement(0, count: 4 * full))
        for c in 0..<full {
            appendChunk(UnsafeBufferPointer(rebasing: values[(c * chunkSize)..<((c + 1) * chunkSize)]), to: &out)
            let end = UInt32(out.count - start)
            for k in 0..<4 { out[start + 4 * c + k] = UInt8(truncatingIfNeeded: end >> UInt32(8 * k)) }
        }
        if values.count > full * chunkSize {
            appendChunk(UnsafeBufferPointer(rebasing: values[(full * chunkSize)...]), to: &out)
        }
    }

    /// Appends a chunk (128 values) or the rest (fewer): packed low bits, then exceptions.
    private static func appendChunk(_ chunk: UnsafeBufferPointer<UInt32>, to out: inout [UInt8]) {
        let b = bestWidth(chunk)
        BitPacking.packShort(chunk, bitWidth: b, into: &out)
        let limit: UInt64 = b == 32 ? UInt64.max : (1 << UInt64(b)) - 1
        var exceptions = 0
        for v in chunk where UInt64(v) > limit { exceptions += 1 }
        out.append(UInt8(exceptions))
        for (i, v) in chunk.enumerated() where UInt64(v) > limit {
            out.append(UInt8(i))
            appendVarint(v >> UInt32(b), to: &out)
        }
    }

    /// The width that makes the chunk (or rest) smallest (the smallest such), from the
    /// counts of the values' bit lengths: an exception of length `L` costs 1 + ⌈(L − b) / 7⌉
    /// bytes, and `n` values take ⌈n / 8⌉ · b bytes packed.
    static func bestWidth(_ chunk: UnsafeBufferPointer<UInt32>) -> Int {
        var lengths = [Int](repeating: 0, count: 33)
        var widest = 0
        for v in chunk {
            let l = v == 0 ? 0 : 32 - v.leadingZeroBitCount
            lengths[l] += 1
            widest = max(widest, l)
        }
        let groups = (chunk.count + 7) / 8
        var best = widest
        var bestCost = groups * widest
        for b in 0..<widest {
            var cost = groups * b
            for l in (b + 1)...widest where lengths[l] > 0 { cost += lengths[l] * (1 + (l - b + 6) / 7) }
            if cost < bestCost {
                bestCost = cost
                best = b
            }
        }
        return best
    }

    /// Decodes the chunk at `offset` into `output` (128 values), or with `count` below 128
    /// a version 7 rest of that many values (`output` must have room for 128 either way).
    /// Returns the offset after it, or `nil` when it is malformed or runs past `end`
    /// (`bytes` must extend at least 8 bytes past `end`, as a segment file's sections do:
    /// the footer follows them).
    @inline(__always)
    static func decodeChunk(_ bytes: UnsafeRawBufferPointer, at offset: Int, end: Int, count: Int = chunkSize,
                            into output: UnsafeMutablePointer<UInt32>) -> Int? {
        guard offset < end, let packedEnd = BitPacking.packedEnd(bytes, at: offset, count: count), packedEnd < end,
              BitPacking.unpackShort(bytes, at: offset, count: count, into: output) != nil else { return nil }
        let b = Int(bytes[offset])
        let exceptions = Int(bytes[packedEnd])
        var cursor = packedEnd + 1
        guard exceptions <= count, b < 32 || exceptions == 0 else { return nil }
        for _ in 0..<exceptions {
            guard cursor < end else { return nil }
            let i = Int(bytes[cursor])
            cursor += 1
            guard i < count, let high = readVarint(bytes, &cursor, end: end),
                  high < (UInt64(1) << UInt64(32 - b)) else { return nil }
            output[i] |= UInt32(high) << UInt32(b)
        }
        return cursor
    }

    /// The offset after the chunk at `offset`, or `nil` (as `decodeChunk`): versions 5
    /// and 6, whose groups have no table of where chunks end.
    @inline(__always)
    static func skipChunk(_ bytes: UnsafeRawBufferPointer, at offset: Int, end: Int) -> Int? {
        guard offset < end, let packedEnd = BitPacking.packedEnd(bytes, at: offset), packedEnd < end else { return nil }
        let exceptions = Int(bytes[packedEnd])
        var cursor = packedEnd + 1
        for _ in 0..<exceptions {
            cursor += 1
            guard cursor <= end, readVarint(bytes, &cursor, end: end) != nil else { return nil }
        }
        return cursor
    }

    /// Decodes `count` varints at `offset` into `output`; the offset after them, or `nil`
    /// when they are malformed, over 32 bits or run past `end`.
    @inline(__always)
    static func decodeVarints(_ bytes: UnsafeRawBufferPointer, at offset: Int, end: Int, count: Int,
                              into output: UnsafeMutablePointer<UInt32>) -> Int? {
        var cursor = offset
        for k in 0..<count {
            guard let v = readVarint(bytes, &cursor, end: end), v <= UInt64(UInt32.max) else { return nil }
            output[k] = UInt32(v)
        }
        return cursor
    }

    @inline(__always)
    private static func readVarint(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int, end: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while cursor < end && shift < 35 {
            let byte = bytes[cursor]
            cursor += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
