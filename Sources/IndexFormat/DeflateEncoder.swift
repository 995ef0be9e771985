#if canImport(Glibc)
import Glibc
#endif

/// A raw DEFLATE (RFC 1951) encoder for stored text: faster than zlib at level 1 on the
/// short documents of an index (86 against 59 MB/s on LibreOffice help here,
/// `searchctl-bench deflate`), and 1–4 % smaller.
///
/// zlib spends a fifth of a 2 KB document's time on work that does not depend on the
/// document: inserting the whole preset dictionary into its hash chains, and clearing
/// its 64 KB hash head, every time. Here the dictionary's chains are built once (and
/// rebuilt only when another dictionary comes), and the document's own hash heads are
/// told apart from earlier documents' by a generation number instead of being cleared;
/// that time goes into searching two candidates per position instead.
///
/// Matching is greedy over hash chains of four-byte prefixes (`chainDepth` candidates,
/// distances up to 32 KiB, reaching into the dictionary as zlib's preset dictionary
/// does). Each block is written as whichever of dynamic Huffman, fixed Huffman or stored
/// is smallest, as zlib chooses. Output is what any inflater reads with the same
/// dictionary (`Decompressor`, zlib's `inflateSetDictionary`); tests hold it to zlib's
/// inflate on random and real text. Given a `StoredTextCode`, a block may also be of
/// type 3, coded with it, which only `Decompressor` reads (given the same code).
///
/// Not thread-safe: one per thread.
public final class DeflateEncoder {
    static let hashBits = 14
    static let minMatch = 4
    static let maxMatch = 258
    static let windowSize = 32768
    /// Candidates tried per position, and the length at which the search stops early.
    static let chainDepth = 2
    static let niceLength = 16
    /// Positions inside a match are added to the chains for matches up to this long.
    static let insertLimit = 4
    /// Symbols per block (a block's Huffman codes then fit its part of a long text).
    static let blockSymbols = 1 << 15

    /// Dictionary then text, contiguous (matches may run from one into the other).
    private var window: [UInt8] = []
    private var dictionaryCount = 0
    /// The dictionary's chains: the last position of each hash, and each position's
    /// previous one with the same hash (-1: none).
    private var dictionaryHead: [Int16] = []
    private var dictionaryPrevious: [Int16] = []
    /// The text's chains: per hash, generation << 21 | position (valid for the current
    /// generation only; positions stay below 2^21); per text position, the previous
    /// position with its hash. Small tables, so that they stay in cache.
    private var head: [UInt32]
    private var previous: [Int32] = []
    private var generation: UInt32 = 0
    static let positionBits = 21
    /// Symbols of the block being built: a literal byte, or 1 << 31 | (length − 3) << 16 |
    /// (distance − 1).
    private let symbols = ScratchBuffer<UInt32>(capacity: 1 << 12)
    /// The current block's symbol counts (literal/length and distance codes) and the
    /// extra bits its matches take, kept as the symbols are made.
    private let literalCounts = UnsafeMutablePointer<UInt32>.allocate(capacity: 286)
    private let distanceCounts = UnsafeMutablePointer<UInt32>.allocate(capacity: 30)
    private var extraBits = 0
    private let bits = BitWriter()
    /// The shared code of the current text's dictionary (`StoredTextCode`), if any.
    private var code: StoredTextCode?
    /// While a code is trained: the symbol counts of each block written are added here.
    private var statistics: UnsafeMutablePointer<UInt32>?

    public init() {
        head = [UInt32](repeating: 0, count: 1 << Self.hashBits)
        dictionaryHead = [Int16](repeating: -1, count: 1 << Self.hashBits)
        literalCounts.initialize(repeating: 0, count: 286)
        distanceCounts.initialize(repeating: 0, count: 30)
    }

