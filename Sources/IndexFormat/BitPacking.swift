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
        precondition(values.count == blockSize)
        let w = bitWidth(values)
        out.append(UInt8(w))
        if w == 0 { return }
        var acc: UInt64 = 0
        var bits = 0
        for v in values {
            acc |= UInt64(v) << UInt64(bits)
            bits += w
            while bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                bits -= 8
            }
        }
        // blockSize * w is a multiple of 8, so nothing is left over.
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
        let base = bytes.baseAddress! + start
        let mask: UInt64 = (1 << UInt64(w)) - 1
        var bit = 0
        for i in 0..<blockSize {
            // Safe: bit >> 3 + 8 <= blockSize * w / 8 + 8, checked above.
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
            output[i] = UInt32(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
            bit += w
        }
        return end
    }
}
