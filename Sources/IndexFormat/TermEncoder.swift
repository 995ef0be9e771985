/// One term's postings, encoded apart from any file: what `SegmentWriter.write(_:)`
/// puts into a segment.
public struct EncodedTerm {
    public var term: [UInt8] = []
    var documentFrequency = 0
    var maxFrequency: UInt32 = 0
    var minLength: UInt32 = 0
    /// The list goes into its dictionary entry (`SegmentFormat.inlineLimit`).
    var inline = false
    /// Inline: the documents' varints; else the skip table, the full blocks and the tail.
    var postings: [UInt8] = []
    /// The term's positions (those not already written, when the encoder spilled).
    var positions: [UInt8] = []

    public init() {}
}

/// Encodes a term's postings (documents, frequencies, positions) as `SegmentFormat`
/// lays them out: `begin`, `add` for each document in increasing order, `finish`. The
/// bytes depend on the term's postings and the segment's document lengths only, not on
/// where they will be written, so terms can be encoded on several threads and written
/// in order. `SegmentWriter` streams its terms through one; it takes the positions out
/// as they grow (`takePositions`), so that a huge term does not sit in memory.
///
/// The per-posting scratch lists are `ScratchBuffer`s (references): a copy of an encoder
/// shares them, so each thread makes its own encoder and none is copied.
public struct TermEncoder {
    /// The segment's document lengths (for each block's smallest).
    private let lengths: [UInt32]
    private let termDocs = ScratchBuffer<UInt32>()
    private let termFreqs = ScratchBuffer<UInt32>()
    /// The encoded positions not yet taken, and how many bytes were taken before them.
    private(set) var bufferedPositions: [UInt8] = []
    private var takenPositions = 0
    /// The position deltas of the current group of `BitPacking.blockSize` documents as
    /// given (varints), and how many: encoded (`PackedPositions`) when the group is
    /// complete. Fewer than a chunk's worth are copied as they are (the encoding of so
    /// few values is their varints).
    private let groupVarints = ScratchBuffer<UInt8>()
    private var groupValueCount = 0
    private var groupValues: [UInt32] = []
    /// Where the encoded positions of each group start (from the term's first), and
    /// their CRC-32C.
    private var groupPositionStarts: [Int] = []
    private var groupPositionCRCs: [UInt32] = []
    // Scratch space of `finish`, kept between terms.
    private var blocks: [UInt8] = []
    private var deltas = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var freqs = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var skip = ByteWriter()
    private var impacts = ByteWriter()
    private var blockLengths = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var impactScratch = [UInt64](repeating: 0, count: 2 * BitPacking.blockSize)
    private var tail = ByteWriter()
    private var tailDocs = ByteWriter()

    /// An encoder for a segment whose documents have `lengths`.
    public init(lengths: [UInt32]) {
        self.lengths = lengths
    }

    public var documentCount: Int { termDocs.count }

    /// Starts a term.
    public mutating func begin() {
        termDocs.removeAll()
        termFreqs.removeAll()
        groupPositionStarts.removeAll(keepingCapacity: true)
        groupPositionCRCs.removeAll(keepingCapacity: true)
        groupVarints.removeAll()
        groupValueCount = 0
        bufferedPositions.removeAll(keepingCapacity: true)
        takenPositions = 0
    }

    /// Adds one document of the term: its id, frequency and its positions already
    /// encoded as `tf` position-delta varints (first position absolute).
    @inline(__always)
    public mutating func add(document: Int, frequency: Int, encodedPositions: UnsafeRawBufferPointer) {
        assert(termDocs.count == 0 || UInt32(document) > termDocs[termDocs.count - 1], "documents in increasing order")
        assert(document < lengths.count)
        termDocs.append(UInt32(document))
        termFreqs.append(UInt32(frequency))
        groupVarints.append(contentsOf: encodedPositions.assumingMemoryBound(to: UInt8.self))
        groupValueCount += frequency
        if termDocs.count % BitPacking.blockSize == 0 { encodeGroup() }
    }

    /// Marks the buffered positions as written elsewhere (they were the next bytes of
    /// the term's positions) and empties the buffer.
    mutating func takePositions() {
        takenPositions += bufferedPositions.count
        bufferedPositions.removeAll(keepingCapacity: true)
    }