    deinit {
        literalCounts.deallocate()
        distanceCounts.deallocate()
    }

    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>) -> Int {
        let v = UnsafeRawPointer(p).loadUnaligned(as: UInt32.self)
        return Int(truncatingIfNeeded: (v &* 2_654_435_761) >> UInt32(32 - hashBits))
    }

    /// Makes `dictionary` the current one, building its chains unless it already is.
    private func prepare(_ dictionary: UnsafeRawBufferPointer) {
        if dictionary.count == dictionaryCount,
           window.withUnsafeBytes({ w in dictionaryCount == 0 || memcmp(w.baseAddress!, dictionary.baseAddress!, dictionaryCount) == 0 }) {
            return
        }
        dictionaryCount = dictionary.count
        window = Array(dictionary)
        dictionaryHead = [Int16](repeating: -1, count: 1 << Self.hashBits)
        dictionaryPrevious = [Int16](repeating: -1, count: dictionaryCount)
        window.withUnsafeBufferPointer { w in
            guard dictionaryCount >= Self.minMatch else { return }
            for p in 0...(dictionaryCount - Self.minMatch) {
                let h = Self.hash(w.baseAddress! + p)
                dictionaryPrevious[p] = dictionaryHead[h]
                dictionaryHead[h] = Int16(p)
            }
        }
    }

    /// Like `compress`, and adds the symbol counts of the blocks to `counts` (286
    /// literal/length symbols, then 30 distance symbols): for training a `StoredTextCode`.
    func compress(_ text: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, code: StoredTextCode?,
                  appendingTo output: inout [UInt8], counting counts: inout [UInt32]) {
        precondition(counts.count == StoredTextCode.symbolCount)
        counts.withUnsafeMutableBufferPointer { c in
            statistics = c.baseAddress
            compress(text, dictionary: dictionary, code: code, appendingTo: &output)
            statistics = nil
        }
    }

    /// Appends the raw DEFLATE of `text` (not empty), compressed against the preset
    /// `dictionary` (empty: none), to `output`; with `code`, a block is written with that
    /// code (block type 3, see `StoredTextCode`) when that is smallest.
    public func compress(_ text: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, code: StoredTextCode? = nil,
                         appendingTo output: inout [UInt8]) {
        precondition(text.count > 0 && text.count + Self.windowSize < 1 << Self.positionBits)
        self.code = code
        defer { self.code = nil }
        prepare(UnsafeRawBufferPointer(rebasing: dictionary.suffix(Self.windowSize)))
        let d = dictionaryCount
        // The window holds the dictionary alone here (each text is removed when done).
        window.append(contentsOf: text)
        // Four readable bytes past the end for the hash and match loads.
        window.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        let end = d + text.count
        if previous.count < text.count { previous = [Int32](repeating: -1, count: text.count) }
        generation += 1
        if generation >= 1 << (32 - Self.positionBits) {
            // The stamps start over: no entry may carry one of an earlier round.
            for i in head.indices { head[i] = 0 }
            generation = 1
        }
        let stamp = generation << UInt32(Self.positionBits)
        let positionMask: UInt32 = (1 << UInt32(Self.positionBits)) - 1
        bits.reset()
        symbols.removeAll()
        var blockStart = d
        let lengthCode = Deflate.lengthCode, lengthExtra = Deflate.lengthExtra, distanceExtra = Deflate.distanceExtra
        let smallDistance = Deflate.smallDistanceCode, largeDistance = Deflate.largeDistanceCode
        let literalCounts = self.literalCounts, distanceCounts = self.distanceCounts
        window.withUnsafeBufferPointer { w in
            head.withUnsafeMutableBufferPointer { head in
                previous.withUnsafeMutableBufferPointer { previous in
                    dictionaryHead.withUnsafeBufferPointer { dictionaryHead in
                        dictionaryPrevious.withUnsafeBufferPointer { dictionaryPrevious in
                            let base = w.baseAddress!
                            /// Adds position `p` to its chain; returns the chain's previous head.
                            @inline(__always) func insert(_ p: Int) -> Int32 {
                                let h = Self.hash(base + p)
                                let entry = head[h]
                                let before = entry & ~positionMask == stamp ? Int32(entry & positionMask) : Int32(dictionaryHead[h])
                                previous[p - d] = before
                                head[h] = stamp | UInt32(p)
                                return before
                            }
                            var p = d
                            while p < end {
                                var bestLength = 0
                                var bestDistance = 0
                                if p + Self.minMatch <= end {
                                    var candidate = Int(insert(p))
                                    let limit = min(Self.maxMatch, end - p)
                                    let first = UnsafeRawPointer(base + p).loadUnaligned(as: UInt32.self)
                                    var depth = Self.chainDepth
                                    while candidate >= 0 && depth > 0 {
                                        let distance = p - candidate
                                        if distance > Self.windowSize { break }
                                        if UnsafeRawPointer(base + candidate).loadUnaligned(as: UInt32.self) == first
                                            && (bestLength == 0 || base[candidate + bestLength] == base[p + bestLength]) {
                                            var length = Self.minMatch
                                            // Eight bytes at a time, then the first that differs.
                                            while length + 8 <= limit {
                                                let a = UnsafeRawPointer(base + candidate + length).loadUnaligned(as: UInt64.self)
                                                let b = UnsafeRawPointer(base + p + length).loadUnaligned(as: UInt64.self)
                                                if a != b { length += (a ^ b).trailingZeroBitCount >> 3; break }
                                                length += 8
                                            }
                                            if length + 8 > limit {
                                                while length < limit && base[candidate + length] == base[p + length] { length += 1 }
                                            }
                                            length = min(length, limit)
                                            if length > bestLength {
                                                bestLength = length
                                                bestDistance = distance
                                                if length >= Self.niceLength { break }
                                            }
                                        }
                                        candidate = candidate >= d ? Int(previous[candidate - d]) : Int(dictionaryPrevious[candidate])
                                        depth -= 1
                                    }
                                }
                                if bestLength >= Self.minMatch {
                                    symbols.append(1 << 31 | UInt32(bestLength - 3) << 16 | UInt32(bestDistance - 1))
                                    let lc = Int(lengthCode[bestLength - 3])
                                    let dm = bestDistance - 1
                                    let dc = dm < 256 ? Int(smallDistance[dm]) : Int(largeDistance[dm >> 7])
                                    literalCounts[257 + lc] += 1
                                    distanceCounts[dc] += 1
                                    extraBits += lengthExtra[lc] + distanceExtra[dc]
                                    if bestLength <= Self.insertLimit {
                                        var q = p + 1
                                        let stop = min(p + bestLength, end - Self.minMatch + 1)
                                        while q < stop { _ = insert(q); q += 1 }
                                    }
                                    p += bestLength
                                } else {
                                    symbols.append(UInt32(base[p]))
                                    literalCounts[Int(base[p])] += 1
                                    p += 1
                                }
                                if symbols.count >= Self.blockSymbols || p >= end {
                                    writeBlock(UnsafeBufferPointer(rebasing: w[blockStart..<p]), last: p >= end)
                                    symbols.removeAll()
                                    blockStart = p
                                }
                            }
                        }
                    }
                }
            }
        }
        bits.finish(into: &output)
        // Later documents start from the dictionary alone.
        window.removeSubrange(d...)
    }

    // MARK: blocks

    /// Writes the current symbols (the bytes `raw`) as one block, the smallest of
    /// dynamic Huffman, fixed Huffman, stored and (when the text has one) the shared code.
    private func writeBlock(_ raw: UnsafeBufferPointer<UInt8>, last: Bool) {
        // The counts made with the symbols, taken (the next block starts from zero).
        self.literalCounts[256] = 1
        let literalCounts = Array(UnsafeBufferPointer(start: self.literalCounts, count: 286))
        let distanceCounts = Array(UnsafeBufferPointer(start: self.distanceCounts, count: 30))
        if let statistics {
            for i in 0..<286 { statistics[i] += literalCounts[i] }
            for i in 0..<30 { statistics[286 + i] += distanceCounts[i] }
        }
        let extraBits = self.extraBits
        self.literalCounts.update(repeating: 0, count: 286)
        self.distanceCounts.update(repeating: 0, count: 30)
        self.extraBits = 0
        let literalLengths = Huffman.codeLengths(literalCounts, maxBits: 15)
        let distanceLengths = Huffman.codeLengths(distanceCounts, maxBits: 15)
        // The code lengths, run-length coded with symbols 16, 17 and 18.
        var literalUsed = 286
        while literalUsed > 257 && literalLengths[literalUsed - 1] == 0 { literalUsed -= 1 }
        var distanceUsed = 30
        while distanceUsed > 1 && distanceLengths[distanceUsed - 1] == 0 { distanceUsed -= 1 }
        let runs = Deflate.runLengths(Array(literalLengths[0..<literalUsed]) + Array(distanceLengths[0..<distanceUsed]))
        var lengthCounts = [UInt32](repeating: 0, count: 19)
        for r in runs { lengthCounts[Int(r & 0xFF)] += 1 }
        let lengthLengths = Huffman.codeLengths(lengthCounts, maxBits: 7)
        var lengthsSent = 19
        while lengthsSent > 4 && lengthLengths[Deflate.lengthOrder[lengthsSent - 1]] == 0 { lengthsSent -= 1 }

        // Sizes in bits of the three ways to write the block.
        func dataBits(_ literal: [UInt8], _ distance: [UInt8]) -> Int {
            var total = extraBits
            for i in 0..<286 where literalCounts[i] > 0 { total += Int(literalCounts[i]) * Int(literal[i]) }
            for i in 0..<30 where distanceCounts[i] > 0 { total += Int(distanceCounts[i]) * Int(distance[i]) }
            return total
        }
        var dynamicBits = 3 + 14 + 3 * lengthsSent + dataBits(literalLengths, distanceLengths)
        for r in runs { dynamicBits += Int(lengthLengths[Int(r & 0xFF)]) + Deflate.runExtraBits(r) }
        let fixedBits = 3 + dataBits(Deflate.fixedLiteralLengths, Deflate.fixedDistanceLengths)
        let storedBits = raw.count <= 65535 ? 3 + 7 + 32 + 8 * raw.count : Int.max
        let sharedBits = code.map { 3 + dataBits($0.literalLengths, $0.distanceLengths) } ?? Int.max

        if storedBits <= min(dynamicBits, fixedBits, sharedBits) {
            bits.put(last ? 1 : 0, 3)   // BTYPE 00
            bits.alignToByte()
            bits.put(UInt64(raw.count), 16)
            bits.put(UInt64(~raw.count & 0xFFFF), 16)
            for b in raw { bits.put(UInt64(b), 8) }
            return
        }
        if let code, sharedBits <= min(dynamicBits, fixedBits) {
            bits.put((last ? 1 : 0) | 3 << 1, 3)
            writeSymbols(code.literalCodes, code.literalLengths, code.distanceCodes, code.distanceLengths)
            return
        }
        if fixedBits <= dynamicBits {
            bits.put((last ? 1 : 0) | 1 << 1, 3)
            writeSymbols(Deflate.fixedLiteralCodes, Deflate.fixedLiteralLengths, Deflate.fixedDistanceCodes, Deflate.fixedDistanceLengths)
            return
        }
        bits.put((last ? 1 : 0) | 2 << 1, 3)
        bits.put(UInt64(literalUsed - 257), 5)
        bits.put(UInt64(distanceUsed - 1), 5)
        bits.put(UInt64(lengthsSent - 4), 4)
        for i in 0..<lengthsSent { bits.put(UInt64(lengthLengths[Deflate.lengthOrder[i]]), 3) }
        let lengthCodes = Huffman.codes(lengthLengths)
        for r in runs {
            let symbol = Int(r & 0xFF)
            bits.put(UInt64(lengthCodes[symbol]), Int(lengthLengths[symbol]))
            let extra = Deflate.runExtraBits(r)
            if extra > 0 { bits.put(UInt64(r >> 8), extra) }
        }
        writeSymbols(Huffman.codes(literalLengths), literalLengths, Huffman.codes(distanceLengths), distanceLengths)
    }

    private func writeSymbols(_ literalCodes: [UInt16], _ literalLengths: [UInt8],
                              _ distanceCodes: [UInt16], _ distanceLengths: [UInt8]) {
        let lengthCode = Deflate.lengthCode, lengthExtra = Deflate.lengthExtra, lengthBase = Deflate.lengthBase
        let distanceExtra = Deflate.distanceExtra, distanceBase = Deflate.distanceBase
        let smallDistance = Deflate.smallDistanceCode, largeDistance = Deflate.largeDistanceCode
        // At most 15 + 5 + 15 + 13 bits a symbol. The bit state stays in registers.
        bits.write(reserving: symbols.count * 6 + 8) { sink in
            for s in symbols.buffer {
                if s < 256 {
                    sink.put(UInt64(literalCodes[Int(s)]), Int(literalLengths[Int(s)]))
                    continue
                }
                let lengthIndex = Int(s >> 16 & 0xFF)
                let code = Int(lengthCode[lengthIndex])
                // A code and its extra bits in one step (at most 15 + 13 bits).
                let ll = Int(literalLengths[257 + code])
                let lx = lengthExtra[code]
                sink.put(UInt64(literalCodes[257 + code]) | UInt64(lengthIndex + 3 - lengthBase[code]) << UInt64(ll), ll + lx)
                let distance = Int(s & 0xFFFF)
                let dc = distance < 256 ? Int(smallDistance[distance]) : Int(largeDistance[distance >> 7])
                let dl = Int(distanceLengths[dc])
                sink.put(UInt64(distanceCodes[dc]) | UInt64(distance + 1 - distanceBase[dc]) << UInt64(dl), dl + distanceExtra[dc])
            }
            sink.put(UInt64(literalCodes[256]), Int(literalLengths[256]))
        }
    }
}

