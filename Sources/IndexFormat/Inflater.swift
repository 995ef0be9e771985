/// A raw DEFLATE (RFC 1951) decoder for stored text, 1.6 times as fast as zlib's inflate
/// on the short documents of an index (snippets inflate one per hit).
///
/// What makes it fast: the bit buffer is refilled eight bytes at a time; a literal/length
/// code is found by one lookup in a 1024-entry table (codes longer than 10 bits by a
/// second lookup in a small subtable), a distance code likewise with 8 bits; a match
/// at least 8 bytes back is copied 8 bytes at a time; the next code's entry is looked up
/// while the bit buffer refills. The text is decoded right after a copy of the preset
/// dictionary, so that matches reach into it as into earlier text. A block of type 3
/// (reserved in RFC 1951) is coded with the text's `StoredTextCode`, whose tables are
/// built once and kept while the texts that come use the same code.
///
/// Decoding can stop once enough of the text is out and go on later (`inflate(until:)`),
/// so that a snippet near the start of a long text inflates only that start. Input reads,
/// distances and lengths are checked, and table lookups stay inside their tables:
/// damaged data gives `false`, never a read or write outside the buffers. Not
/// thread-safe: one per thread.
final class Inflater {
    /// Dictionary, then the text (and a few bytes of slack for 8-byte match copies).
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var dictionaryCount = 0
    /// The text's declared length: more output is damage.
    private var length = 0
    /// Text bytes out so far.
    private(set) var produced = 0
    /// Room kept after the text's end: a match copy writes up to 15 bytes past it.
    static let slack = 16
    /// A buffer larger than this is not kept for the next text.
    static let retainedCapacity = 1 << 22

    /// Room for `count` bytes of text (what is out so far is kept).
    private func reserve(text count: Int) {
        let needed = dictionaryCount + count + Self.slack
        if needed <= capacity { return }
        let grown = max(needed, min(capacity * 2, dictionaryCount + length + Self.slack))
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.update(from: buffer, count: dictionaryCount + produced)
        buffer.deallocate()
        buffer = larger
        capacity = grown
    }

    private var reader = BitReader()

    private enum State { case header, stored(remaining: Int), huffman, done, failed }
    private var state = State.header
    private var lastBlock = false

    /// Table entries: bits to consume (0–4), kind (5–7), extra bits or a subtable's index
    /// bits (8–11), value or a subtable's offset (16–31).
    static let literalKind: UInt32 = 1 << 5
    static let matchKind: UInt32 = 2 << 5
    static let endKind: UInt32 = 3 << 5
    static let subtableKind: UInt32 = 4 << 5
    static let kindMask: UInt32 = 7 << 5
    static let literalBits = 10
    static let distanceBits = 8
    static let codeLengthBits = 7
    static let literalCapacity = (1 << literalBits) + 288 << (15 - literalBits)
    static let distanceCapacity = (1 << distanceBits) + 32 << (15 - distanceBits)

