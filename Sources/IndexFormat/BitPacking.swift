import CSIMD

/// Fixed-width bit packing of blocks of `BitPacking.blockSize` unsigned integers.
///
/// A packed block is one byte `w` (0...32, the bits per value) followed by
/// `blockSize * w / 8` bytes: value `i` occupies bits `[i*w, (i+1)*w)` of the
/// little-endian bit stream. Example: the values 1, 2, 3 (and zeros) with `w = 2`
/// start with the bytes `0x02, 0b00_11_10_01`.
///
/// A short block (`packShort`, `unpackShort`: fewer values, from format version 7 the
/// last values of a group of positions) packs them the same way in `⌈n / 8⌉ * w` bytes,
/// as many groups of eight as they need, the last padded with zeros.
public enum BitPacking {
    public static let blockSize = 128

    /// Blocks of up to 25 bits per value are unpacked with AVX2 (`csimd_unpack`) when
    /// the CPU has it; tests turn this off to check the scalar code too.
    nonisolated(unsafe) public static var vectorUnpack = csimd_unpack_available() == 1

    /// The number of bits needed for the largest of `values`.
    @inline(__always)
    public static func bitWidth(_ values: UnsafeBufferPointer<UInt32>) -> Int {
        var or: UInt32 = 0
        for v in values { or |= v }
        return or == 0 ? 0 : 32 - or.leadingZeroBitCount
    }

    /// Bytes of a packed block of width `w`, including the width byte.
    @inline(__always)
    public static func packedSize(bitWidth w: Int) -> Int { 1 + blockSize * w / 8 }

    /// Appends one packed block of exactly `blockSize` values.
    public static func pack(_ values: UnsafeBufferPointer<UInt32>, into out: inout [UInt8]) {
        pack(values, bitWidth: bitWidth(values), into: &out)
    }

    /// Appends one packed block of exactly `blockSize` values of width `w`: the low `w`
    /// bits of each value (the rest is the caller's to keep elsewhere).
    public static func pack(_ values: UnsafeBufferPointer<UInt32>, bitWidth w: Int, into out: inout [UInt8]) {
        precondition(values.count == blockSize)
        packShort(values, bitWidth: w, into: &out)
    }

