import CSIMD

/// Which of a few very common words stands at each position of a document (format
/// version 7 on): the segment's `commonWords` section lists up to 31 terms, and holds
/// for every document one 5-bit code per position, 0 for any other term, else the
/// number (from 1) of the listed term there, packed as a little-endian bit stream
/// (position `p` in bits `5p ..< 5p + 5`, `⌈5 · dl / 8⌉` bytes, the unused bits 0), then
/// a CRC-32C of those bytes.
///
/// The words are the ones whose postings lists are the longest in any Dutch text
/// ("de", "van", "het", …: together a third of the positions of Dutch laws or help
/// pages, more in news-like text). A phrase holding one
/// of them (`"het onkundig"`) is then checked by reading one code per candidate position
/// instead of seeking through that word's list and decoding its positions in every
/// candidate document. Five bits per position cost about a tenth of an index.
///
/// A position holds at most one term (SPEC section 1), so at most one of the words.
///
/// Worked example: with the words `de`, `van`, `het`, a document of 5 positions "de kat
/// zag het huis" has the codes 1, 0, 0, 3, 0: bits 0–4 hold 1 and bits 15–19 hold 3,
/// the bytes `01 80 01 00`, then their CRC-32C.
public enum CommonWords {
    /// At most this many words: codes 1...31 in 5 bits.
    public static let maximumCount = 31

    /// The words the indexer codes: the 31 most frequent of written Dutch, as terms (the
    /// analysis chain of SPEC section 1 makes "als" `al` and "worden" `wor`).
    public static let dutch: [[UInt8]] = ["de", "van", "het", "een", "en", "in", "is", "op", "te", "dat", "die",
                                           "voor", "met", "zijn", "niet", "aan", "er", "om", "ook", "al", "bij",
                                           "door", "of", "wor", "wordt", "naar", "deze", "over", "uit", "tot",
                                           "maar"].map { Array($0.utf8) }

    /// The number of code bytes of a document of `length` positions (with `count` words).
    @inline(__always)
    public static func byteCount(length: Int, count: Int) -> Int {
        count == 0 ? 0 : (5 * length + 7) / 8
    }

    /// The section's start: the word list.
    static func header(_ words: [[UInt8]]) -> [UInt8] {
        precondition(words.count <= maximumCount && words.allSatisfy { !$0.isEmpty && $0.count <= 255 })
        var out: [UInt8] = [UInt8(words.count)]
        for w in words {
            out.append(UInt8(w.count))
            out.append(contentsOf: w)
        }
        return out
    }

    /// The code at `position` among a document's code bytes (0 past them).
    @inlinable @inline(__always)
    public static func code(_ codes: UnsafeRawBufferPointer, at position: Int) -> Int {
        let bit = position &* 5
        let byte = bit >> 3
        guard position >= 0 && byte < codes.count else { return 0 }
        var v = Int(codes[byte])
        if byte &+ 1 < codes.count { v |= Int(codes[byte &+ 1]) << 8 }
        return (v >> (bit & 7)) & 31
    }

    /// A sequence of codes to count in documents: `count(in:)` is the number of positions
    /// p of a document's codes where `pattern[i]` (each 1...31) stands at p + i for every
    /// i, 64 bits (eleven codes) at a time, each code compared with its word by masks (a
    /// field of x ^ word is zero where the word stands).
    public struct Sequence: Sendable {
        public let pattern: [Int]
        /// Each word's code in every field.
        private let words: [UInt64]
        static let fields = 11
        static let low: UInt64 = (0..<fields).reduce(0) { $0 | 0b01111 << UInt64(5 * $1) }
        static let high: UInt64 = (0..<fields).reduce(0) { $0 | 0b10000 << UInt64(5 * $1) }
        static let ones: UInt64 = (0..<fields).reduce(0) { $0 | 1 << UInt64(5 * $1) }

        public init(_ pattern: [Int]) {
            self.pattern = pattern
            words = pattern.map { UInt64($0) &* Self.ones }
        }

        public func count(in codes: UnsafeRawBufferPointer) -> Int {
            let n = pattern.count
            guard n >= 1, let base = codes.baseAddress else { return 0 }
            guard n < Self.fields else { return countSequenceByCode(codes, pattern: pattern) }
            let low = Self.low, high = Self.high
            // Codes past the buffer read as 0, which names no word.
            let positions = 8 * codes.count / 5
            let step = Self.fields - n + 1
            let starts: UInt64 = (1 << UInt64(5 * step)) - 1   // the fields where a match may start
            var count = 0
            var p = 0
            words.withUnsafeBufferPointer { words in
                // Four windows at a time with AVX2 (where the CPU has it), then one.
                var from: Int64 = 0
                count = Int(csimd_count_sequence(base.assumingMemoryBound(to: UInt8.self), Int64(codes.count), words.baseAddress!,
                                                 Int32(n), low, high, &from))
                p = Int(from)
                while p <= positions - n {
                    let bit = 5 * p
                    let byte = bit >> 3
                    var x: UInt64 = 0
                    if byte + 8 <= codes.count {
                        x = UInt64(littleEndian: (base + byte).loadUnaligned(as: UInt64.self))
                    } else {
                        for k in 0..<(codes.count - byte) { x |= UInt64((base + byte + k).load(as: UInt8.self)) << UInt64(8 * k) }
                    }
                    x >>= UInt64(bit & 7)
                    var match = starts
                    for i in 0..<n {
                        let t = x ^ words[i]
                        let nonzero = (((t & low) &+ low) | t) & high
                        match &= (~nonzero & high) >> UInt64(5 * i + 4)
                    }
                    count &+= match.nonzeroBitCount
                    p &+= step
                }
            }
            return count
        }
    }

    /// `Sequence.count(in:)` one code at a time.
    static func countSequenceByCode(_ codes: UnsafeRawBufferPointer, pattern: [Int]) -> Int {
        let positions = 8 * codes.count / 5
        var count = 0
        var p = 0
        while p <= positions - pattern.count {
            var all = true
            for i in pattern.indices where code(codes, at: p + i) != pattern[i] {
                all = false
                break
            }
            if all { count += 1 }
            p += 1
        }
        return count
    }

    /// Adds `code` (1...31) at `position` (below `8 * codes.count / 5`), whose code is 0.
    @inline(__always)
    public static func set(_ codes: UnsafeMutableRawBufferPointer, at position: Int, to code: Int) {
        let bit = position * 5
        let v = code << (bit & 7)
        codes[bit >> 3] |= UInt8(truncatingIfNeeded: v)
        if v >> 8 != 0 { codes[(bit >> 3) + 1] |= UInt8(truncatingIfNeeded: v >> 8) }
    }
}