    /// Encodes the current group's positions into `bufferedPositions`, with its start and CRC.
    private mutating func encodeGroup() {
        let start = bufferedPositions.count
        groupPositionStarts.append(takenPositions + start)
        if groupValueCount < PackedPositions.chunkSize {
            bufferedPositions.append(contentsOf: groupVarints.buffer)
        } else {
            // The deltas: minimal varints of our own writers (the buffer, a merge).
            groupValues.removeAll(keepingCapacity: true)
            var r = ByteReader(UnsafeRawBufferPointer(groupVarints.buffer))
            for _ in 0..<groupValueCount { groupValues.append(UInt32(truncatingIfNeeded: r.readVarint()!)) }
            groupValues.withUnsafeBufferPointer { PackedPositions.encode($0, into: &bufferedPositions) }
        }
        groupVarints.removeAll()
        groupValueCount = 0
        groupPositionCRCs.append(bufferedPositions.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[start...])) })
    }

    /// Completes the term (at least one document added) into `result` (its `term` is
    /// left as it is), reusing `result`'s arrays.
    public mutating func finish(into result: inout EncodedTerm) {
        let df = termDocs.count
        precondition(df > 0, "a term without documents")
        // Skip table, full blocks, tail.
        let fullBlocks = df / BitPacking.blockSize
        var maxTf: UInt32 = 0
        var minLength = UInt32.max
        blocks.removeAll(keepingCapacity: true)
        skip.bytes.removeAll(keepingCapacity: true)
        impacts.bytes.removeAll(keepingCapacity: true)
        tail.bytes.removeAll(keepingCapacity: true)
        tailDocs.bytes.removeAll(keepingCapacity: true)
        var previous: UInt32 = 0
        if df % BitPacking.blockSize != 0 { encodeGroup() }
        let termPositionsLength = takenPositions + bufferedPositions.count
        func positionsEnd(ofGroup g: Int) -> Int {
            g + 1 < groupPositionStarts.count ? groupPositionStarts[g + 1] : termPositionsLength
        }
        for block in 0..<fullBlocks {
            var blockMaxTf: UInt32 = 0
            var blockMinLength = UInt32.max
            for i in 0..<BitPacking.blockSize {
                let k = block * BitPacking.blockSize + i
                let doc = termDocs[k]
                deltas[i] = k == 0 ? doc : doc - previous
                previous = doc
                freqs[i] = termFreqs[k] - 1
                blockMaxTf = max(blockMaxTf, termFreqs[k])
                blockLengths[i] = lengths[Int(doc)]
                blockMinLength = min(blockMinLength, blockLengths[i])
            }
            blockLengths.withUnsafeBufferPointer { dls in
                impactScratch.withUnsafeMutableBufferPointer { scratch in
                    BlockImpacts.encode(frequencies: termFreqs.base + block * BitPacking.blockSize, lengths: dls.baseAddress!,
                                        count: BitPacking.blockSize, scratch: scratch.baseAddress!, into: &impacts)
                }
            }
            let blockStart = blocks.count
            deltas.withUnsafeBufferPointer { BitPacking.pack($0, into: &blocks) }
            freqs.withUnsafeBufferPointer { BitPacking.pack($0, into: &blocks) }
            let positionsStart = groupPositionStarts[block]
            skip.u32(previous)
            skip.u32(UInt32(blocks.count))
            skip.u32(UInt32(positionsStart))
            skip.u32(blockMaxTf)
            skip.u32(blockMinLength)
            skip.u32(blocks.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[blockStart...])) })
            skip.u32(UInt32(positionsEnd(ofGroup: block) - positionsStart))
            skip.u32(groupPositionCRCs[block])
            maxTf = max(maxTf, blockMaxTf)
            minLength = min(minLength, blockMinLength)
        }
        for k in (fullBlocks * BitPacking.blockSize)..<df {
            let doc = termDocs[k]
            let delta = k == 0 ? doc : doc - previous
            previous = doc
            let tf = termFreqs[k]
            tailDocs.varint(UInt64(delta) << 1 | (tf == 1 ? 1 : 0))
            if tf != 1 { tailDocs.varint(UInt64(tf)) }
            maxTf = max(maxTf, tf)
            minLength = min(minLength, lengths[Int(doc)])
        }
        result.documentFrequency = df
        result.maxFrequency = maxTf
        result.minLength = minLength
        // A short list goes into its dictionary entry, under the term block's checksum.
        result.inline = fullBlocks == 0 && takenPositions == 0
            && tailDocs.bytes.count + bufferedPositions.count <= SegmentFormat.inlineLimit
        result.postings.removeAll(keepingCapacity: true)
        if result.inline {
            result.postings.append(contentsOf: tailDocs.bytes)
        } else {
            if df % BitPacking.blockSize != 0 {
                let tailPositionsStart = groupPositionStarts[fullBlocks]
                if fullBlocks > 0 { tail.varint(tailPositionsStart) }
                tail.varint(termPositionsLength - tailPositionsStart)
                tail.u32(groupPositionCRCs[fullBlocks])
                tail.u32(Checksum.crc32(tailDocs.bytes))
                tail.append(tailDocs.bytes)
            }
            result.postings.append(contentsOf: skip.bytes)
            result.postings.append(contentsOf: impacts.bytes)
            result.postings.append(contentsOf: blocks)
            result.postings.append(contentsOf: tail.bytes)
        }
        result.positions.removeAll(keepingCapacity: true)
        result.positions.append(contentsOf: bufferedPositions)
    }
}
