import Analysis
import Foundation
import IndexFormat
@testable import Indexer
import Search
import XCTest

/// The damage-detection promise of SPEC section 5, as a matrix: for every kind of index
/// file (segment, deletions, manifest) and every kind of damage (truncation, one flipped
/// byte in every region of the file, a deleted file, a manifest naming an unknown
/// segment), `check` must find a problem and a search must either refuse with exit 4 or
/// give exactly the answer of the undamaged index — never trap, never answer differently.
final class DamageDetectionTests: XCTestCase {
    /// A query and what it answered, compared field by field.
    struct Answer: Equatable, CustomStringConvertible {
        var total: Int
        var hits: [String]
        var description: String { "total \(total): \(hits.prefix(3).joined(separator: "; "))\(hits.count > 3 ? "…" : "")" }
    }

    enum Outcome: Equatable {
        case same
        case refused(Int32)
        case different(String)
    }

    /// One damage tried: where, what, and what happened.
    struct Case {
        var file: String
        var region: String
        var offset: Int
        var damage: String
        var checkFound: Bool
        var checkExit: Int32?
        var search: Outcome
    }

    static let queries = [
        "de", "aanval", "syrie", "rusland veto", "\"de aanval\"", "\"van de aanval\"", "\"in de\"", "aanval*", "+gifgas -mensen",
        "huis OR huizen", "minister AND president", "financiele", "\"in de\"~2", "noord-korea",
        "assad AND (rusland OR sancties) NOT oorlog", "mens*", "stad", "titel",
    ]

    /// Builds the index: a large first segment (full postings blocks), two small ones,
    /// and a deletions file for the first.
    func buildIndex(docs: TemporaryFolder, index: String) throws {
        var generator = TextGenerator(state: 42)
        func write(_ i: Int) {
            let text = "Titel \(i)\n\n" + generator.document(words: Int(generator.next() % 300) + 1)
            docs.write("d\(i % 5)/doc-\(i).txt", text)
        }
        // Rounds, not the memory bound, make the segments: their number stays small and
        // does not depend on the builder's memory accounting.
        var options = IndexOptions()
        options.memoryMB = 64
        options.mergeFactor = 1000
        options.threads = 2
        for i in 0..<140 { write(i) }
        _ = try IndexWriter(indexPath: index).index(folder: docs.path, options: options)
        for i in 140..<145 { write(i) }
        _ = try IndexWriter(indexPath: index).index(folder: docs.path, options: options)
        for i in 145..<150 { write(i) }
        _ = try IndexWriter(indexPath: index).index(folder: docs.path, options: options)
        docs.remove("d2/doc-7.txt")
        docs.remove("d3/doc-143.txt")
        _ = try IndexWriter(indexPath: index).index(folder: docs.path, options: options)
    }

    /// Every query's answer, or the first `IndexError` (any other error fails the test).
    func answers(_ index: String) -> Result<[Answer], IndexError> {
        do {
            let snapshot = try IndexSnapshot(directory: IndexDirectory(path: index))
            let searcher = try Searcher(snapshot: snapshot)
            // Every hit with its score; snippets (stored text) for the first few.
            var all = SearchOptions()
            all.limit = 1000
            all.snippets = false
            var top = SearchOptions()
            top.limit = 3
            var result: [Answer] = []
            for q in Self.queries {
                let r = try searcher.search(q, options: all)
                let t = try searcher.search(q, options: top)
                result.append(Answer(total: r.total, hits: (r.hits + t.hits).map { h in
                    var s = "\(h.rank) \(h.path) \(h.score) \(h.title)"
                    if let snippet = h.snippet { s += " [\(snippet.text)] \(snippet.highlights)" }
                    return s
                }))
            }
            return .success(result)
        } catch let error as IndexError {
            return .failure(error)
        } catch {
            XCTFail("search threw a non-index error: \(error)")
            return .failure(.corrupt(file: index, offset: nil, reason: "unexpected \(error)"))
        }
    }

    /// (found a problem, exit code when it threw).
    func check(_ index: String) -> (Bool, Int32?) {
        do {
            let report = try IndexChecker(directory: IndexDirectory(path: index)).run()
            return (!report.problems.isEmpty, nil)
        } catch {
            return (true, error.exitCode)
        }
    }

    /// The offsets to damage in `range`: both ends and `count` spread evenly between.
    static func spread(_ range: Range<Int>, count: Int) -> [Int] {
        if range.isEmpty { return [] }
        if range.count <= count { return Array(range) }
        var result = Set([range.lowerBound, range.upperBound - 1])
        for k in 0..<count { result.insert(range.lowerBound + (range.count - 1) * k / max(1, count - 1)) }
        return result.sorted()
    }

