import CSIMD

/// Iterates one term's postings in a segment: documents in increasing order with their
/// frequencies, positions on demand, skipping whole blocks through the skip table.
///
/// `doc` is `PostingsIterator.exhausted` once past the last document.
/// Malformed data throws `IndexError.corrupt`; it never traps.
public final class PostingsIterator {
    public static let exhausted = Int32.max

    public let segment: SegmentReader
    public let info: TermInfo
    private let bytes: UnsafeRawBufferPointer
    private let skipBase: Int
    /// Where the full blocks' `BlockImpacts` start (version 9 on, else nil).
    private let impactsBase: Int?
    private let blocksBase: Int
    private let fullBlocks: Int
    private let tailCount: Int
    private let positionsBase: Int
    private let positionsEnd: Int
    /// The list is inline in its dictionary entry, whose block checksum covers it.
    private let inline: Bool
    /// For an inline list: where its tail documents end.
    private let inlineDocumentsEnd: Int

    @usableFromInline let docs: UnsafeMutablePointer<UInt32>
    private let freqs: UnsafeMutablePointer<UInt32>
    /// The block loaded in `docs`/`freqs` (`fullBlocks` means the tail), -1 before the first.
    public private(set) var block = -1
    @usableFromInline var blockCount = 0
    @usableFromInline var index = 0
    private var blockPositionsStart = 0
    private var positionsCursor = 0
    private var positionsDocIndex = 0
    private var lastPositionsStart = 0
    private var tailPositionsStart = 0
    private var tailPositionsLength = 0
    private var tailPositionsCRC: UInt32 = 0
    private var tailDocsCRC: UInt32 = 0
    private var tailOffset = 0
    /// The current block's positions: start offset in the file, length, CRC, and
    /// whether the CRC has been checked (on the first `positions(into:)` in the block).
    private var blockPositionsEnd = 0
    private var blockPositionsCRC: UInt32 = 0
    private var blockPositionsVerified = false

    /// Version 5 positions (`PackedPositions`): the current block's values are decoded a
    /// chunk at a time into `chunk` (chunk `decodedChunk`, -1 for none); chunk
    /// `nextChunk` starts at `nextChunkOffset`. `blockValues` is the block's number of
    /// values (the sum of its frequencies; -1 until needed), and the values of document
    /// `valueDoc` of the block start at `valueStart`.
    private let packedPositions: Bool
    /// Version 7 positions: each group starts with a table of where its chunks end.
    private let chunkTables: Bool
    private let chunk: UnsafeMutablePointer<UInt32>
    private var decodedChunk = -1
    private var nextChunk = 0
    private var nextChunkOffset = 0
    private var blockValues = -1
    private var valueDoc = 0
    private var valueStart = 0

    /// Set by phrase scorers: a loaded block's positions will be read (and are asked
    /// into the cache at once).
    public var prefetchesPositions = false

    /// The current document, or `exhausted`.
    public var doc: Int32 { _doc }
    /// `doc`'s storage: internal, so that the inlined part of `advance(to:)` may set it.
    @usableFromInline var _doc: Int32 = -1
    /// Always 0, but not known to the optimizer: added to a binary search's target, it
    /// hides the target's range. Knowing that both sides of `x - target` are below 2³²,
    /// LLVM turns the sign test into a compare and the select into a branch, which
    /// mispredicts half the time.
    private var opaqueZero = 0

    init(segment: SegmentReader, info: TermInfo) throws(IndexError) {
        self.segment = segment
        self.info = info
        bytes = segment.whole
        let df = info.documentFrequency
        fullBlocks = df / BitPacking.blockSize
        tailCount = df % BitPacking.blockSize
        docs = .allocate(capacity: BitPacking.blockSize)
        freqs = .allocate(capacity: BitPacking.blockSize)
        packedPositions = segment.version >= SegmentFormat.versionPackedPositions
        chunkTables = segment.version >= SegmentFormat.versionChunkTables
        chunk = .allocate(capacity: PackedPositions.chunkSize)
        if let inlined = info.inline {
            // Checked by `scanBlock`: inside the term block, df < 128.
            inline = true
            skipBase = inlined.documents.lowerBound
            impactsBase = nil
            blocksBase = skipBase
            positionsBase = inlined.positions.lowerBound
            positionsEnd = inlined.positions.upperBound
            tailOffset = inlined.documents.lowerBound
            inlineDocumentsEnd = inlined.documents.upperBound
            tailPositionsLength = inlined.positions.count
            return
        }
        inline = false
        inlineDocumentsEnd = 0
        skipBase = segment.postingsRange.lowerBound + info.postingsOffset
        impactsBase = segment.version >= SegmentFormat.versionBlockImpacts ? skipBase + fullBlocks * SegmentFormat.skipEntrySize : nil
        blocksBase = skipBase + fullBlocks * (SegmentFormat.skipEntrySize + (impactsBase == nil ? 0 : SegmentFormat.impactsSize))
        positionsBase = segment.positionsRange.lowerBound + info.positionsOffset
        positionsEnd = segment.positionsRange.upperBound
        guard blocksBase <= segment.postingsRange.upperBound, positionsBase <= positionsEnd else {
            throw segment.corrupt("postings of a term point outside their section")
        }
        if fullBlocks > 0 {
            let r = ByteReader(bytes)
            guard let end = r.getU32(at: skipBase + (fullBlocks - 1) * SegmentFormat.skipEntrySize + 4) else {
                throw segment.corrupt("skip table is truncated", at: skipBase)
            }
            tailOffset = blocksBase + Int(end)
        } else {
            tailOffset = blocksBase
        }
        if tailCount > 0 {
            var tr = ByteReader(bytes, offset: tailOffset)
            if fullBlocks > 0 {
                guard let start = tr.readInt(limit: positionsEnd - positionsBase) else {
                    throw segment.corrupt("postings tail is damaged", at: tailOffset)
                }
                tailPositionsStart = start
            }
            guard let length = tr.readInt(limit: positionsEnd - positionsBase - tailPositionsStart),
                  let positionsCRC = tr.readU32(), let docsCRC = tr.readU32() else {
                throw segment.corrupt("postings tail is damaged", at: tailOffset)
            }
            tailPositionsLength = length
            tailPositionsCRC = positionsCRC
            tailDocsCRC = docsCRC
            tailOffset = tr.offset
        }
        guard tailOffset <= segment.postingsRange.upperBound else {
            throw segment.corrupt("postings blocks run past their section", at: tailOffset)
        }
    }

