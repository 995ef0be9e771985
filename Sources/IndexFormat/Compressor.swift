import CZlib

/// A reusable DEFLATE compressor for stored text: one zlib stream, set up on first use
/// and reset between documents, writing through one reusable output buffer. Setting up
/// a stream costs about 270 KB of allocation and table clearing, more than compressing
/// a 2 KB document at level 1, so indexing keeps one per worker thread.
///
/// Its output is a complete zlib stream, the same bytes `compress2` gives at `level`
/// (window and hash sizes are zlib's defaults: `windowBits` 15, `memLevel` 8), so
/// `Compression.decompress` reads it; or, when `raw`, raw DEFLATE without the zlib
/// header and Adler-32 trailer (stored documents carry a CRC-32C of their own), from
/// our `DeflateEncoder` up to `encoderLimit` bytes (faster on short texts with a preset
/// dictionary, and smaller), from zlib beyond.
///
/// Not thread-safe: one per thread. The corresponding zlib functions are
/// `deflateInit2`, `deflateReset`, `deflate` and `deflateEnd`.
public final class Compressor {
    public let level: Int32
    /// Raw DEFLATE (no zlib header and trailer).
    public let raw: Bool
    /// The zlib stream, set up on first use: raw DEFLATE of texts up to `encoderLimit`
    /// (nearly all of an index's) never needs one.
    private var zlibStream: OpaquePointer?
    /// Compressed output, grown to the largest bound seen and reused.
    private var scratch: UnsafeMutableRawBufferPointer = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    /// Raw DEFLATE of texts up to this size comes from our own encoder (larger ones,
    /// rare in an index, from zlib, whose window slides).
    static let encoderLimit = 1 << 20
    // (DeflateEncoder keeps positions below 2^21: the limit plus a 32 KiB dictionary fit.)
    private lazy var encoder = DeflateEncoder()

    /// zlib's own defaults: measured on the benchmark corpus, smaller hash tables or
    /// windows save no time per document once the stream is reused, and cost ratio.
    static let windowBits: Int32 = 15
    static let memLevel: Int32 = 8

    /// Raw DEFLATE from zlib even for short texts (for comparisons).
    public let zlibOnly: Bool

    /// A compressor at `level` (1 fastest … 9 smallest), of raw DEFLATE when `raw`.
    public init(level: Int32 = 1, raw: Bool = false, zlibOnly: Bool = false) {
        precondition((1...9).contains(level), "zlib level \(level) is not in 1...9")
        self.level = level
        self.raw = raw
        self.zlibOnly = zlibOnly
    }

    deinit {
        if let zlibStream { czlib_deflater_destroy(zlibStream) }
        scratch.deallocate()
    }

    private var stream: OpaquePointer {
        if let zlibStream { return zlibStream }
        guard let made = czlib_deflater_create(level, raw ? -Self.windowBits : Self.windowBits, Self.memLevel) else {
            fatalError("zlib could not set up a compressor (out of memory)")
        }
        zlibStream = made
        return made
    }

    /// Appends to `output` the length of `bytes` as a varint, then (when not empty) their
    /// zlib stream or raw DEFLATE, compressed with the preset `dictionary` when it is not
    /// empty: what `Compression.decompress` reads (a zlib stream without a dictionary) or
    /// a `Decompressor` (raw DEFLATE, given the same dictionary).
    ///
    /// With `code` (raw DEFLATE from our encoder only), blocks may be coded with it (see
    /// `StoredTextCode`); a `Decompressor` then needs it too.
    public func compress(_ bytes: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                         code: StoredTextCode? = nil, appendingTo output: inout [UInt8]) {
        appendVarint(bytes.count, to: &output)
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if raw && !zlibOnly && bytes.count <= Self.encoderLimit {
            encoder.compress(bytes, dictionary: dictionary, code: code, appendingTo: &output)
            return
        }
        // deflateBound leaves out the 4-byte dictionary id of a stream with a dictionary.
        let stream = self.stream
        let bound = czlib_deflater_bound(stream, bytes.count) + 8
        if scratch.count < bound {
            scratch.deallocate()
            scratch = .allocate(byteCount: max(bound, 2 * scratch.count, 1 << 16), alignment: 16)
        }
        let n = czlib_deflater_compress(stream, source.assumingMemoryBound(to: UInt8.self), bytes.count,
                                        dictionary.baseAddress?.assumingMemoryBound(to: UInt8.self), dictionary.count,
                                        scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), scratch.count)
        precondition(n >= 0, "zlib deflate failed on a buffer of its own bound")
        output.reserveCapacity(output.count + Int(n))
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<Int(n)]))
    }

    /// The length varint and zlib stream of `bytes` in a new array.
    public func compress(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        compress(bytes, appendingTo: &out)
        return out
    }
}

@inline(__always)
func appendVarint(_ value: Int, to bytes: inout [UInt8]) {
    var v = UInt64(value)
    while v >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    bytes.append(UInt8(v))
}