    /// Named regions of a segment file: header fields, each section, padding, section
    /// table and footer fields.
    static func segmentRegions(_ reader: SegmentReader) -> [(name: String, range: Range<Int>)] {
        let size = reader.file.bytes.count
        let footer = size - SegmentFormat.footerSize
        let sectionCount = Int(ByteReader(reader.file.bytes).getU32(at: footer + 8)!)
        let table = footer - sectionCount * SegmentFormat.sectionEntrySize
        var regions: [(String, Range<Int>)] = [
            ("header magic", 0..<8), ("header version", 8..<12), ("header reserved", 12..<16),
        ]
        let sorted = reader.sections.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }
        var cursor = SegmentFormat.headerSize
        for (kind, section) in sorted {
            if section.range.lowerBound > cursor { regions.append(("padding before \(kind.name)", cursor..<section.range.lowerBound)) }
            regions.append(("section \(kind.name)", section.range))
            cursor = max(cursor, section.range.upperBound)
        }
        if table > cursor { regions.append(("padding before section table", cursor..<table)) }
        regions.append(("section table", table..<footer))
        regions.append(("footer table offset", footer..<(footer + 8)))
        regions.append(("footer section count", (footer + 8)..<(footer + 12)))
        regions.append(("footer doc count", (footer + 12)..<(footer + 16)))
        regions.append(("footer term count", (footer + 16)..<(footer + 24)))
        regions.append(("footer token count", (footer + 24)..<(footer + 32)))
        regions.append(("footer crc", (footer + 32)..<(footer + 36)))
        regions.append(("footer end magic", (footer + 36)..<size))
        return regions
    }

    func testEveryDamageIsDetectedAndNeverGivesAnotherAnswer() throws {
        let started = Date()
        let docs = TemporaryFolder("damage-docs"), ix = TemporaryFolder("damage-index")
        try buildIndex(docs: docs, index: ix.path)
        let directory = IndexDirectory(path: ix.path)
        let manifest = try XCTUnwrap(try directory.latestManifest())
        XCTAssertGreaterThanOrEqual(manifest.segments.count, 3, "several segments")
        XCTAssertTrue(manifest.segments.contains { $0.deletionsFile != nil }, "a deletions file: \(String(decoding: manifest.encoded(), as: UTF8.self))")
        XCTAssertEqual(try IndexChecker(directory: directory).run().problems, [])
        guard case .success(let original) = answers(ix.path) else { return XCTFail("the undamaged index does not answer") }
        XCTAssertTrue(original.contains { $0.total > 128 }, "some query matches more than a postings block")

        var cases: [Case] = []
        /// Damages `name` with `damage` (nil: delete it), runs check and the queries, restores it.
        func attempt(_ name: String, region: String, offset: Int, label: String, _ damage: (([UInt8]) -> [UInt8])?) {
            let path = directory.file(name)
            let pristine = try! SystemCall.readFile(path)
            if let damage {
                try! Data(damage(pristine)).write(to: URL(fileURLWithPath: path))
            } else {
                unlink(path)
            }
            let (found, code) = check(ix.path)
            let outcome: Outcome
            switch answers(ix.path) {
            case .success(let a):
                if a == original {
                    outcome = .same
                } else {
                    let i = a.indices.first { a[$0] != original[$0] }!
                    outcome = .different("query \(Self.queries[i]): \(a[i]) instead of \(original[i])")
                }
            case .failure(let e):
                outcome = .refused(e.exitCode)
            }
            cases.append(Case(file: name, region: region, offset: offset, damage: label,
                              checkFound: found, checkExit: code, search: outcome))
            try! Data(pristine).write(to: URL(fileURLWithPath: path))
        }
        let masks: [UInt8] = [0xFF, 0x01, 0x80, 0x10, 0x04]

        // Segment files.
        for s in manifest.segments {
            let reader = try SegmentReader(directory: ix.path, name: s.name)
            let size = reader.file.bytes.count
            let regions = Self.segmentRegions(reader)
            let name = s.segmentFile
            for (k, region) in regions.enumerated() {
                let perRegion = region.name.hasPrefix("section ") && region.name != "section table" ? 12 : 6
                for (j, offset) in Self.spread(region.range, count: perRegion).enumerated() {
                    let mask = masks[(j + k) % masks.count]
                    attempt(name, region: region.name, offset: offset, label: "flip \(String(mask, radix: 16))") { b in
                        var b = b
                        b[offset] ^= mask
                        return b
                    }
                }
            }
            for cut in Set([0, 1, 15, 16, size / 3, size / 2, size - 41, size - 40, size - 8, size - 1]).sorted() where cut < size {
                attempt(name, region: "whole file", offset: cut, label: "truncate") { Array($0[..<cut]) }
            }
            attempt(name, region: "whole file", offset: size, label: "append a byte") { $0 + [0] }
            attempt(name, region: "whole file", offset: 0, label: "delete", nil)
            withExtendedLifetime(reader) {}
        }

        // Deletions files: every byte.
        for s in manifest.segments {
            guard let name = s.deletionsFile else { continue }
            let size = try SystemCall.readFile(directory.file(name)).count
            for offset in 0..<size {
                let region = offset < 8 ? "header magic" : offset < 12 ? "header version" : offset < 16 ? "header reserved"
                    : offset < 24 ? "counts" : offset < size - 4 ? "bits" : "crc"
                let mask = masks[offset % masks.count]
                attempt(name, region: region, offset: offset, label: "flip \(String(mask, radix: 16))") { b in
                    var b = b
                    b[offset] ^= mask
                    return b
                }
            }
            for cut in [0, 1, 16, size / 2, size - 1] {
                attempt(name, region: "whole file", offset: cut, label: "truncate") { Array($0[..<cut]) }
            }
            attempt(name, region: "whole file", offset: 0, label: "delete", nil)
        }

        // The manifest: every byte, truncations, a deleted manifest, well-formed lies.
        let manifestName = Manifest.fileName(generation: manifest.generation)
        let manifestBytes = try SystemCall.readFile(directory.file(manifestName))
        let firstLineEnd = manifestBytes.firstIndex(of: UInt8(ascii: "\n"))!
        for offset in Self.spread(0..<manifestBytes.count, count: 60) {
            let mask = masks[offset % masks.count]
            attempt(manifestName, region: offset < firstLineEnd ? "format line" : "body", offset: offset,
                    label: "flip \(String(mask, radix: 16))") { b in
                var b = b
                b[offset] ^= mask
                return b
            }
        }
        for cut in Set([0, 1, firstLineEnd, firstLineEnd + 1, manifestBytes.count / 2, manifestBytes.count - 10, manifestBytes.count - 1]).sorted() {
            attempt(manifestName, region: "whole file", offset: cut, label: "truncate") { Array($0[..<cut]) }
        }
        var lies: [(String, Manifest)] = []
        var unknown = manifest
        unknown.segments.append(Manifest.Segment(name: "seg-999999", documentCount: 3, deletedCount: 0, liveTokens: 30, deletionsGeneration: 0))
        lies.append(("names an unknown segment", unknown))
        var renamed = manifest
        renamed.segments[0].name = "seg-999998"
        lies.append(("names an unknown segment instead of a real one", renamed))
        var unknownDeletions = manifest
        unknownDeletions.segments[unknownDeletions.segments.count - 1].deletionsGeneration = 999
        unknownDeletions.segments[unknownDeletions.segments.count - 1].deletedCount = 1
        lies.append(("names an unknown deletions file", unknownDeletions))
        var wrongCount = manifest
        wrongCount.segments[0].documentCount += 1
        lies.append(("wrong document count", wrongCount))
        var twice = manifest
        twice.segments.append(manifest.segments[0])
        lies.append(("names a segment twice", twice))
        for (label, lie) in lies {
            attempt(manifestName, region: "content", offset: 0, label: label) { _ in lie.encoded() }
        }
        attempt(manifestName, region: "whole file", offset: 0, label: "delete", nil)

        // Every case: check found it (exit 3 only where a version field was hit or the
        // index is gone); search refused with exit 4 or answered as before.
        func versionHit(_ c: Case) -> Bool {
            c.region.contains("version") || c.region == "format line"
        }
        var detected = 0
        var silentWrong: [Case] = []
        var undetected: [Case] = []
        var misclassified: [Case] = []
        for c in cases {
            let allowedExit: Set<Int32> = versionHit(c) ? [3, 4] : (c.file.hasPrefix("manifest") && c.damage == "delete" ? [3] : [4])
            if c.checkFound && (c.checkExit == nil || allowedExit.contains(c.checkExit!)) { detected += 1 } else { undetected.append(c) }
            switch c.search {
            case .same: break
            case .refused(let code): if !allowedExit.contains(code) { misclassified.append(c) }
            case .different: silentWrong.append(c)
            }
        }
        func describe(_ c: Case) -> String {
            "\(c.file) \(c.region) @\(c.offset) \(c.damage): check \(c.checkFound ? "found it" : "found nothing")\(c.checkExit.map { " (exit \($0))" } ?? ""), search \(c.search)"
        }
        let refused = cases.filter { if case .refused = $0.search { return true } else { return false } }.count
        print("damage matrix: \(detected)/\(cases.count) damages detected by check; search refused \(refused), answered unchanged \(cases.count - refused - silentWrong.count), answered differently \(silentWrong.count); \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        for c in cases where versionHit(c) {
            if case .refused(3) = c.search { print("  note: \(describe(c)) — a damaged version field reads as an unknown version (exit 3)"); break }
        }
        for c in undetected { XCTFail("undetected: \(describe(c))") }
        for c in misclassified { XCTFail("wrong exit code: \(describe(c))") }
        // Every region, postings and positions included (their blocks carry checksums
        // checked when read), must be refused or answered unchanged.
        for c in silentWrong {
            XCTFail("silently wrong answer: \(describe(c))")
        }
        // By region, for the report.
        var byRegion: [String: (tried: Int, refused: Int, wrong: Int)] = [:]
        for c in cases {
            let key = (c.file.hasSuffix(".seg") ? "segment " : c.file.contains(".del-") ? "deletions " : "manifest ") + c.region
            var v = byRegion[key, default: (0, 0, 0)]
            v.tried += 1
            if case .refused = c.search { v.refused += 1 }
            if case .different = c.search { v.wrong += 1 }
            byRegion[key] = v
        }
        for (key, v) in byRegion.sorted(by: { $0.key < $1.key }) {
            print("  \(key): \(v.tried) tried, search refused \(v.refused), wrong \(v.wrong)")
        }
    }
}