    deinit {
        docs.deallocate()
        freqs.deallocate()
        chunk.deallocate()
    }

    /// Where the current full block's packed frequencies start; they are unpacked on
    /// first use (`frequenciesReady`), as leapfrogging mostly needs documents only.
    private var frequenciesOffset = 0
    private var frequenciesReady = true

    private func unpackFrequencies() {
        // The block's bytes were checked (width, size, checksum) when it was loaded.
        _ = BitPacking.unpack(bytes, at: frequenciesOffset, into: freqs, adding: 1)
        frequenciesReady = true
    }

    /// The frequency of the term in the current document.
    @inline(__always)
    public var frequency: Int {
        if !frequenciesReady { unpackFrequencies() }
        return Int(freqs[index])
    }

    private func skipEntry(_ b: Int, _ field: Int) -> UInt32 {
        // In range: the skip table lies before blocksBase, checked in init.
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: skipBase + b * SegmentFormat.skipEntrySize + field * 4, as: UInt32.self))
    }

    /// The last document of block `b` (the tail's last is unknown until decoded: Int32.max).
    @inline(__always)
    public func lastDocument(ofBlock b: Int) -> Int32 {
        b < fullBlocks ? Int32(bitPattern: skipEntry(b, 0)) : Int32.max
    }

    /// The key of full block `b` in the segment's verified-checksum sets: its skip
    /// entry's offset in the postings section / 32 (distinct entries never share one).
    @inline(__always)
    private func verificationKey(ofBlock b: Int) -> Int {
        (skipBase - segment.postingsRange.lowerBound + b * SegmentFormat.skipEntrySize) / SegmentFormat.skipEntrySize
    }

    /// Blocks of the list: the full ones, then the tail when there is one.
    public var blockTotal: Int { fullBlocks + (tailCount > 0 ? 1 : 0) }

    /// The first document block `b` may hold (one past the previous block's last).
    @inline(__always)
    public func firstPossibleDocument(ofBlock b: Int) -> Int32 {
        b == 0 ? 0 : Int32(bitPattern: skipEntry(b - 1, 0)) &+ 1
    }

    /// The largest tf and the smallest document length in block `b` (the term's own
    /// figures for the tail): with them BM25 bounds the score of any posting in it.
    @inline(__always)
    public func maxFrequency(ofBlock b: Int) -> Int { b < fullBlocks ? Int(skipEntry(b, 3)) : info.maxFrequency }
    @inline(__always)
    public func minLength(ofBlock b: Int) -> Int { b < fullBlocks ? Int(skipEntry(b, 4)) : info.minLength }

    /// The largest `score(tf, length)` over pairs that bound every posting of block `b`:
    /// its `BlockImpacts` corners (version 9 on), else its largest tf with its smallest
    /// length (the term's for the tail). `score` must grow with tf and shrink with length.
    @inline(__always)
    public func maxScore(ofBlock b: Int, _ score: (Int, Int) -> Double) -> Double {
        if b < fullBlocks, let impactsBase {
            // In range: the impacts lie before blocksBase, checked in init.
            return BlockImpacts.bound(bytes.baseAddress! + impactsBase + b * SegmentFormat.impactsSize,
                                      maxFrequency: maxFrequency(ofBlock: b), score)
        }
        return score(maxFrequency(ofBlock: b), minLength(ofBlock: b))
    }

    /// Decodes block `b` (checksum verified): its documents and frequencies are then
    /// `blockDocuments[0..<n]` and `blockFrequencies[0..<n]`. Returns `n`. Do not mix
    /// with `next()`/`advance(to:)`.
    public func loadBlock(_ b: Int) throws(IndexError) -> Int {
        precondition(b >= 0 && b < blockTotal)
        try load(block: b)
        index = blockCount - 1
        return blockCount
    }


    private func load(block b: Int) throws(IndexError) {
        block = b
        index = 0
        positionsDocIndex = 0
        let base: UInt32 = b == 0 ? 0 : skipEntry(b - 1, 0)
        if b < fullBlocks {
            let start = b == 0 ? blocksBase : blocksBase + Int(skipEntry(b - 1, 1))
            let end = blocksBase + Int(skipEntry(b, 1))
            guard start < end, end + 8 <= bytes.count,
                  let mid = BitPacking.packedEnd(bytes, at: start), mid < end,
                  BitPacking.packedEnd(bytes, at: mid) == end else {
                throw segment.corrupt("postings block \(b) is damaged", at: start)
            }
            let key = verificationKey(ofBlock: b)
            if !segment.verifiedPostings.contains(key) {
                guard Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) == skipEntry(b, 5) else {
                    throw segment.corrupt("postings block \(b) fails its checksum", at: start)
                }
                segment.verifiedPostings.insert(key)
            }
            // Deltas are at most 2³²−1 each, so 128 of them cannot overflow 64 bits; the
            // sums only grow, so a last one that matches the skip entry (itself below the
            // document count) keeps every one in range.
            let d = BitPacking.unpackRunningSums(bytes, at: start, into: docs, from: UInt64(base))?.last ?? UInt64.max
            guard d < UInt64(segment.documentCount), d == UInt64(skipEntry(b, 0)) else {
                throw segment.corrupt("postings block \(b) disagrees with its skip entry", at: start)
            }
            frequenciesOffset = mid
            frequenciesReady = false
            blockCount = BitPacking.blockSize
            blockPositionsStart = Int(skipEntry(b, 2))
            blockPositionsEnd = blockPositionsStart + Int(skipEntry(b, 6))
            blockPositionsCRC = skipEntry(b, 7)
            // The next block's documents (most lists are walked block after block), and
            // for a phrase this block's positions: cache misses started now overlap the
            // work on this block instead of following it.
            if let base = bytes.baseAddress, end + 256 <= bytes.count {
                for line in stride(from: 0, to: 256, by: 64) { csimd_prefetch(base + end + line) }
                if prefetchesPositions, positionsBase + blockPositionsStart + 128 <= bytes.count {
                    csimd_prefetch(base + positionsBase + blockPositionsStart)
                    csimd_prefetch(base + positionsBase + blockPositionsStart + 64)
                }
            }
        } else {
            var r = ByteReader(bytes, offset: tailOffset)
            var d = base
            for i in 0..<tailCount {
                guard let code = r.readVarint() else { throw segment.corrupt("postings tail is damaged", at: tailOffset) }
                let delta = code >> 1
                var tf: UInt64 = 1
                if code & 1 == 0 {
                    guard let f = r.readVarint() else { throw segment.corrupt("postings tail is damaged", at: tailOffset) }
                    tf = f
                }
                let next = UInt64(d) + delta
                guard next < UInt64(segment.documentCount), tf >= 1, tf <= UInt64(UInt32.max),
                      i == 0 && fullBlocks == 0 || delta > 0 else {
                    throw segment.corrupt("postings tail is damaged", at: tailOffset)
                }
                d = UInt32(next)
                docs[i] = d
                freqs[i] = UInt32(tf)
            }
            frequenciesReady = true
            if inline {
                guard r.offset == inlineDocumentsEnd else { throw segment.corrupt("inline postings are damaged", at: tailOffset) }
            } else {
                guard Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[tailOffset..<r.offset])) == tailDocsCRC else {
                    throw segment.corrupt("postings tail fails its checksum", at: tailOffset)
                }
            }
            blockCount = tailCount
            blockPositionsStart = fullBlocks == 0 ? 0 : tailPositionsStart
            blockPositionsEnd = blockPositionsStart + tailPositionsLength
            blockPositionsCRC = tailPositionsCRC
        }
        guard blockPositionsEnd <= positionsEnd - positionsBase else {
            throw segment.corrupt("positions of block \(b) lie outside their section", at: positionsBase + blockPositionsStart)
        }
        // An inline list's positions are covered by its term block's checksum.
        blockPositionsVerified = inline
        positionsCursor = positionsBase + blockPositionsStart
        decodedChunk = -1
        nextChunk = 0
        nextChunkOffset = positionsCursor
        blockValues = -1
        valueDoc = 0
        valueStart = 0
        blockPositionsDecoded = false
        _doc = Int32(bitPattern: docs[0])
    }

    /// Bulk iteration: loads the next whole block and returns its size (0 at the end);
    /// its documents and frequencies are then `blockDocuments[0..<n]` and
    /// `blockFrequencies[0..<n]`. Do not mix with `next()`/`advance(to:)`.
    public func nextBlock() throws(IndexError) -> Int {
        let nextBlock = block + 1
        if nextBlock > fullBlocks || (nextBlock == fullBlocks && tailCount == 0) {
            _doc = Self.exhausted
            return 0
        }
        try load(block: nextBlock)
        index = blockCount - 1
        return blockCount
    }

    public var blockDocuments: UnsafePointer<UInt32> { UnsafePointer(docs) }
    public var blockFrequencies: UnsafePointer<UInt32> {
        if !frequenciesReady { unpackFrequencies() }
        return UnsafePointer(freqs)
    }

    /// Moves to the next document. - Returns: the new `doc`.
    @discardableResult
    public func next() throws(IndexError) -> Int32 {
        if doc == Self.exhausted { return doc }
        if block >= 0 && index + 1 < blockCount {
            index += 1
            _doc = Int32(bitPattern: docs[index])
            return doc
        }
        let nextBlock = block + 1
        if nextBlock > fullBlocks || (nextBlock == fullBlocks && tailCount == 0) {
            _doc = Self.exhausted
            return doc
        }
        try load(block: nextBlock)
        return doc
    }

    /// The document `k` places after the current one in the loaded block, or -1 past it.
    @inline(__always)
    public func document(ahead k: Int) -> Int32 {
        let i = index &+ k
        return block >= 0 && i < blockCount ? Int32(bitPattern: docs[i]) : -1
    }

    /// Moves to the first document ≥ `target`. - Returns: the new `doc`.
    /// - Complexity: skips whole blocks through the skip table.
    @discardableResult @inlinable
    public func advance(to target: Int32) throws(IndexError) -> Int32 {
        if doc >= target { return doc }
        // Inlined in the caller: the usual case of a leapfrog, the next document of the
        // block is the one.
        let next = index &+ 1
        if block >= 0 && next < blockCount && Int32(bitPattern: docs[next]) >= target {
            index = next
            _doc = Int32(bitPattern: docs[next])
            return _doc
        }
        return try seek(to: target)
    }

    /// `advance(to:)` past its first check: through the skip table and within a block.
    @usableFromInline
    func seek(to target: Int32) throws(IndexError) -> Int32 {
        if block < 0 || (block < fullBlocks && lastDocument(ofBlock: block) < target) {
            // The first block whose last document is ≥ target: a few steps, then
            // galloping and a binary search through the skip table.
            var b = max(block, 0)
            var steps = 0
            while b < fullBlocks && lastDocument(ofBlock: b) < target && steps < 4 { b += 1; steps += 1 }
            if b < fullBlocks && lastDocument(ofBlock: b) < target {
                var low = b          // last < target
                var stride = 8
                var high = b + stride
                while high < fullBlocks && lastDocument(ofBlock: high) < target {
                    low = high
                    stride *= 2
                    high = low + stride
                }
                high = min(high, fullBlocks)   // fullBlocks: past the full ones
                // Invariant: last(low) < target; high == fullBlocks or last(high) ≥ target.
                // The first block in (low, high] whose last is ≥ target, halving without
                // branches (the sign of a difference picks the half).
                var base = low
                var n = high - low
                let wanted = Int(target) &+ opaqueZero
                while n > 1 {
                    let half = n >> 1
                    base &+= half & ((Int(skipEntry(base &+ half, 0)) &- wanted) >> 63)
                    n &-= half
                }
                b = base &+ 1
            }
            if b >= fullBlocks && tailCount == 0 {
                _doc = Self.exhausted
                return doc
            }
            try load(block: b)
        }
        // Within the block: the first document ≥ target (in a full block there is one).
        let wanted = UInt32(bitPattern: target)
        var i = index
        // A few steps (the next documents are the usual answer), then a count of the
        // block's documents below the target: the documents are increasing, so that is
        // the index of the first one ≥ target. Compares without a chain between them
        // (vectorized) are cheaper than a binary search's dependent loads.
        let probe = min(i + 4, blockCount)
        while i < probe && docs[i] < wanted { i += 1 }
        if i == probe && i < blockCount && docs[i] < wanted {
            // Documents are below 2³¹ (the segment's count): signed 32-bit compares,
            // eight at a time with AVX2.
            i = Int(UnsafeRawPointer(docs).withMemoryRebound(to: Int32.self, capacity: blockCount) {
                csimd_count_below($0, Int32(blockCount), target)
            })
        }
        if i == blockCount {
            _doc = Self.exhausted
            return doc
        }
        index = i
        _doc = Int32(bitPattern: docs[i])
        return doc
    }

    /// Moves this iterator and `other` to their first common document ≥ `target`, and
    /// returns it (`exhausted` when there is none; then one of the two is exhausted).
    /// With `merging`, the two loaded blocks are merged (a step per document, without
    /// branches to mispredict) rather than each one's next document looked up in the
    /// other: cheaper when the two lists are of similar density.
    @inlinable
    public func advanceTogether(with other: PostingsIterator, to target: Int32, merging: Bool) throws(IndexError) -> Int32 {
        var candidate = target
        while true {
            let a = try advance(to: candidate)
            if a == Self.exhausted { return a }
            let b = try other.advance(to: a)
            if b == a || b == Self.exhausted { return b }
            candidate = b
            if !merging { continue }
            // other is past this one's document: merge the rest of the loaded blocks.
            var i = index &+ 1, j = other.index
            let n = blockCount, m = other.blockCount
            let x = docs, y = other.docs
            while i < n && j < m {
                let u = x[i], v = y[j]
                if u == v {
                    index = i
                    _doc = Int32(bitPattern: u)
                    other.index = j
                    other._doc = Int32(bitPattern: v)
                    return _doc
                }
                i &+= u < v ? 1 : 0
                j &+= v < u ? 1 : 0
            }
            if i < n {
                // other's block ran out below x[i]: move other on from there.
                index = i
                _doc = Int32(bitPattern: x[i])
                candidate = _doc
            } else if j < m {
                // This block ran out below y[j]: its next block, from y[j].
                other.index = j
                other._doc = Int32(bitPattern: y[j])
                candidate = other._doc
            } else {
                candidate = Int32(bitPattern: max(x[n &- 1], y[m &- 1])) &+ 1
            }
        }
    }

    /// Throws when the current document's frequency is more than its block's positions
    /// could hold (a damaged count must not make a caller allocate room for billions of
    /// positions): a varint takes a byte, a packed chunk of 128 values two at least.
    public func checkFrequencyFitsPositions() throws(IndexError) {
        try checkFitsPositions(frequency)
    }

    /// Throws when `values` positions are more than the current block's could hold.
    private func checkFitsPositions(_ values: Int) throws(IndexError) {
        let bytes = blockPositionsEnd - blockPositionsStart
        guard values <= bytes * (packedPositions ? 64 : 1) + PackedPositions.chunkSize else {
            throw segment.corrupt("a frequency exceeds what the positions of block \(block) hold")
        }
    }

    /// Decodes the positions of the current document into `output` (replacing its contents).
    public func positions(into output: inout [Int32]) throws(IndexError) {
        try checkFrequencyFitsPositions()
        let tf = frequency
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(tf)
        var failure: IndexError?
        output.append(contentsOf: repeatElement(0, count: tf))
        output.withUnsafeMutableBufferPointer { buffer in
            do throws(IndexError) { _ = try decodePositions(into: buffer.baseAddress!, upTo: Int64(Int32.max)) } catch { failure = error }
        }
        if let failure { output.removeAll(keepingCapacity: true); throw failure }
    }

    /// Decodes the positions of the current document into `buffer`, which must have
    /// room for `frequency` values. - Returns: how many were written (`frequency`).
    /// (Not an overload of `positions(into:)`: `&array` would convert to a pointer.)
    @discardableResult
    public func positions(intoBuffer output: UnsafeMutablePointer<Int32>) throws(IndexError) -> Int {
        try decodePositions(into: output, upTo: Int64(Int32.max))
    }

    /// Like `positions(intoBuffer:)`, but may stop once a position greater than `limit`
    /// is written (a phrase check that needs no position past it). - Returns: how many
    /// were written: all `frequency` of them, or fewer whose last ones (at most 128; at
    /// most eight before version 5) are past `limit`.
    @discardableResult
    public func positions(intoBuffer output: UnsafeMutablePointer<Int32>, upTo limit: Int64) throws(IndexError) -> Int {
        try decodePositions(into: output, upTo: limit)
    }

    /// Checks the current block's positions against their CRC-32C, once.
    private func verifyBlockPositions() throws(IndexError) {
        if !blockPositionsVerified {
            // Full blocks are remembered for the process; the tail (small) is not.
            let key = block < fullBlocks ? verificationKey(ofBlock: block) : -1
            if key < 0 || !segment.verifiedPositions.contains(key) {
                let range = (positionsBase + blockPositionsStart)..<(positionsBase + blockPositionsEnd)
                guard Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[range])) == blockPositionsCRC else {
                    throw segment.corrupt("positions of block \(block) fail their checksum", at: range.lowerBound)
                }
                if key >= 0 { segment.verifiedPositions.insert(key) }
            }
            blockPositionsVerified = true
        }
    }

    private func decodePositions(into output: UnsafeMutablePointer<Int32>, upTo limit: Int64) throws(IndexError) -> Int {
        if !frequenciesReady { unpackFrequencies() }
        try verifyBlockPositions()
        if packedPositions { return try decodePackedPositions(into: output, upTo: limit) }
        if positionsDocIndex == index + 1 {
            // Asked again for the same document: read it again from its start.
            positionsCursor = lastPositionsStart
            positionsDocIndex = index
        }
        let base = bytes.baseAddress!
        var cursor = positionsCursor
        let end = positionsBase + blockPositionsEnd
        // Skip the positions of the earlier documents of this block: count varint ends
        // (bytes below 0x80), eight bytes at a time while all of them are to be skipped.
        var remaining = 0
        while positionsDocIndex < index {
            remaining += Int(freqs[positionsDocIndex])
            positionsDocIndex += 1
        }
        // One 0/1 byte per position byte: its continuation flag (high bit).
        @inline(__always) func flags(_ at: Int) -> UInt64 {
            (UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) >> 7) & 0x0101_0101_0101_0101
        }
        // The sum of a word's bytes (each small enough not to carry), by one multiplication
        // (cheaper than a population count without POPCNT).
        @inline(__always) func byteSum(_ w: UInt64) -> Int { Int(truncatingIfNeeded: (w &* 0x0101_0101_0101_0101) >> 56) }
        // Long runs first, 32 bytes at a time, then 8, then byte by byte.
        while remaining > 32 && cursor + 32 <= end {
            let ends = 32 - byteSum(flags(cursor) &+ flags(cursor + 8) &+ flags(cursor + 16) &+ flags(cursor + 24))
            if ends >= remaining { break }
            remaining -= ends
            cursor += 32
        }
        while remaining > 0 {
            if cursor + 8 <= end {
                let ends = 8 - byteSum(flags(cursor))
                // Strictly fewer: the current document's first value may begin with
                // continuation bytes right after the last skipped end.
                if ends < remaining {
                    remaining -= ends
                    cursor += 8
                    continue
                }
            }
            guard cursor < end else { throw segment.corrupt("positions are truncated", at: cursor) }
            if base.load(fromByteOffset: cursor, as: UInt8.self) < 0x80 { remaining -= 1 }
            cursor += 1
        }
        lastPositionsStart = cursor
        let tf = Int(freqs[index])
        var p: UInt64 = 0
        var k = 0
        while k < tf {
            // Eight one-byte deltas at once (the common case for frequent terms).
            if k + 8 <= tf && cursor + 8 <= end {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: cursor, as: UInt64.self))
                if word & 0x8080_8080_8080_8080 == 0 {
                    for j in 0..<8 {
                        p += (word >> UInt64(j * 8)) & 0xFF
                        output[k + j] = Int32(truncatingIfNeeded: p)
                    }
                    guard p <= UInt64(Int32.max) else { throw segment.corrupt("position out of range", at: cursor) }
                    cursor += 8
                    k += 8
                    if Int64(p) > limit && k < tf {
                        positionsCursor = lastPositionsStart
                        positionsDocIndex = index
                        return k
                    }
                    continue
                }
            }
            guard cursor < end else { throw segment.corrupt("positions are damaged", at: cursor) }
            var byte = base.load(fromByteOffset: cursor, as: UInt8.self)
            cursor += 1
            var value = UInt64(byte)
            if byte >= 0x80 {
                value &= 0x7F
                var shift: UInt64 = 7
                repeat {
                    guard cursor < end, shift < 35 else { throw segment.corrupt("positions are damaged", at: cursor) }
                    byte = base.load(fromByteOffset: cursor, as: UInt8.self)
                    cursor += 1
                    value |= UInt64(byte & 0x7F) << shift
                    shift += 7
                } while byte >= 0x80
            }
            // The first value is the position itself: p starts at 0.
            p += value
            guard p <= UInt64(Int32.max) else { throw segment.corrupt("position out of range", at: cursor) }
            output[k] = Int32(truncatingIfNeeded: p)
            k += 1
            if Int64(p) > limit && k < tf {
                // Stopped early: the next call starts again from this document's first
                // position (and skips it whole when asked for a later document).
                positionsCursor = lastPositionsStart
                positionsDocIndex = index
                return k
            }
        }
        positionsCursor = cursor
        positionsDocIndex = index + 1
        return tf
    }

    /// Whether `keepPositions(_:count:)` and `blockPositions()` can be used (format
    /// version 5 on).
    public var filtersPositionsInPlace: Bool { packedPositions }

    /// The positions of every document of the current block, decoded at once by
    /// `blockPositions()`: document i's are `allPositions[positionStarts[i] ..<
    /// positionStarts[i + 1]]`.
    private let allPositions = ScratchBuffer<Int32>(capacity: 512)
    private let positionStarts = ScratchBuffer<Int32>(capacity: BitPacking.blockSize + 1)
    private var blockPositionsDecoded = false

    /// The current document's positions (as `positions(intoBuffer:)` gives them), from
    /// all of its block's decoded at the first call in the block: for a caller that
    /// reads the positions of most documents of a block, one pass over its chunks
    /// instead of a search for each document's values. Format version 5 on only
    /// (`filtersPositionsInPlace`). Valid until the iterator moves to another block.
    public func blockPositions() throws(IndexError) -> UnsafeBufferPointer<Int32> {
        precondition(packedPositions)
        if !blockPositionsDecoded { try decodeBlockPositions() }
        let start = Int(positionStarts.base[index])
        return UnsafeBufferPointer(start: allPositions.base + start, count: Int(positionStarts.base[index + 1]) - start)
    }

    /// The current block from the current document on, for a caller that walks it
    /// itself: its documents `docs[index..<count]`, and every document's positions,
    /// decoded at once as `blockPositions()` decodes them (document i's are
    /// `values[starts[i] ..< starts[i + 1]]`). Format version 5 on only
    /// (`filtersPositionsInPlace`). Valid until the iterator moves to another block; the
    /// iterator itself stays at its document.
    public func blockWithPositions() throws(IndexError)
        -> (docs: UnsafePointer<UInt32>, index: Int, count: Int, values: UnsafePointer<Int32>, starts: UnsafePointer<Int32>) {
        precondition(packedPositions && block >= 0 && doc != Self.exhausted)
        if !blockPositionsDecoded { try decodeBlockPositions() }
        return (UnsafePointer(docs), index, blockCount, UnsafePointer(allPositions.base), UnsafePointer(positionStarts.base))
    }

    private func decodeBlockPositions() throws(IndexError) {
        if !frequenciesReady { unpackFrequencies() }
        try verifyBlockPositions()
        locatePackedValues()
        // A damaged frequency must not make room for billions of positions.
        try checkFitsPositions(blockValues)
        allPositions.resize(to: blockValues)
        positionStarts.resize(to: blockCount + 1)
        let out = allPositions.base
        let starts = positionStarts.base
        let fullChunks = blockValues / PackedPositions.chunkSize
        // The chunks' values in order, then each document's run summed from 0.
        var v = 0
        while v < blockValues {
            let (values, n) = try packedRun(at: v, fullChunks: fullChunks, wanted: blockValues - v)
            UnsafeMutableRawPointer(out + v).copyMemory(from: values, byteCount: n * MemoryLayout<UInt32>.size)
            v += n
        }
        var k = 0
        for i in 0..<blockCount {
            starts[i] = Int32(k)
            let end = k + Int(freqs[i])
            var p: UInt64 = 0
            while k < end {
                // Each value is below 2³² and p at most Int32.max before it: no overflow.
                p += UInt64(UInt32(bitPattern: out[k]))
                guard p <= UInt64(Int32.max) else { throw segment.corrupt("position out of range", at: positionsBase + blockPositionsStart) }
                out[k] = Int32(truncatingIfNeeded: p)
                k += 1
            }
        }
        starts[blockCount] = Int32(k)
        blockPositionsDecoded = true
    }

    /// Keeps, in order at the start of `targets`, those of `targets[0..<count]`
    /// (increasing; `count` > 0) that are positions of the current document, and returns
    /// how many. The positions are compared as they are decoded, not stored, and the walk
    /// stops once past the last target. Format version 5 on only (`filtersPositionsInPlace`).
    public func keepPositions(_ targets: UnsafeMutablePointer<Int64>, count targetCount: Int) throws(IndexError) -> Int {
        precondition(packedPositions && targetCount > 0)
        if !frequenciesReady { unpackFrequencies() }
        try verifyBlockPositions()
        locatePackedValues()
        let tf = Int(freqs[index])
        let fullChunks = blockValues / PackedPositions.chunkSize
        var v = valueStart
        var k = 0
        var p: UInt64 = 0
        var t = 0
        var target = targets[0]
        var kept = 0
        while k < tf {
            let (values, n) = try packedRun(at: v, fullChunks: fullChunks, wanted: tf - k)
            for j in 0..<n {
                // Below 2³² · 128 here: the Int64 compare is exact.
                p &+= UInt64(values[j])
                let position = Int64(p)
                while target < position {
                    t &+= 1
                    if t == targetCount { return kept }
                    target = targets[t]
                }
                if target == position {
                    targets[kept] = target
                    kept &+= 1
                    t &+= 1
                    if t == targetCount { return kept }
                    target = targets[t]
                }
            }
            guard p <= UInt64(Int32.max) else { throw segment.corrupt("position out of range", at: positionsBase + blockPositionsStart) }
            k += n
            v += n
        }
        return kept
    }

    /// Sets `blockValues` (once per block) and `valueStart`, where the current
    /// document's values start among its block's (from the frequencies before it).
    @inline(__always)
    private func locatePackedValues() {
        // Wrapping sums: at most 128 frequencies below 2³² each cannot overflow.
        if blockValues < 0 {
            var total = 0
            for i in 0..<blockCount { total &+= Int(freqs[i]) }
            blockValues = total
        }
        if valueDoc > index {
            valueDoc = 0
            valueStart = 0
        }
        var start = valueStart
        for i in valueDoc..<index { start &+= Int(freqs[i]) }
        valueStart = start
        valueDoc = max(valueDoc, index)
    }

    /// `decodePositions` for version 5: the current document's values are found by the
    /// frequencies before it in the block, and read from the chunk(s) holding them.
    private func decodePackedPositions(into output: UnsafeMutablePointer<Int32>, upTo limit: Int64) throws(IndexError) -> Int {
        locatePackedValues()
        let tf = Int(freqs[index])
        let fullChunks = blockValues / PackedPositions.chunkSize
        var v = valueStart
        var k = 0
        var p: UInt64 = 0
        while k < tf {
            // The first value is the position itself: p starts at 0. (Values are at most
            // 2³²−1, so a run of 128 cannot overflow p.)
            let (values, n) = try packedRun(at: v, fullChunks: fullChunks, wanted: tf - k)
            let out = output + k
            for j in 0..<n {
                p &+= UInt64(values[j])
                out[j] = Int32(truncatingIfNeeded: p)
            }
            guard p <= UInt64(Int32.max) else { throw segment.corrupt("position out of range", at: positionsBase + blockPositionsStart) }
            k += n
            v += n
            // Stopped early: this run went past `limit`.
            if Int64(p) > limit && k < tf { return k }
        }
        return tf
    }

    /// The block's values from value `v` on, up to `wanted` of them, that one chunk
    /// holds (the chunk is decoded when it is not yet): where they are, and how many.
    @inline(__always)
    private func packedRun(at v: Int, fullChunks: Int, wanted: Int) throws(IndexError) -> (UnsafeMutablePointer<UInt32>, Int) {
        // v ≥ 0: unsigned division, a shift.
        let c = Int(UInt(bitPattern: v) / UInt(PackedPositions.chunkSize))
        let local = v &- c &* PackedPositions.chunkSize
        let length = c < fullChunks ? PackedPositions.chunkSize : blockValues &- fullChunks &* PackedPositions.chunkSize
        if c != decodedChunk { try loadChunk(c, fullChunks: fullChunks) }
        return (chunk + local, min(length &- local, wanted))
    }

    /// Moves `nextChunk` to chunk `c` of the current block's positions.
    private func seekChunk(_ c: Int, fullChunks: Int) throws(IndexError) {
        let end = positionsBase + blockPositionsEnd
        if c < nextChunk {
            nextChunk = 0
            nextChunkOffset = positionsBase + blockPositionsStart
        }
        while nextChunk < c {
            guard nextChunk < fullChunks, let after = PackedPositions.skipChunk(bytes, at: nextChunkOffset, end: end) else {
                throw segment.corrupt("positions of block \(block) are damaged", at: nextChunkOffset)
            }
            nextChunkOffset = after
            nextChunk += 1
        }
    }

    /// Decodes chunk `c` of the current block's positions into `chunk` (the last, when
    /// `c == fullChunks`, is the values after the full chunks).
    private func loadChunk(_ c: Int, fullChunks: Int) throws(IndexError) {
        if chunkTables && fullChunks > 0 {
            try loadTabledChunk(c, fullChunks: fullChunks)
            return
        }
        try seekChunk(c, fullChunks: fullChunks)
        let end = positionsBase + blockPositionsEnd
        if c < fullChunks {
            guard let after = PackedPositions.decodeChunk(bytes, at: nextChunkOffset, end: end, into: chunk),
                  c + 1 < fullChunks || blockValues % PackedPositions.chunkSize != 0 || after == end else {
                throw segment.corrupt("positions of block \(block) are damaged", at: nextChunkOffset)
            }
            nextChunkOffset = after
            nextChunk = c + 1
        } else {
            let count = blockValues - fullChunks * PackedPositions.chunkSize
            guard let after = PackedPositions.decodeVarints(bytes, at: nextChunkOffset, end: end, count: count, into: chunk),
                  after == end else {
                throw segment.corrupt("positions of block \(block) are damaged", at: nextChunkOffset)
            }
        }
        decodedChunk = c
    }

    /// `loadChunk` from version 7 on: the group's table says where chunk `c` starts and
    /// ends (the rest ends with the group), so that no chunk before it is read.
    private func loadTabledChunk(_ c: Int, fullChunks: Int) throws(IndexError) {
        let group = positionsBase + blockPositionsStart
        let end = positionsBase + blockPositionsEnd
        let base = bytes.baseAddress!
        @inline(__always) func chunkEnd(_ i: Int) -> Int {
            group + Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: group + 4 * i, as: UInt32.self)))
        }
        guard 4 * fullChunks < end - group else {
            throw segment.corrupt("positions of block \(block) are damaged", at: group)
        }
        let start = c == 0 ? group + 4 * fullChunks : chunkEnd(c - 1)
        let stop = c < fullChunks ? chunkEnd(c) : end
        let count = c < fullChunks ? PackedPositions.chunkSize : blockValues - fullChunks * PackedPositions.chunkSize
        guard start >= group + 4 * fullChunks, start < stop, stop <= end, count > 0,
              PackedPositions.decodeChunk(bytes, at: start, end: stop, count: count, into: chunk) == stop else {
            throw segment.corrupt("positions of block \(block) are damaged", at: start)
        }
        decodedChunk = c
    }
}
