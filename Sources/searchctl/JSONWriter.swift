/// A minimal JSON text builder for the stable output contract (SPEC section 4): UTF-8
/// bytes appended to one buffer (a batch of queries writes its lines without building a
/// `String` per value).
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Text written as it is (keys, punctuation).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `s` as a JSON string: quotes, backslashes and control characters escaped.
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            var start = 0
            var i = 0
            let n = utf8.count
            while i < n {
                // Eight bytes at a time while none of them needs escaping.
                if i &+ 8 <= n && !Self.needsEscape(UnsafeRawPointer(utf8.baseAddress! + i).loadUnaligned(as: UInt64.self)) {
                    i &+= 8
                    continue
                }
                let b = utf8[i]
                i &+= 1
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<(i - 1)]))
                start = i
                bytes.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(b)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Whether any of the eight bytes of `w` is a control character, `"` or `\\`: a byte
    /// below 0x20, or one equal to 0x22 or 0x5C (its XOR with them zero), has its high
    /// bit set by the subtraction where it had none.
    @inline(__always)
    static func needsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
        let below = (w &- ones &* 0x20) & ~w
        let zeros = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
        return (below | zeros) & highs != 0
    }

    /// An integer in decimal.
    mutating func int(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var v = value.magnitude
        var digits = (UInt64(0), UInt64(0), UInt64(0))   // room for the 20 digits of 2^64
        withUnsafeMutableBytes(of: &digits) { raw in
            var n = 0
            repeat {
                n += 1
                raw[24 - n] = UInt8(ascii: "0") &+ UInt8(v % 10)
                v /= 10
            } while v > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[(24 - n)...]))
        }
    }

    /// A Double as JSON: a whole number below 10^15 without a fraction, else the shortest
    /// form that reads back the same; never `nan`/`inf` (0 instead).
    mutating func number(_ value: Double) {
        guard value.isFinite else { return raw("0") }
        if value == value.rounded(), abs(value) < 1e15 { return int(Int(value)) }
        bytes.append(contentsOf: "\(value)".utf8)
    }

    /// `prefix` (punctuation and a key) followed by a value.
    mutating func member(_ prefix: StaticString, _ value: String) {
        raw(prefix)
        string(value)
    }

    mutating func member(_ prefix: StaticString, _ value: Int) {
        raw(prefix)
        int(value)
    }

    mutating func member(_ prefix: StaticString, _ value: Double) {
        raw(prefix)
        number(value)
    }

    /// `s` as a JSON string, alone.
    static func quoted(_ s: String) -> String {
        var w = JSONWriter()
        w.string(s)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `value` as a JSON number, alone.
    static func number(_ value: Double) -> String {
        var w = JSONWriter()
        w.number(value)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
