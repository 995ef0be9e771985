/// A bounds-checked reader over bytes from disk. Bytes from disk are untrusted: every
/// read fails (returns `nil`) instead of trapping when the data runs out or is
/// malformed; callers turn `nil` into `IndexError.corrupt`.
///
/// `read*` advance the cursor; `get*(at:)` do not.
public struct ByteReader {
    public let base: UnsafeRawBufferPointer
    public var offset: Int

    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    public var remaining: Int { base.count - offset }
    public var isAtEnd: Bool { offset >= base.count }

    @inline(__always)
    public mutating func readByte() -> UInt8? {
        guard offset < base.count else { return nil }
        defer { offset += 1 }
        return base[offset]
    }

    /// A LEB128 varint of at most 10 bytes.
    @inline(__always)
    public mutating func readVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < base.count {
            let b = base[offset]
            offset += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    /// A varint that must fit an Int (and be at most `limit`).
    @inline(__always)
    public mutating func readInt(limit: Int = Int.max) -> Int? {
        guard let v = readVarint(), v <= UInt64(limit) else { return nil }
        return Int(v)
    }

    public mutating func readU32() -> UInt32? {
        guard let v = getU32(at: offset) else { return nil }
        offset += 4
        return v
    }

    public mutating func readU64() -> UInt64? {
        guard let v = getU64(at: offset) else { return nil }
        offset += 8
        return v
    }

    public mutating func readBytes(_ n: Int) -> UnsafeRawBufferPointer? {
        guard n >= 0, n <= remaining else { return nil }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + n])
    }

    /// A length-prefixed UTF-8 string.
    public mutating func readString() -> String? {
        guard let n = readInt(limit: remaining), let bytes = readBytes(n) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func getU32(at position: Int) -> UInt32? {
        guard position >= 0, position <= base.count - 4 else { return nil }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    public func getU64(at position: Int) -> UInt64? {
        guard position >= 0, position <= base.count - 8 else { return nil }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }
}
