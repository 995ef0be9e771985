import CZlib

/// CRC-32 (the zip/gzip polynomial) over file contents. The corresponding zlib function is `crc32_z`.
public enum Checksum {
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return czlib_crc32(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0) }
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

    /// Decompresses what `compress` made, or `nil` when the bytes are damaged.
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
