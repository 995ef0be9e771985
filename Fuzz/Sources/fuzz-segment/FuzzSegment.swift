// Fuzz target: the segment file. Each input is written to a scratch folder as
// `seg-000001.seg` and opened with `SegmentReader(directory:name:)`; when it opens,
// every reader runs on it: documents (`document`, `path(of:)`, `storedDocument`,
// `storedBlob`, `length(of:)`), the dictionary (`forEachTerm`, `termCursor`, `lookup`,
// `terms(withPrefix:)`), postings (`next()` with `positions(into:)`, `advance(to:)`,
// `nextBlock()`), then `IndexChecker.run()` (the full walk of `searchctl check`) and a
// search (term-at-a-time, phrase, prefix and boolean plans, phrases of common words, with snippets and
// explanations) through a manifest that names the segment.
//
// Each input runs as it is and, when that differs, with every checksum recomputed
// (ChecksumRepair.segment): otherwise nearly every mutation would stop at the first
// CRC check and the parsing behind it would go unfuzzed.
//
// The property is the reader's own promise: malformed data throws `IndexError`, it
// never traps, reads out of bounds or allocates without bound.
#if canImport(Glibc)
import Glibc
#endif
import Analysis
import FuzzSupport
import IndexFormat
import Search

let segmentName = "seg-000001"
nonisolated(unsafe) var folder = ""

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    writeSeedsIfRequested(SegmentSeeds.all)
    folder = Scratch.folder("segment")
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    exercise(bytes)
    let repaired = ChecksumRepair.segment(bytes)
    if repaired != bytes { exercise(repaired) }
    return 0
}

/// Limits that keep one input fast whatever counts it claims (the reader itself
/// bounds them by the file's size).
let maximumTerms = 2_000
let maximumPostings = 20_000

func exercise(_ bytes: [UInt8]) {
    // The reader maps the file: it must be gone before the file is rewritten.
    let path = folder + "/" + segmentName + ".seg"
    writeFile(path, bytes)
    unlink(folder + "/" + Manifest.fileName(generation: 1))
    var random = InputRandom(bytes)
    let reader: SegmentReader
    do {
        reader = try SegmentReader(directory: folder, name: segmentName)
    } catch {
        _ = error.description
        return
    }
    readDocuments(reader)
    let terms = readDictionary(reader, random: &random)
    readPostings(reader, terms: terms, random: &random)
    checkAndSearch(reader, terms: terms, random: &random)
}

func readDocuments(_ reader: SegmentReader) {
    let n = reader.documentCount
    for d in [-1, n, n + 1, Int.max] {
        // Out of range: an error, not a trap.
        do { _ = try reader.document(d); fuzzCheck(false, "document \(d) of \(n) read") } catch { _ = error.description }
        do { _ = try reader.storedDocument(d); fuzzCheck(false, "stored document \(d) of \(n) read") } catch { _ = error.description }
    }
    var tokens = 0
    for d in 0..<min(n, 4096) {
        _ = try? reader.document(d)
        _ = try? reader.path(of: d)
        _ = try? reader.storedBlob(d)
        if let stored = try? reader.storedDocument(d) {
            _ = stored.checkpoints.count
        }
        tokens &+= reader.length(of: d)
    }
    _ = tokens
}

func readDictionary(_ reader: SegmentReader, random: inout InputRandom) -> [([UInt8], TermInfo)] {
    var terms: [([UInt8], TermInfo)] = []
    do {
        try reader.forEachTerm { term, info throws(IndexError) in
            if terms.count < maximumTerms { terms.append((Array(term), info)) }
        }
    } catch {
        _ = error.description
    }
    let cursor = reader.termCursor()
    var cursorTerms = 0
    while cursorTerms < maximumTerms, let next = try? cursor.next() {
        _ = next
        cursorTerms += 1
    }
    var probes: [[UInt8]] = [[], [0], [0xFF, 0xFF], Array("aanval".utf8)]
    for _ in 0..<4 where !terms.isEmpty {
        let (term, _) = terms[random.below(terms.count)]
        probes.append(term)
        probes.append(Array(term.prefix(random.below(term.count + 1))))
        probes.append(term + [UInt8(truncatingIfNeeded: random.next())])
    }
    for probe in probes {
        do {
            _ = try probe.withUnsafeBufferPointer { (p) throws(IndexError) in try reader.lookup(p) }
            _ = try reader.terms(withPrefix: probe, limit: 64)
        } catch {
            _ = error.description
        }
    }
    _ = try? reader.lookup("aanval")
    return terms
}