/// Bits written least significant first, as DEFLATE packs them, into a buffer of its
/// own (appended to the output once, at `finish`).
final class BitWriter {
    private var accumulator: UInt64 = 0
    private var count = 0
    private var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 14)
    private var capacity = 1 << 14
    private var used = 0

    deinit { buffer.deallocate() }

    func reset() {
        accumulator = 0
        count = 0
        used = 0
    }

    @inline(__always)
    func put(_ value: UInt64, _ width: Int) {
        accumulator |= value << UInt64(count)
        count += width
        if count >= 32 {
            if used + 4 > capacity { grow() }
            UnsafeMutableRawPointer(buffer + used).storeBytes(of: UInt32(truncatingIfNeeded: accumulator).littleEndian, as: UInt32.self)
            used += 4
            accumulator >>= 32
            count -= 32
        }
    }

    private func grow(to needed: Int? = nil) {
        var larger = capacity * 2
        while larger < (needed ?? 0) { larger *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        fresh.update(from: buffer, count: used)
        buffer.deallocate()
        buffer = fresh
        capacity = larger
    }

    /// The writer's state as a value, for a loop of `put`s that keeps it in registers.
    struct Sink {
        fileprivate var accumulator: UInt64
        fileprivate var count: Int
        fileprivate var out: UnsafeMutablePointer<UInt8>

        /// As `BitWriter.put`, with no room check (`write(reserving:)` made the room).
        @inline(__always)
        mutating func put(_ value: UInt64, _ width: Int) {
            accumulator |= value << UInt64(count)
            count += width
            if count >= 32 {
                UnsafeMutableRawPointer(out).storeBytes(of: UInt32(truncatingIfNeeded: accumulator).littleEndian, as: UInt32.self)
                out += 4
                accumulator >>= 32
                count -= 32
            }
        }
    }

    /// Runs `body` with a `Sink` that may write up to `bytes` bytes (each `put` at most 32 bits).
    @inline(__always)
    func write(reserving bytes: Int, _ body: (inout Sink) -> Void) {
        if used + bytes + 8 > capacity { grow(to: used + bytes + 8) }
        var sink = Sink(accumulator: accumulator, count: count, out: buffer + used)
        body(&sink)
        accumulator = sink.accumulator
        count = sink.count
        used = sink.out - buffer
    }

    func alignToByte() {
        let pad = (8 - count % 8) % 8
        if pad > 0 { put(0, pad) }
    }

    func finish(into output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: buffer, count: used))
        used = 0
        while count > 0 {
            output.append(UInt8(truncatingIfNeeded: accumulator))
            accumulator >>= 8
            count = max(0, count - 8)
        }
    }
}