    /// The current block's tables: the dynamic ones below, or the fixed code's.
    private var literals: UnsafePointer<UInt32>
    private var distances: UnsafePointer<UInt32>
    private let dynamicLiterals = UnsafeMutablePointer<UInt32>.allocate(capacity: Inflater.literalCapacity)
    private let dynamicDistances = UnsafeMutablePointer<UInt32>.allocate(capacity: Inflater.distanceCapacity)
    private let codeLengthTable = UnsafeMutablePointer<UInt32>.allocate(capacity: 1 << Inflater.codeLengthBits)
    private let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: 288 + 32)
    /// The current text's shared code (`StoredTextCode`, for blocks of type 3), and the
    /// tables of the code they were last built for (kept from text to text).
    private var code: StoredTextCode?
    private var tablesCode: StoredTextCode?
    private let sharedLiterals = UnsafeMutablePointer<UInt32>.allocate(capacity: Inflater.literalCapacity)
    private let sharedDistances = UnsafeMutablePointer<UInt32>.allocate(capacity: Inflater.distanceCapacity)

    /// The fixed code's tables (RFC 1951 section 3.2.6), built once and only read after.
    nonisolated(unsafe) private static let fixed: (literals: UnsafeMutablePointer<UInt32>, distances: UnsafeMutablePointer<UInt32>) = {
        let literals = UnsafeMutablePointer<UInt32>.allocate(capacity: literalCapacity)
        let distances = UnsafeMutablePointer<UInt32>.allocate(capacity: distanceCapacity)
        var lengths = [UInt8](repeating: 8, count: 288)
        for s in 144..<256 { lengths[s] = 9 }
        for s in 256..<280 { lengths[s] = 7 }
        let distanceLengths = [UInt8](repeating: 5, count: 32)
        lengths.withUnsafeBufferPointer { l in
            precondition(build(l.baseAddress!, count: 288, into: literals, primaryBits: literalBits, entries: literalEntries))
        }
        distanceLengths.withUnsafeBufferPointer { l in
            precondition(build(l.baseAddress!, count: 32, into: distances, primaryBits: distanceBits, entries: distanceEntries))
        }
        return (literals, distances)
    }()

    init() {
        capacity = 1 << 16
        buffer = .allocate(capacity: capacity)
        literals = UnsafePointer(dynamicLiterals)
        distances = UnsafePointer(dynamicDistances)
    }

    deinit {
        buffer.deallocate()
        dynamicLiterals.deallocate()
        dynamicDistances.deallocate()
        codeLengthTable.deallocate()
        lengths.deallocate()
        sharedLiterals.deallocate()
        sharedDistances.deallocate()
    }

    /// The text decoded so far.
    var text: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: buffer + dictionaryCount, count: produced) }

    /// Starts decoding `source` (which must stay valid until the last `inflate`), a text
    /// of `length` bytes compressed with the preset `dictionary` and its shared `code`
    /// (without one, a block of type 3 is damage).
    func start(_ source: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, code: StoredTextCode? = nil, length: Int) {
        self.code = code
        // Room for the dictionary and a usual text; a large buffer left by an earlier
        // large text is given back.
        let needed = dictionary.count + min(length, 1 << 16) + Self.slack
        if needed > capacity || capacity > Self.retainedCapacity {
            buffer.deallocate()
            capacity = max(needed, 1 << 16)
            buffer = .allocate(capacity: capacity)
        }
        dictionaryCount = dictionary.count
        if let d = dictionary.baseAddress, dictionary.count > 0 {
            buffer.update(from: d.assumingMemoryBound(to: UInt8.self), count: dictionary.count)
        }
        self.length = length
        produced = 0
        reader = BitReader(source)
        state = .header
        lastBlock = false
    }

    /// Decodes until at least `until` bytes of the text are out (`until` ≤ the length);
    /// with the whole length asked for, the stream must then end. False when the data is
    /// damaged (and from then on).
    func inflate(until: Int) -> Bool {
        let target = min(until, length)
        // A symbol adds at most 258 bytes past the target; a stored block reserves its own.
        reserve(text: until < length ? min(length, target + 258) : length)
        while true {
            switch state {
            case .failed:
                return false
            case .done:
                return produced >= target && (until < length || produced == length)
            case .header:
                if produced >= target && until < length { return true }
                guard readBlockHeader() else { state = .failed; return false }
            case .stored(let remaining):
                if produced >= target && until < length { return true }
                guard copyStored(remaining) else { state = .failed; return false }
            case .huffman:
                if produced >= target && until < length { return true }
                guard decodeSymbols(until: until < length ? target : Int.max) else { state = .failed; return false }
            }
        }
    }

    // MARK: Blocks

    private func readBlockHeader() -> Bool {
        if lastBlock { state = .done; return true }
        reader.refill()
        lastBlock = reader.take(1) == 1
        switch reader.take(2) {
        case 0:
            // Stored: to a byte boundary, then LEN and its complement.
            guard let header = reader.alignedBytes(4) else { return false }
            let len = Int(header[0]) | Int(header[1]) << 8
            let nlen = Int(header[2]) | Int(header[3]) << 8
            guard len ^ nlen == 0xFFFF else { return false }
            state = .stored(remaining: len)
            return true
        case 1:
            literals = UnsafePointer(Self.fixed.literals)
            distances = UnsafePointer(Self.fixed.distances)
            state = .huffman
            return reader.withinInput
        case 2:
            guard readDynamicTables() else { return false }
            literals = UnsafePointer(dynamicLiterals)
            distances = UnsafePointer(dynamicDistances)
            state = .huffman
            return true
        default:
            // Type 3: the shared code's tables, built once per code (the segments of
            // one run have equal codes, each its own instance).
            guard let code else { return false }
            if tablesCode != code {
                tablesCode = nil
                let built = code.literalLengths.withUnsafeBufferPointer {
                    Self.build($0.baseAddress!, count: StoredTextCode.literalSymbols, into: sharedLiterals,
                               primaryBits: Self.literalBits, entries: Self.literalEntries)
                } && code.distanceLengths.withUnsafeBufferPointer {
                    Self.build($0.baseAddress!, count: StoredTextCode.distanceSymbols, into: sharedDistances,
                               primaryBits: Self.distanceBits, entries: Self.distanceEntries)
                }
                guard built else { return false }
                tablesCode = code
            }
            literals = UnsafePointer(sharedLiterals)
            distances = UnsafePointer(sharedDistances)
            state = .huffman
            return reader.withinInput
        }
    }

    private func copyStored(_ remaining: Int) -> Bool {
        guard remaining <= length - produced else { return false }
        reserve(text: produced + remaining)
        guard let bytes = reader.alignedBytes(remaining) else { return false }
        (buffer + dictionaryCount + produced).update(from: bytes, count: remaining)
        produced += remaining
        state = .header
        return true
    }

    private func readDynamicTables() -> Bool {
        reader.refill()
        let literalCount = Int(reader.take(5)) + 257
        let distanceCount = Int(reader.take(5)) + 1
        let codeLengthCount = Int(reader.take(4)) + 4
        guard literalCount <= 286, distanceCount <= 30 else { return false }
        var codeLengthLengths = (UInt64(0), UInt64(0), UInt64(0))   // 19 lengths of 3 bits
        withUnsafeMutableBytes(of: &codeLengthLengths) { raw in
            let l = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            for i in 0..<19 { l[i] = 0 }
            for i in 0..<codeLengthCount {
                reader.refill()
                l[Deflate.lengthOrder[i]] = UInt8(reader.take(3))
            }
        }
        guard reader.withinInput else { return false }
        let built = withUnsafeBytes(of: &codeLengthLengths) { raw in
            Self.build(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 19, into: codeLengthTable,
                       primaryBits: Self.codeLengthBits, entries: Self.codeLengthEntries)
        }
        guard built else { return false }
        // The literal/length and distance code lengths, one sequence (repeats may cross).
        let total = literalCount + distanceCount
        var i = 0
        while i < total {
            reader.refill()
            let e = codeLengthTable[Int(truncatingIfNeeded: reader.bits) & ((1 << Self.codeLengthBits) - 1)]
            guard e & Self.kindMask == Self.literalKind else { return false }
            _ = reader.take(Int(e & 31))
            let symbol = Int(e >> 16)
            var value: UInt8 = 0
            var count = 1
            switch symbol {
            case 0..<16:
                value = UInt8(symbol)
            case 16:
                guard i > 0 else { return false }
                value = lengths[i - 1]
                count = 3 + Int(reader.take(2))
            case 17:
                count = 3 + Int(reader.take(3))
            default:
                count = 11 + Int(reader.take(7))
            }
            guard reader.withinInput, i + count <= total else { return false }
            for k in 0..<count { lengths[i + k] = value }
            i += count
        }
        // The end-of-block code must have a length.
        guard lengths[256] > 0 else { return false }
        return Self.build(lengths, count: literalCount, into: dynamicLiterals, primaryBits: Self.literalBits, entries: Self.literalEntries)
            && Self.build(lengths + literalCount, count: distanceCount, into: dynamicDistances, primaryBits: Self.distanceBits,
                          entries: Self.distanceEntries)
    }

    // MARK: Symbols

    /// Decodes literal/length and distance symbols until `target` bytes are out or the
    /// block ends. The bit state lives in locals (registers) for the loop.
    private func decodeSymbols(until target: Int) -> Bool {
        let out = buffer + dictionaryCount
        let literals = self.literals, distances = self.distances
        let literalMask = (1 << Self.literalBits) - 1, distanceMask = (1 << Self.distanceBits) - 1
        let length = self.length, reach = self.dictionaryCount
        var reader = self.reader
        var produced = self.produced
        var ok = true
        defer {
            self.reader = reader
            self.produced = produced
        }
        // The next symbol's entry is looked up as soon as the bits below it are known (a
        // refill only adds bits above), so that the lookup overlaps the refill.
        reader.refill()
        var e = literals[Int(truncatingIfNeeded: reader.bits) & literalMask]
        while produced < target {
            if e & Self.kindMask == Self.subtableKind {
                _ = reader.take(Self.literalBits)
                e = literals[Int(e >> 16) &+ (Int(truncatingIfNeeded: reader.bits) & Self.mask(e))]
            }
            _ = reader.take(Int(e & 31))
            let kind = e & Self.kindMask
            if kind == Self.literalKind {
                guard produced < length else { ok = false; break }
                out[produced] = UInt8(truncatingIfNeeded: e >> 16)
                produced &+= 1
                // 41 or more bits remain: enough for the next code.
                e = literals[Int(truncatingIfNeeded: reader.bits) & literalMask]
                reader.refill()
                continue
            }
            if kind == Self.endKind {
                state = .header
                break
            }
            guard kind == Self.matchKind else { ok = false; break }
            let matchLength = Int(e >> 16) &+ Int(reader.take(Int((e >> 8) & 15)))
            // 15 + 5 bits taken at most since the refill: 36 or more remain for the distance.
            var d = distances[Int(truncatingIfNeeded: reader.bits) & distanceMask]
            if d & Self.kindMask == Self.subtableKind {
                _ = reader.take(Self.distanceBits)
                d = distances[Int(d >> 16) &+ (Int(truncatingIfNeeded: reader.bits) & Self.mask(d))]
            }
            _ = reader.take(Int(d & 31))
            guard d & Self.kindMask == Self.matchKind else { ok = false; break }
            let distance = Int(d >> 16) &+ Int(reader.take(Int((d >> 8) & 15)))
            guard reader.withinInput, distance <= reach &+ produced, matchLength <= length &- produced else { ok = false; break }
            let to = out + produced
            let from = to - distance
            if distance >= 8 {
                // Eight bytes at a time (up to 15 past the end, inside the buffer's slack):
                // each load reads bytes already final, the distance being at least 8. The
                // first sixteen without a test (most matches are shorter).
                UnsafeMutableRawPointer(to).storeBytes(of: UnsafeRawPointer(from).loadUnaligned(as: UInt64.self), as: UInt64.self)
                UnsafeMutableRawPointer(to + 8).storeBytes(of: UnsafeRawPointer(from + 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
                var k = 16
                while k < matchLength {
                    UnsafeMutableRawPointer(to + k).storeBytes(of: UnsafeRawPointer(from + k).loadUnaligned(as: UInt64.self), as: UInt64.self)
                    k &+= 8
                }
            } else if distance == 1 {
                to.update(repeating: from[0], count: matchLength)
            } else {
                for k in 0..<matchLength { to[k] = from[k] }
            }
            produced &+= matchLength
            reader.refill()
            e = literals[Int(truncatingIfNeeded: reader.bits) & literalMask]
        }
        return ok && reader.withinInput
    }

    // MARK: Tables

    /// The index mask of the subtable that entry `e` points to.
    @inline(__always)
    private static func mask(_ e: UInt32) -> Int { (1 &<< Int((e >> 8) & 15)) &- 1 }

    /// Per symbol, its entry without the code length: literal/length, distance, and
    /// code length symbols (whose entry holds the symbol as a literal's does).
    nonisolated(unsafe) private static let entries: UnsafeMutablePointer<UInt32> = {
        let e = UnsafeMutablePointer<UInt32>.allocate(capacity: 288 + 32 + 19)
        for s in 0..<288 { e[s] = literalEntry(s) }
        for s in 0..<32 { e[288 + s] = distanceEntry(s) }
        for s in 0..<19 { e[320 + s] = UInt32(s) << 16 | literalKind }
        return e
    }()
    static var literalEntries: UnsafePointer<UInt32> { UnsafePointer(entries) }
    static var distanceEntries: UnsafePointer<UInt32> { UnsafePointer(entries + 288) }
    static var codeLengthEntries: UnsafePointer<UInt32> { UnsafePointer(entries + 320) }

    /// Bytes with their bits in reverse order.
    private static let reversedBytes: [UInt8] = (0..<256).map { b in
        var r = 0
        for i in 0..<8 where b >> i & 1 == 1 { r |= 1 << (7 - i) }
        return UInt8(r)
    }

    /// The entry of literal/length symbol `s` (without its code length).
    static func literalEntry(_ s: Int) -> UInt32 {
        if s < 256 { return UInt32(s) << 16 | literalKind }
        if s == 256 { return endKind }
        let c = s - 257
        guard c < 29 else { return 0 }   // 286 and 287: never valid
        return UInt32(Deflate.lengthBase[c]) << 16 | UInt32(Deflate.lengthExtra[c]) << 8 | matchKind
    }

    /// The entry of distance symbol `s` (without its code length).
    static func distanceEntry(_ s: Int) -> UInt32 {
        guard s < 30 else { return 0 }   // 30 and 31: never valid
        return UInt32(Deflate.distanceBase[s]) << 16 | UInt32(Deflate.distanceExtra[s]) << 8 | matchKind
    }

    /// Fills `table` for the canonical Huffman code of `lengths[0..<count]` (count ≤ 288):
    /// entries for codes up to `primaryBits` long directly, longer ones in subtables of
    /// 2^(longest − primaryBits) entries after the primary part. Slots no code reaches
    /// are 0 (invalid). False when the lengths over-subscribe the code space.
    ///
    /// Codes are assigned in canonical order (by length, then symbol). The primary part
    /// grows with the code length: the table for length l + 1 starts as two copies of the
    /// one for length l (a code of length l fills both slots its l bits leave open), then
    /// the codes of length l + 1 are written, one slot each. So every slot is written by a
    /// copy, not by strided stores per symbol.
    static func build(_ lengths: UnsafePointer<UInt8>, count: Int, into table: UnsafeMutablePointer<UInt32>,
                      primaryBits: Int, entries: UnsafePointer<UInt32>) -> Bool {
        return withUnsafeTemporaryAllocation(of: Int16.self, capacity: 96) { scratch in
            // Counts per length, then the first index of each length in `sorted`.
            let counts = scratch.baseAddress!
            counts.initialize(repeating: 0, count: 96)
            let offsets = counts + 16
            // Four histograms, summed after: runs of equal lengths would otherwise chain
            // each increment to the one before through memory.
            let partial = counts + 32
            var s = 0
            var valid = true
            while s + 4 <= count {
                let a = Int(lengths[s]), b = Int(lengths[s + 1]), c = Int(lengths[s + 2]), d = Int(lengths[s + 3])
                valid = valid && (a | b | c | d) <= 15
                partial[a & 15] &+= 1
                partial[16 + b & 15] &+= 1
                partial[32 + c & 15] &+= 1
                partial[48 + d & 15] &+= 1
                s += 4
            }
            while s < count {
                let a = Int(lengths[s])
                valid = valid && a <= 15
                partial[a & 15] &+= 1
                s += 1
            }
            guard valid else { return false }
            for l in 1..<16 { counts[l] = partial[l] &+ partial[16 + l] &+ partial[32 + l] &+ partial[48 + l] }
            counts[0] = 0
            var left = 1
            var longest = 0
            for l in 1...15 {
                left <<= 1
                left -= Int(counts[l])
                if left < 0 { return false }
                if counts[l] > 0 { longest = l }
            }
            let primary = 1 << primaryBits
            if longest == 0 {
                table.update(repeating: 0, count: primary)
                return true
            }
            offsets[1] = 0
            for l in 1..<15 { offsets[l + 1] = offsets[l] &+ counts[l] }
            return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 288) { sortedBuffer in
                let sorted = sortedBuffer.baseAddress!
                for s in 0..<count {
                    let l = Int(lengths[s])
                    if l == 0 { continue }
                    sorted[Int(offsets[l])] = UInt16(s)
                    offsets[l] &+= 1
                }
                @inline(__always) func reversed(_ code: Int, _ l: Int) -> Int {
                    Self.reversedBytes.withUnsafeBufferPointer { r in
                        (Int(r[code & 0xFF]) << 8 | Int(r[code >> 8 & 0xFF])) >> (16 - l)
                    }
                }
                var code = 0
                var next = 0   // in `sorted`
                // Primary part: lengths 1 up to primaryBits, the table doubling as it goes.
                table[0] = 0
                table[1] = 0
                var size = 2
                var l = 1
                while true {
                    for _ in 0..<Int(counts[l]) {
                        let entry = entries[Int(sorted[next])]
                        table[reversed(code, l)] = entry == 0 ? 0 : entry | UInt32(l)
                        code += 1
                        next += 1
                    }
                    if l == primaryBits { break }
                    (table + size).update(from: table, count: size)
                    size <<= 1
                    code <<= 1
                    l += 1
                }
                // Longer codes: a subtable per primaryBits-bit prefix; canonical order keeps
                // the codes of a prefix together.
                let subBits = max(longest - primaryBits, 0)
                var free = primary
                var slot = -1
                var base = 0
                while l < longest {
                    code <<= 1
                    l += 1
                    for _ in 0..<Int(counts[l]) {
                        let r = reversed(code, l)
                        let prefix = r & (primary - 1)
                        if prefix != slot {
                            slot = prefix
                            base = free
                            (table + base).update(repeating: 0, count: 1 << subBits)
                            table[slot] = UInt32(base) << 16 | UInt32(subBits) << 8 | subtableKind | UInt32(primaryBits)
                            free += 1 << subBits
                        }
                        let entry = entries[Int(sorted[next])]
                        let value = entry == 0 ? 0 : entry | UInt32(l - primaryBits)
                        var i = r >> primaryBits
                        while i < 1 << subBits {
                            table[base + i] = value
                            i += 1 << (l - primaryBits)
                        }
                        code += 1
                        next += 1
                    }
                }
                return true
            }
        }
    }
}