    /// Appends a short block of 1...`blockSize` values of width `w`: the width byte, then
    /// the low `w` bits of each value and zeros up to a multiple of eight values.
    public static func packShort(_ values: UnsafeBufferPointer<UInt32>, bitWidth w: Int, into out: inout [UInt8]) {
        precondition((1...blockSize).contains(values.count) && (0...32).contains(w))
        out.append(UInt8(w))
        if w == 0 { return }
        let mask: UInt64 = (1 << UInt64(w)) - 1
        var acc: UInt64 = 0
        var bits = 0
        for v in values {
            acc |= (UInt64(v) & mask) << UInt64(bits)
            bits += w
            while bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                bits -= 8
            }
        }
        // The padding, zero values up to a multiple of eight (eight values of w bits are
        // w whole bytes): the bits left in `acc` and zeros after them.
        bits += ((values.count + 7) / 8 * 8 - values.count) * w
        while bits > 0 {
            out.append(UInt8(truncatingIfNeeded: acc))
            acc >>= 8
            bits -= 8
        }
    }

    /// The offset just past the short block of `count` values at `offset` (`blockSize`: a
    /// whole block), or `nil` when its width byte is invalid or the block (plus the 8
    /// bytes `unpack` may read beyond it) runs past `bytes`.
    @inline(__always)
    public static func packedEnd(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int = blockSize) -> Int? {
        guard offset >= 0, offset < bytes.count else { return nil }
        let w = Int(bytes[offset])
        guard w <= 32 else { return nil }
        let end = offset + 1 + (count + 7) / 8 * w
        return end + 8 <= bytes.count ? end : nil
    }

    /// Unpacks the short block of `count` (1...`blockSize`) values at `offset` into
    /// `output`, which must have room for `count` rounded up to a multiple of eight (the
    /// padding is written too). Returns the offset after the block, or `nil` (as `unpack`).
    @inline(__always)
    public static func unpackShort(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int,
                                   into output: UnsafeMutablePointer<UInt32>) -> Int? {
        guard (1...blockSize).contains(count) else { return nil }
        return unpack(bytes, at: offset, into: output, groups: (count + 7) / 8, running: false, from: 0)?.end
    }

    /// Unpacks one block at `offset` of `bytes` into `output` (`blockSize` values).
    /// Returns the offset after the block, or `nil` when the block is malformed or runs
    /// past `bytes` (which must extend at least 8 bytes past the block; every segment
    /// file ends with a footer, so blocks always do).
    /// With `adding`, each value is stored plus that (wrapping): frequencies are stored
    /// less one.
    @inline(__always)
    public static func unpack(_ bytes: UnsafeRawBufferPointer, at offset: Int, into output: UnsafeMutablePointer<UInt32>,
                              adding: UInt32 = 0) -> Int? {
        unpack(bytes, at: offset, into: output, groups: blockSize / 8, running: false, from: UInt64(adding))?.end
    }

    /// Unpacks the block at `offset` like `unpack`, replacing each value by the running
    /// sum of the values so far plus `start` (document deltas to documents). Returns the
    /// offset after the block and the last sum, or `nil` (as `unpack`). The sums are
    /// 64-bit: 128 values below 2³² cannot overflow them; each output is its sum's low
    /// 32 bits, so the caller checks the last sum before trusting them.
    @inline(__always)
    public static func unpackRunningSums(_ bytes: UnsafeRawBufferPointer, at offset: Int, into output: UnsafeMutablePointer<UInt32>,
                                         from start: UInt64) -> (end: Int, last: UInt64)? {
        unpack(bytes, at: offset, into: output, groups: blockSize / 8, running: true, from: start)
    }

    /// Unpacks `groups` groups of eight values (a whole block: 16).
    @inline(__always)
    private static func unpack(_ bytes: UnsafeRawBufferPointer, at offset: Int, into output: UnsafeMutablePointer<UInt32>,
                               groups: Int, running: Bool, from start: UInt64) -> (end: Int, last: UInt64)? {
        guard offset < bytes.count else { return nil }
        let w = Int(bytes[offset])
        guard w <= 32 else { return nil }
        let begin = offset + 1
        let end = begin + groups * w
        guard end + 8 <= bytes.count else { return nil }
        if w == 0 {
            output.update(repeating: UInt32(truncatingIfNeeded: start), count: groups * 8)
            return (end, start)
        }
        if w <= 25 && end + 16 <= bytes.count && vectorUnpack {
            // The vector code reads up to 16 bytes past the block.
            return (end, csimd_unpack(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + begin, output,
                                      Int32(w), Int32(groups), running ? 1 : 0, start))
        }
        return (end, unpackWidth(UnsafeRawPointer(bytes.baseAddress! + begin), output, width: w, groups: groups,
                                 running: running, from: start))
    }

    /// One copy of the loop per width, so that shifts and masks are constants (and one
    /// per value of `running`, a constant where this is inlined).
    @inline(__always)
    private static func unpackWidth(_ base: UnsafeRawPointer, _ output: UnsafeMutablePointer<UInt32>, width w: Int,
                                    groups: Int, running: Bool, from start: UInt64) -> UInt64 {
        switch w {
        case 1: return unpack(base, output, width: 1, groups: groups, running: running, from: start)
        case 2: return unpack(base, output, width: 2, groups: groups, running: running, from: start)
        case 3: return unpack(base, output, width: 3, groups: groups, running: running, from: start)
        case 4: return unpack(base, output, width: 4, groups: groups, running: running, from: start)
        case 5: return unpack(base, output, width: 5, groups: groups, running: running, from: start)
        case 6: return unpack(base, output, width: 6, groups: groups, running: running, from: start)
        case 7: return unpack(base, output, width: 7, groups: groups, running: running, from: start)
        case 8: return unpack(base, output, width: 8, groups: groups, running: running, from: start)
        case 9: return unpack(base, output, width: 9, groups: groups, running: running, from: start)
        case 10: return unpack(base, output, width: 10, groups: groups, running: running, from: start)
        case 11: return unpack(base, output, width: 11, groups: groups, running: running, from: start)
        case 12: return unpack(base, output, width: 12, groups: groups, running: running, from: start)
        case 13: return unpack(base, output, width: 13, groups: groups, running: running, from: start)
        case 14: return unpack(base, output, width: 14, groups: groups, running: running, from: start)
        case 15: return unpack(base, output, width: 15, groups: groups, running: running, from: start)
        case 16: return unpack(base, output, width: 16, groups: groups, running: running, from: start)
        case 17: return unpack(base, output, width: 17, groups: groups, running: running, from: start)
        case 18: return unpack(base, output, width: 18, groups: groups, running: running, from: start)
        case 19: return unpack(base, output, width: 19, groups: groups, running: running, from: start)
        case 20: return unpack(base, output, width: 20, groups: groups, running: running, from: start)
        case 21: return unpack(base, output, width: 21, groups: groups, running: running, from: start)
        case 22: return unpack(base, output, width: 22, groups: groups, running: running, from: start)
        case 23: return unpack(base, output, width: 23, groups: groups, running: running, from: start)
        case 24: return unpack(base, output, width: 24, groups: groups, running: running, from: start)
        case 25: return unpack(base, output, width: 25, groups: groups, running: running, from: start)
        case 26: return unpack(base, output, width: 26, groups: groups, running: running, from: start)
        case 27: return unpack(base, output, width: 27, groups: groups, running: running, from: start)
        case 28: return unpack(base, output, width: 28, groups: groups, running: running, from: start)
        case 29: return unpack(base, output, width: 29, groups: groups, running: running, from: start)
        case 30: return unpack(base, output, width: 30, groups: groups, running: running, from: start)
        case 31: return unpack(base, output, width: 31, groups: groups, running: running, from: start)
        case 32: return unpack(base, output, width: 32, groups: groups, running: running, from: start)
        default: return start
        }
    }

    /// Eight values take exactly `width` bytes: unpacks the block's `groups` groups one by one.
    /// Safe: the last load starts below the block's end and reads 8 bytes, which
    /// the caller has checked exist.
    /// With `running`, each output is instead the running sum (from `start`) of the
    /// values so far, and the last sum is returned; without, each is the value plus
    /// `start` (wrapping), and `start` is returned.
    @inline(__always)
    private static func unpack(_ base: UnsafeRawPointer, _ output: UnsafeMutablePointer<UInt32>, width w: Int,
                               groups: Int, running: Bool, from start: UInt64) -> UInt64 {
        let mask: UInt64 = (1 << UInt64(w)) - 1
        var sum = start
        for g in 0..<groups {
            let group = base + g * w
            let out = output + g * 8
            for j in 0..<8 {
                let bit = j * w
                let word = UInt64(littleEndian: group.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
                let value = (word >> UInt64(bit & 7)) & mask
                if running {
                    sum &+= value
                    out[j] = UInt32(truncatingIfNeeded: sum)
                } else {
                    out[j] = UInt32(truncatingIfNeeded: value &+ start)
                }
            }
        }
        return sum
    }
}