/// The constant tables of RFC 1951.
enum Deflate {
    /// Length codes 257…285: the first length, extra bits.
    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                     3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    /// Distance codes 0…29: the first distance, extra bits.
    static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                      1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
                                       9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order in which the code-length code's lengths are sent.
    static let lengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Length − 3 → length code − 257.
    static let lengthCode: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for code in 0..<29 {
            let last = code == 28 ? 258 : lengthBase[code] + (1 << lengthExtra[code]) - 1
            for length in lengthBase[code]...last where length - 3 < 256 {
                // 258 has its own code (28), not code 27's last value.
                if code == 27 && length == 258 { continue }
                table[length - 3] = UInt8(code)
            }
        }
        return table
    }()

    /// Distance − 1 → distance code.
    @inline(__always)
    static func distanceCode(_ distanceMinusOne: Int) -> Int {
        distanceMinusOne < 256 ? Int(smallDistanceCode[distanceMinusOne]) : Int(largeDistanceCode[distanceMinusOne >> 7])
    }

    static let smallDistanceCode: [UInt8] = (0..<256).map { UInt8(code(ofDistance: $0 + 1)) }
    static let largeDistanceCode: [UInt8] = (0..<256).map { UInt8(code(ofDistance: ($0 << 7) + 1)) }

    private static func code(ofDistance distance: Int) -> Int {
        var code = 0
        while code + 1 < 30 && distanceBase[code + 1] <= distance { code += 1 }
        return code
    }

    static let fixedLiteralLengths: [UInt8] = (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 }
    static let fixedDistanceLengths = [UInt8](repeating: 5, count: 30)
    static let fixedLiteralCodes = Huffman.codes(fixedLiteralLengths)
    static let fixedDistanceCodes = Huffman.codes(fixedDistanceLengths)

    /// Code lengths as code-length symbols: each value symbol | extra << 8 (16: repeat
    /// the previous length 3–6 times, 17: 3–10 zeros, 18: 11–138 zeros).
    static func runLengths(_ lengths: [UInt8]) -> [UInt32] {
        var out: [UInt32] = []
        var i = 0
        while i < lengths.count {
            let value = lengths[i]
            var run = 1
            while i + run < lengths.count && lengths[i + run] == value { run += 1 }
            i += run
            if value == 0 {
                while run >= 11 { let n = min(run, 138); out.append(18 | UInt32(n - 11) << 8); run -= n }
                if run >= 3 { out.append(17 | UInt32(run - 3) << 8); run = 0 }
                while run > 0 { out.append(0); run -= 1 }
            } else {
                out.append(UInt32(value))
                run -= 1
                while run >= 3 { let n = min(run, 6); out.append(16 | UInt32(n - 3) << 8); run -= n }
                while run > 0 { out.append(UInt32(value)); run -= 1 }
            }
        }
        return out
    }

    @inline(__always)
    static func runExtraBits(_ symbol: UInt32) -> Int {
        switch symbol & 0xFF {
        case 16: return 2
        case 17: return 3
        case 18: return 7
        default: return 0
        }
    }
}

