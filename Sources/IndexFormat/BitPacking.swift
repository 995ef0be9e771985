/// Fixed-width bit packing of blocks of `BitPacking.blockSize` unsigned integers.
///
/// A packed block is one byte `w` (0...32, the bits per value) followed by
/// `blockSize * w / 8` bytes: value `i` occupies bits `[i*w, (i+1)*w)` of the
/// little-endian bit stream. Example: the values 1, 2, 3 (and zeros) with `w = 2`
/// start with the bytes `0x02, 0b00_11_10_01`.
public enum BitPacking {
    public static let blockSize = 128

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
        precondition(values.count == blockSize && (0...32).contains(w))
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
        // blockSize * w is a multiple of 8, so nothing is left over.
    }

    /// The offset just past the packed block at `offset`, or `nil` when its width byte
    /// is invalid or the block (plus the 8 bytes `unpack` may read beyond it) runs past `bytes`.
    @inline(__always)
    public static func packedEnd(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        guard offset >= 0, offset < bytes.count else { return nil }
        let w = Int(bytes[offset])
        guard w <= 32 else { return nil }
        let end = offset + packedSize(bitWidth: w)
        return end + 8 <= bytes.count ? end : nil
    }

    /// Unpacks one block at `offset` of `bytes` into `output` (`blockSize` values).
    /// Returns the offset after the block, or `nil` when the block is malformed or runs
    /// past `bytes` (which must extend at least 8 bytes past the block; every segment
    /// file ends with a footer, so blocks always do).
    @inline(__always)
    public static func unpack(_ bytes: UnsafeRawBufferPointer, at offset: Int, into output: UnsafeMutablePointer<UInt32>) -> Int? {
        guard offset < bytes.count else { return nil }
        let w = Int(bytes[offset])
        guard w <= 32 else { return nil }
        let start = offset + 1
        let end = start + blockSize * w / 8
        guard end + 8 <= bytes.count else { return nil }
        if w == 0 {
            output.update(repeating: 0, count: blockSize)
            return end
        }
        let base = UnsafeRawPointer(bytes.baseAddress! + start)
        // One copy of the loop per width, so that shifts and masks are constants.
        switch w {
        case 1: unpack(base, output, width: 1)
        case 2: unpack(base, output, width: 2)
        case 3: unpack(base, output, width: 3)
        case 4: unpack(base, output, width: 4)
        case 5: unpack(base, output, width: 5)
        case 6: unpack(base, output, width: 6)
        case 7: unpack(base, output, width: 7)
        case 8: unpack(base, output, width: 8)
        case 9: unpack(base, output, width: 9)
        case 10: unpack(base, output, width: 10)
        case 11: unpack(base, output, width: 11)
        case 12: unpack(base, output, width: 12)
        case 13: unpack(base, output, width: 13)
        case 14: unpack(base, output, width: 14)
        case 15: unpack(base, output, width: 15)
        case 16: unpack(base, output, width: 16)
        case 17: unpack(base, output, width: 17)
        case 18: unpack(base, output, width: 18)
        case 19: unpack(base, output, width: 19)
        case 20: unpack(base, output, width: 20)
        case 21: unpack(base, output, width: 21)
        case 22: unpack(base, output, width: 22)
        case 23: unpack(base, output, width: 23)
        case 24: unpack(base, output, width: 24)
        case 25: unpack(base, output, width: 25)
        case 26: unpack(base, output, width: 26)
        case 27: unpack(base, output, width: 27)
        case 28: unpack(base, output, width: 28)
        case 29: unpack(base, output, width: 29)
        case 30: unpack(base, output, width: 30)
        case 31: unpack(base, output, width: 31)
        case 32: unpack(base, output, width: 32)
        default: break
        }
        return end
    }

    /// Eight values take exactly `width` bytes: unpacks the block group by group.
    /// Safe: the last load starts below the block's end and reads 8 bytes, which
    /// the caller has checked exist.
    @inline(__always)
    private static func unpack(_ base: UnsafeRawPointer, _ output: UnsafeMutablePointer<UInt32>, width w: Int) {
        let mask: UInt64 = (1 << UInt64(w)) - 1
        for g in 0..<(blockSize / 8) {
            let group = base + g * w
            let out = output + g * 8
            for j in 0..<8 {
                let bit = j * w
                let word = UInt64(littleEndian: group.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
                out[j] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
            }
        }
    }
}