func readPostings(_ reader: SegmentReader, terms: [([UInt8], TermInfo)], random: inout InputRandom) {
    var budget = maximumPostings
    var positions: [Int32] = []
    for (_, info) in terms where budget > 0 {
        // Every document with its positions (some asked twice, as snippets do).
        do {
            let it = try reader.postings(info)
            while budget > 0, try it.next() != PostingsIterator.exhausted {
                budget -= 1
                _ = (it.frequency, it.maxFrequency(ofBlock: it.block), it.minLength(ofBlock: it.block), it.lastDocument(ofBlock: it.block))
                if random.below(4) != 0 {
                    try it.positions(into: &positions)
                    fuzzCheck(positions.count == it.frequency, "\(positions.count) positions for tf \(it.frequency)")
                    if random.below(4) == 0 { try it.positions(into: &positions) }
                }
            }
        } catch {
            _ = error.description
        }
        // Skipping to targets drawn from the input.
        do {
            let it = try reader.postings(info)
            var target: Int32 = 0
            while budget > 0 {
                budget -= 1
                target = target &+ Int32(random.below(200))
                let doc = try it.advance(to: target)
                if doc == PostingsIterator.exhausted { break }
                fuzzCheck(doc >= target, "advance(to: \(target)) stopped at \(doc)")
                if random.below(2) == 0 { try it.positions(into: &positions) }
            }
        } catch {
            _ = error.description
        }
        // Whole blocks.
        do {
            let it = try reader.postings(info)
            while budget > 0 {
                let n = try it.nextBlock()
                if n == 0 { break }
                budget -= n
                for i in 0..<n { _ = (it.blockDocuments[i], it.blockFrequencies[i]) }
            }
        } catch {
            _ = error.description
        }
    }
}

/// `searchctl check` and `searchctl search` on an index of this one segment.
func checkAndSearch(_ reader: SegmentReader, terms: [([UInt8], TermInfo)], random: inout InputRandom) {
    let manifest = Manifest(generation: 1, analysis: AnalysisChain.identifier, root: "/fuzz", nextSegment: 2, segments: [
        .init(name: segmentName, documentCount: reader.documentCount, deletedCount: 0,
              liveTokens: reader.tokenCount, deletionsGeneration: 0),
    ])
    writeFile(folder + "/" + Manifest.fileName(generation: 1), manifest.encoded())
    let directory = IndexDirectory(path: folder)
    do {
        let report = try IndexChecker(directory: directory).run()
        _ = report.problems.count
    } catch {
        _ = error.description
    }
    guard terms.count < 500 || random.below(8) == 0 else { return }
    let searcher: Searcher
    do {
        searcher = try Searcher(snapshot: IndexSnapshot(directory: directory))
    } catch {
        _ = "\(error)"
        return
    }
    func pick() -> [UInt8] { terms.isEmpty ? Array("aanval".utf8) : terms[random.below(terms.count)].0 }
    let a = pick(), b = pick(), c = pick()
    // Common words (their pairs' lists, and their codes).
    func pickCommon() -> [UInt8] { reader.commonWords.isEmpty ? Array("de".utf8) : reader.commonWords[random.below(reader.commonWords.count)] }
    let x = pickCommon(), y = pickCommon(), z = pickCommon()
    let plans: [PlanGroup] = [
        PlanGroup(shoulds: [.term(a), .term(b)]),
        PlanGroup(musts: [.term(a)], mustNots: [.term(c)]),
        PlanGroup(musts: [.phrase(terms: [a, b], positions: [0, 1], slop: 0)], shoulds: [.prefix(Array(a.prefix(1)))]),
        PlanGroup(shoulds: [.phrase(terms: [a, b, c], positions: [0, 1, 2], slop: random.below(4)),
                            .group(PlanGroup(musts: [.term(b), .term(c)]))]),
        PlanGroup(shoulds: [.phrase(terms: [x, y], positions: [0, 1], slop: 0), .phrase(terms: [x, y, z], positions: [0, 1, 2], slop: 0)]),
    ]
    var options = SearchOptions()
    options.limit = 3
    options.explain = true
    for plan in plans {
        do {
            _ = try searcher.search(plan: plan, options: options)
        } catch {
            _ = "\(error)"
        }
    }
}

enum SegmentSeeds {
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let sample = try SampleIndex.build(in: Scratch.folder("sample"))
        var seeds: [(name: String, bytes: [UInt8])] = []
        for (label, index) in [("small", sample.small), ("large", sample.large)] {
            for file in SampleIndex.files(of: index) where file.name.hasSuffix(".seg") {
                seeds.append(("\(label)-\(file.name)", file.bytes))
            }
        }
        // A few damaged variants to start from: a byte of the positions changed (every
        // checksum then made to match, as the fuzzer's repair does), and a truncation.
        let reader = try SegmentReader(directory: sample.small, name: segmentName)
        var damaged = Array(reader.file.bytes)
        let positions = reader.sections[.positions]!.range
        damaged[positions.lowerBound + positions.count / 2] ^= 0x03
        seeds.append(("small-seg-000001-positions-changed", ChecksumRepair.segment(damaged)))
        seeds.append(("small-seg-000001-truncated", Array(damaged.prefix(damaged.count / 2))))
        return seeds
    }
}