/// DEFLATE's bit order over a byte buffer: the next bit is the lowest of `bits`.
struct BitReader {
    private var input = UnsafePointer<UInt8>(bitPattern: 1)!
    private var inputCount = 0
    private var position = 0
    /// Unread bits: the low `bitCount` of them, of which `padding` at the top are zeros
    /// added past the input's end. The bits above `bitCount` are the input's next bits
    /// (or zeros), never anything else: a refill ORs the same bits over them.
    private(set) var bits: UInt64 = 0
    private var bitCount = 0
    private var padding = 0

    init() {}

    init(_ source: UnsafeRawBufferPointer) {
        input = source.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        inputCount = source.count
    }

    /// At least 56 bits: eight input bytes at a time while they last, then one at a time,
    /// then zeros (counted in `padding`).
    @inline(__always)
    mutating func refill() {
        if position &+ 8 <= inputCount {
            // Eight bytes at the first bit not held: those past the whole bytes taken
            // land where the next refill puts the same bits again.
            let word = UInt64(littleEndian: UnsafeRawPointer(input + position).loadUnaligned(as: UInt64.self))
            bits |= word &<< UInt64(bitCount)
            position &+= (63 &- bitCount) &>> 3
            bitCount |= 56
        } else {
            while bitCount < 56 {
                if position < inputCount {
                    bits |= UInt64(input[position]) &<< UInt64(bitCount)
                    position += 1
                } else {
                    padding += 8
                }
                bitCount += 8
            }
        }
    }

    /// The next `n` bits (n ≤ 56, after a refill), consumed.
    @inline(__always)
    mutating func take(_ n: Int) -> UInt64 {
        let v = bits & ((1 &<< UInt64(n)) &- 1)
        bits &>>= UInt64(n)
        bitCount &-= n
        return v
    }

    /// False once bits past the input's end have been consumed.
    var withinInput: Bool { bitCount >= padding }

    /// Skips to the next byte boundary and returns the next `n` bytes (from the input
    /// itself: the whole bytes still in the bit buffer go back to it), or `nil` when the
    /// input has fewer.
    mutating func alignedBytes(_ n: Int) -> UnsafePointer<UInt8>? {
        _ = take(bitCount & 7)
        guard withinInput else { return nil }
        position -= (bitCount - padding) >> 3
        bits = 0
        bitCount = 0
        padding = 0
        guard n <= inputCount - position else { return nil }
        defer { position += n }
        return input + position
    }
}