/// A reusable raw DEFLATE decompressor for stored text (`Inflater`, its buffers kept
/// between documents). It can stop after a prefix of the text.
///
/// Not thread-safe: one per thread (a `Searcher` keeps one).
public final class Decompressor {
    private let inflater = Inflater()
    /// zlib's inflate instead of `Inflater` (for comparisons); set up on first use.
    public let zlibOnly: Bool
    private var zlibStream: OpaquePointer?

    public init(zlibOnly: Bool = false) {
        self.zlibOnly = zlibOnly
    }

    deinit { if let zlibStream { czlib_inflater_destroy(zlibStream) } }

    /// The first `min(prefix, length)` bytes of the text that the varint `length` and
    /// raw DEFLATE `bytes` hold (what `Compressor.compress` with `raw` and `dictionary`
    /// made), or `nil` when they are damaged. With the whole length asked for, the stream
    /// must end right after it.
    /// `code`: the dictionary's shared code, for blocks of type 3 (which zlib, with
    /// `zlibOnly`, does not read).
    public func decompress(_ bytes: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, code: StoredTextCode? = nil,
                           prefix: Int = Int.max) -> [UInt8]? {
        guard let (length, payload) = Self.split(bytes) else { return nil }
        if length == 0 { return [] }
        let count = min(prefix, length)
        if zlibOnly { return zlibInflate(payload, dictionary: dictionary, count: count, length: length) }
        inflater.start(payload, dictionary: dictionary, code: code, length: length)
        guard inflater.inflate(until: count) else { return nil }
        return Array(UnsafeBufferPointer(rebasing: inflater.text[..<count]))
    }

    /// `decompress` by zlib: the first `count` of the text's `length` bytes, from the raw
    /// DEFLATE `payload`.
    private func zlibInflate(_ payload: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, count: Int, length: Int) -> [UInt8]? {
        if zlibStream == nil {
            guard let made = czlib_inflater_create() else { fatalError("zlib could not set up a decompressor (out of memory)") }
            zlibStream = made
        }
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBufferPointer { dst in
            czlib_inflater_run(zlibStream, payload.baseAddress!.assumingMemoryBound(to: UInt8.self), payload.count,
                               dictionary.baseAddress?.assumingMemoryBound(to: UInt8.self), dictionary.count,
                               dst.baseAddress!, count, length)
        }
        return n == Int64(count) ? out : nil
    }

    /// The shortest start of the text (as `decompress` reads it) that holds at least
    /// `units` UTF-16 code units, or the whole text when it has fewer; `nil` when the
    /// data is damaged. Inflates in steps, each a lower bound of what is still missing
    /// (a UTF-16 unit takes at least one byte of UTF-8), so that little beyond the
    /// needed start is inflated whatever the script.
    public func decompress(_ bytes: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, code: StoredTextCode? = nil,
                           utf16Units units: Int) -> [UInt8]? {
        guard let (length, payload) = Self.split(bytes) else { return nil }
        if length == 0 { return [] }
        inflater.start(payload, dictionary: dictionary, code: code, length: length)
        var wanted = min(max(units, 0) + 16, length)
        guard inflater.inflate(until: wanted) else { return nil }
        var counted = Self.utf16Count(inflater.text, from: 0, to: wanted)
        while counted < units && wanted < length {
            let more = min(length - wanted, max(units - counted + 16, 256))
            guard inflater.inflate(until: wanted + more) else { return nil }
            counted += Self.utf16Count(inflater.text, from: wanted, to: wanted + more)
            wanted += more
        }
        return Array(UnsafeBufferPointer(rebasing: inflater.text[..<wanted]))
    }

    /// The text's length and its raw DEFLATE, from `bytes`; `nil` when the length is damaged.
    private static func split(_ bytes: UnsafeRawBufferPointer) -> (length: Int, payload: UnsafeRawBufferPointer)? {
        var reader = ByteReader(bytes)
        guard let length = reader.readInt(limit: 1 << 31) else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[reader.offset...])
        if length == 0 {
            guard payload.isEmpty else { return nil }
        } else {
            guard !payload.isEmpty, length <= payload.count * Compression.maximumExpansion else { return nil }
        }
        return (length, payload)
    }

    /// The UTF-16 length of the UTF-8 `b[from..<end]`: a unit per byte that starts a
    /// character, two for a four-byte one (a character cut at either end counts as
    /// its bytes there show).
    static func utf16Count(_ b: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int {
        var n = 0
        var i = from
        // Eight bytes at a time: a byte's bit 7 set and bit 6 clear marks a
        // continuation byte, its bits 7 to 4 set a four-byte lead.
        // The marks are counted by a multiply (each at most a bit per byte, at bit 7: moved
        // to bit 0 of its byte, the product's top byte sums them), not a bit count.
        let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
        while i + 8 <= end {
            let x = UInt64(littleEndian: UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self))
            let continuations = x & ~(x << 1) & high
            let fourByteLeads = x & (x << 1) & (x << 2) & (x << 3) & high
            n &+= 8 &- Int(((continuations >> 7) &* ones) >> 56) &+ Int(((fourByteLeads >> 7) &* ones) >> 56)
            i += 8
        }
        while i < end {
            let c = b[i]
            n &+= (c & 0xC0 != 0x80 ? 1 : 0) &+ (c >= 0xF0 ? 1 : 0)
            i += 1
        }
        return n
    }
}