/// Length-limited Huffman codes, canonical as DEFLATE sends them.
enum Huffman {
    /// Code lengths (at most `maxBits`) for symbols of `counts`; 0 for unused symbols. At
    /// least two symbols get a length (DEFLATE wants a complete code where one is used).
    static func codeLengths(_ counts: [UInt32], maxBits: Int) -> [UInt8] {
        // The used symbols by count, then symbol: keys count << 16 | symbol, sorted as
        // plain integers (a comparison closure costs several times more).
        var keys: [UInt64] = []
        keys.reserveCapacity(counts.count)
        for (symbol, count) in counts.enumerated() where count > 0 { keys.append(UInt64(count) << 16 | UInt64(symbol)) }
        // Fewer than two symbols: add unused ones (count 0), so that the code is complete.
        var k = 0
        while keys.count < 2 {
            if counts[k] == 0 { keys.append(UInt64(k)) }
            k += 1
        }
        keys.sort()
        // Huffman's algorithm with two queues: the leaves by count, then the merged
        // nodes in the order made (their counts never decrease).
        let n = keys.count
        precondition(n <= 1 << maxBits, "\(n) symbols cannot have codes of at most \(maxBits) bits")
        // Scratch on the stack (at most 2 · 286 nodes): weights, parents and depths of
        // the nodes, then the number of codes of each length.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 6 * n + maxBits + 1) { scratch -> [UInt8] in
            let weight = scratch.baseAddress!
            let parent = weight + 2 * n
            let depth = parent + 2 * n
            let perLength = depth + 2 * n
            perLength.initialize(repeating: 0, count: maxBits + 1)
            for i in 0..<n { weight[i] = max(Int(keys[i] >> 16), 1) }
            var nextLeaf = 0
            var nextNode = n
            var made = n
            @inline(__always) func takeSmallest() -> Int {
                if nextLeaf < n && (nextNode >= made || weight[nextLeaf] <= weight[nextNode]) {
                    nextLeaf += 1
                    return nextLeaf - 1
                }
                nextNode += 1
                return nextNode - 1
            }
            while made < 2 * n - 1 {
                let a = takeSmallest()
                let b = takeSmallest()
                weight[made] = weight[a] + weight[b]
                parent[a] = made
                parent[b] = made
                made += 1
            }
            // Depths of the leaves, then how many codes of each length.
            depth[2 * n - 2] = 0
            for node in stride(from: 2 * n - 3, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
            for i in 0..<n { perLength[min(depth[i], maxBits)] += 1 }
            // Too deep: the lengths folded to maxBits overfill the code space; take codes
            // from the longest length and lengthen a shorter one until the sum fits (the
            // Kraft sum, in units of 2^−maxBits, must be exactly 2^maxBits).
            var kraft = 0
            for length in 1...maxBits { kraft += perLength[length] << (maxBits - length) }
            while kraft > 1 << maxBits {
                perLength[maxBits] -= 1
                for length in stride(from: maxBits - 1, to: 0, by: -1) where perLength[length] > 0 {
                    perLength[length] -= 1
                    perLength[length + 1] += 2
                    break
                }
                kraft -= 1
            }
            // The shortest lengths to the most frequent symbols.
            var lengths = [UInt8](repeating: 0, count: counts.count)
            var i = n - 1
            for length in 1...maxBits {
                for _ in 0..<perLength[length] {
                    lengths[Int(keys[i] & 0xFFFF)] = UInt8(length)
                    i -= 1
                }
            }
            return lengths
        }
    }

    /// Canonical codes for `lengths`, bit-reversed for least-significant-first output.
    static func codes(_ lengths: [UInt8]) -> [UInt16] {
        var perLength = [Int](repeating: 0, count: 16)
        for l in lengths where l > 0 { perLength[Int(l)] += 1 }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1..<16 {
            code = (code + perLength[length - 1]) << 1
            next[length] = code
        }
        var codes = [UInt16](repeating: 0, count: lengths.count)
        for (symbol, l) in lengths.enumerated() where l > 0 {
            let value = next[Int(l)]
            next[Int(l)] += 1
            // The low `l` bits of value, reversed: all 16 reversed by swaps, shifted down.
            var r = UInt16(truncatingIfNeeded: value)
            r = (r & 0x5555) << 1 | (r >> 1) & 0x5555
            r = (r & 0x3333) << 2 | (r >> 2) & 0x3333
            r = (r & 0x0F0F) << 4 | (r >> 4) & 0x0F0F
            r = r << 8 | r >> 8
            codes[symbol] = r >> UInt16(16 - Int(l))
        }
        return codes
    }
}
