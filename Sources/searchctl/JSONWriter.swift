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
            for (i, b) in utf8.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                start = i + 1
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
