import CZlib

/// The checksum of every searchctl file: CRC-32C (Castagnoli: polynomial 0x1EDC6F41,
/// bit-reflected 0x82F63B78, initial and final XOR 0xFFFFFFFF, as in iSCSI and ext4),
/// not the CRC-32 of zip and gzip. "123456789" gives 0xE3069283.
///
/// Computed with the CPU's CRC-32C instruction (SSE4.2 `crc32`) where there is one, at
/// several GB/s, else by tables; both give the same value. The corresponding C function
/// is `czlib_crc32c`. Files of format versions before `SegmentFormat.versionCRC32C`
/// used zlib's CRC-32 and are refused as an unsupported version.
public enum Checksum {
    /// How a checksum is computed (both give the same value; for tests and benchmarks).
    public enum Implementation: Sendable, CaseIterable {
        /// The CPU's instruction where available, else `portable`.
        case fastest
        /// Tables, slicing by 8 bytes, on every CPU.
        case portable
    }

    /// Whether `fastest` uses the CPU's CRC-32C instruction.
    public static var usesHardware: Bool { czlib_crc32c_hardware_available() != 0 }

    /// The CRC-32C of `bytes`, continuing from `crc`: the CRC of a concatenation is the
    /// CRC of its second part continuing from that of its first (start with 0).
    @inline(__always)
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return czlib_crc32c(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0) }
    }

    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0, using implementation: Implementation) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        switch implementation {
        case .fastest: return czlib_crc32c(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        case .portable: return czlib_crc32c_portable(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
    }
}

/// DEFLATE (zlib format) for stored document text.
public enum Compression {
    /// Compresses `bytes`; the result starts with the uncompressed length as a varint.
    /// Sets up a zlib stream per call: to compress many buffers, keep a `Compressor`.
    public static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 1) -> [UInt8] {
        Compressor(level: level).compress(bytes)
    }

    /// DEFLATE's largest expansion: at most 1032 bytes out per byte in (a 258-byte match
    /// in 2 bits), so a longer stated length is damage.
    public static let maximumExpansion = 1032

    /// Decompresses what `compress` made, or `nil` when the bytes are damaged. (Raw
    /// DEFLATE, as stored documents hold it, is read by a `Decompressor`.)
    public static func decompress(_ bytes: UnsafeRawBufferPointer, limit: Int = 1 << 31) -> [UInt8]? {
        var reader = ByteReader(bytes)
        guard let length = reader.readInt(limit: limit) else { return nil }
        if length == 0 { return reader.isAtEnd ? [] : nil }
        guard let payload = reader.readBytes(reader.remaining), !payload.isEmpty else { return nil }
        // A damaged length must not allocate (and zero) up to `limit` bytes before zlib
        // finds the stream too short for it.
        guard length <= payload.count * maximumExpansion else { return nil }
        var out = [UInt8](repeating: 0, count: length)
        let n = out.withUnsafeMutableBufferPointer { dst in
            czlib_uncompress(payload.baseAddress!.assumingMemoryBound(to: UInt8.self), payload.count,
                             dst.baseAddress!, length)
        }
        return n == Int64(length) ? out : nil
    }
}
