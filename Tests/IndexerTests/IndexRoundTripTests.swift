import Analysis
import Foundation
import IndexFormat
@testable import Indexer
import XCTest

final class IndexRoundTripTests: XCTestCase {
    func makeCorpus(_ folder: TemporaryFolder, documents: Int, seed: UInt64) -> [String: String] {
        var generator = TextGenerator(state: seed)
        var files: [String: String] = [:]
        for i in 0..<documents {
            let path = "d\(i % 7)/doc-\(i).txt"
            let text = "Titel \(i)\n\n" + generator.document(words: Int(generator.next() % 400) + 1)
            files[path] = text
            folder.write(path, text)
        }
        return files
    }

    func index(_ folder: String, into index: String, threads: Int = 2, memoryMB: Int = 256, rebuild: Bool = false) throws -> IndexSummary {
        var options = IndexOptions()
        options.threads = threads
        options.memoryMB = memoryMB
        options.rebuild = rebuild
        return try IndexWriter(indexPath: index).index(folder: folder, options: options)
    }

    func testEveryPostingReadsBackAsTheAnalyzerMadeIt() throws {
        let docs = TemporaryFolder(), ix = TemporaryFolder()
        // 300 documents, some with more than 128 postings per term (full blocks + tail).
        let files = makeCorpus(docs, documents: 300, seed: 1)
        let summary = try index(docs.path, into: ix.path)
        XCTAssertEqual(summary.added, 300)
        let expected = try referenceIndex(files)
        let actual = try dumpIndex(ix.path)
        XCTAssertEqual(actual.count, expected.count, "distinct terms")
        for (term, postings) in expected {
            XCTAssertEqual(actual[term], postings, "postings of \(term)")
        }
        XCTAssertTrue(expected.values.contains { $0.count > 128 }, "the corpus exercises full blocks")
        let check = try IndexChecker(directory: IndexDirectory(path: ix.path)).run()
        XCTAssertEqual(check.problems, [])
    }

    func testSmallMemoryMakesSeveralSegmentsWithTheSameContent() throws {
        let docs = TemporaryFolder(), ix = TemporaryFolder()
        let files = makeCorpus(docs, documents: 400, seed: 2)
        var options = IndexOptions()
        options.memoryMB = 1
        options.mergeFactor = 1000  // keep the segments apart
        _ = try IndexWriter(indexPath: ix.path).index(folder: docs.path, options: options)
        let snapshot = try IndexSnapshot(directory: IndexDirectory(path: ix.path))
        XCTAssertGreaterThan(snapshot.segments.count, 1)
        XCTAssertEqual(try dumpIndex(ix.path), try referenceIndex(files))
    }

    /// The default budget is SPEC section 5's 256 MB, and is what an index run uses when
    /// none is given.
    func testDefaultMemoryBudget() {
        XCTAssertEqual(IndexWriter.defaultMemoryMB, 256)
        XCTAssertEqual(IndexOptions().memoryMB, 256)
    }

    func testThreadCountDoesNotChangeTheIndex() throws {
        let docs = TemporaryFolder(), one = TemporaryFolder(), two = TemporaryFolder()
        _ = makeCorpus(docs, documents: 200, seed: 3)
        _ = try index(docs.path, into: one.path, threads: 1)
        _ = try index(docs.path, into: two.path, threads: 2)
        let a = try Data(contentsOf: URL(fileURLWithPath: one.path + "/seg-000001.seg"))
        let b = try Data(contentsOf: URL(fileURLWithPath: two.path + "/seg-000001.seg"))
        XCTAssertEqual(a, b, "segment bytes differ between 1 and 2 threads")
    }

    /// The flush encodes terms in waves split over threads, and streams the largest
    /// terms: with tiny waves, terms streamed from a few hundred bytes on and 1 to 4
    /// threads, the segment's bytes are those of one thread with defaults.
    func testFlushWavesAndStreamedTermsGiveTheSameSegment() throws {
        let docs = TemporaryFolder()
        var generator = TextGenerator(state: 11)
        let analyzer = try DocumentAnalyzer(worker: 0)
        var analyzed: [AnalyzedDocument] = []
        for i in 0..<300 {
            let text = Array(("Titel \(i)\n\n" + generator.document(words: Int(generator.next() % 300) + 1)).utf8)
            analyzed.append(try text.withUnsafeBytes { try analyzer.analyze($0, path: "doc-\(i).txt", size: UInt64(text.count), mtime: 0, contentHash: 0) })
        }
        var segments: [Data] = []
        var streamedAny = false
        for (threads, wave, streamed, terms) in [(1, 1 << 20, 1 << 20, 4096), (1, 64, 300, 4096), (2, 64, 300, 4096), (4, 500, 2000, 7),
                                                 (3, 1, 1 << 20, 4096), (2, 1 << 20, 1 << 20, 3)] {
            var builder = SegmentBuilder()
            builder.waveBytes = wave
            builder.waveTerms = terms
            builder.streamedTermBytes = streamed
            for doc in analyzed { builder.add(doc) }
            let name = "seg-\(segments.count)"
            _ = try builder.flush(directory: docs.path, name: name, threads: threads)
            segments.append(try Data(contentsOf: URL(fileURLWithPath: docs.path + "/" + SegmentFormat.fileName(segment: name))))
            streamedAny = streamedAny || streamed < 1 << 20
        }
        XCTAssertTrue(streamedAny)
        for (k, segment) in segments.enumerated().dropFirst() {
            XCTAssertTrue(segment == segments[0], "segment \(k) differs from the one-thread flush")
        }
        // The wave path wrote what the reader reads back: the largest term's postings.
        let reader = try SegmentReader(directory: docs.path, name: "seg-2")
        XCTAssertEqual(reader.documentCount, 300)
    }

    /// With a small buffer (several flushes), the flush points, and so every segment and
    /// the manifest's segment lines, are the same whatever the thread count.
    func testThreadCountDoesNotChangeWhereTheBufferFlushes() throws {
        let docs = TemporaryFolder()
        _ = makeCorpus(docs, documents: 600, seed: 5)
        var outputs: [[String: Data]] = []
        for threads in [1, 3] {
            let ix = TemporaryFolder()
            var options = IndexOptions()
            options.threads = threads
            options.memoryMB = 1
            options.mergeFactor = 1000  // keep the segments apart
            _ = try IndexWriter(indexPath: ix.path).index(folder: docs.path, options: options)
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: ix.path) where name.hasPrefix("seg-") || name.hasPrefix("manifest-") {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: ix.path + "/" + name))
            }
            outputs.append(files)
        }
        XCTAssertGreaterThan(outputs[0].keys.filter { $0.hasSuffix(".seg") }.count, 1)
        XCTAssertEqual(outputs[0].keys.sorted(), outputs[1].keys.sorted())
        for (name, bytes) in outputs[0] {
            XCTAssertTrue(outputs[1][name] == bytes, "\(name) differs between 1 and 3 threads")
        }
    }

    func testIncrementalAddChangeDelete() throws {
        let docs = TemporaryFolder(), ix = TemporaryFolder()
        var files = makeCorpus(docs, documents: 50, seed: 4)
        _ = try index(docs.path, into: ix.path)

        // No-op.
        var summary = try index(docs.path, into: ix.path)
        XCTAssertEqual(summary.unchanged, 50)
        XCTAssertFalse(summary.committed)

        // Add one, change one, delete one.
        files["new/added.txt"] = "Nieuw document over de aanval"
        docs.write("new/added.txt", files["new/added.txt"]!)
        files["d0/doc-0.txt"] = "Gewijzigd: het veto in de Veiligheidsraad, langer dan eerst."
        docs.write("d0/doc-0.txt", files["d0/doc-0.txt"]!)
        files["d1/doc-1.txt"] = nil
        docs.remove("d1/doc-1.txt")
        summary = try index(docs.path, into: ix.path)
        XCTAssertEqual(summary.added, 1)
        XCTAssertEqual(summary.updated, 1)
        XCTAssertEqual(summary.removed, 1)
        XCTAssertEqual(summary.unchanged, 48)
        XCTAssertEqual(try dumpIndex(ix.path), try referenceIndex(files))
        let snapshot = try IndexSnapshot(directory: IndexDirectory(path: ix.path))
        XCTAssertEqual(snapshot.documentCount, 50)
        XCTAssertEqual(snapshot.manifest.deletedDocuments, 2)

        // Same content, new mtime: confirmed unchanged by the hash.
        let url = URL(fileURLWithPath: docs.path + "/d2/doc-2.txt")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1000)], ofItemAtPath: url.path)
        summary = try index(docs.path, into: ix.path)
        XCTAssertEqual(summary.updated, 0)
        XCTAssertEqual(summary.unchanged, 50)

        // Rebuild drops the deletions.
        summary = try index(docs.path, into: ix.path, rebuild: true)
        XCTAssertEqual(summary.added, 50)
        let rebuilt = try IndexSnapshot(directory: IndexDirectory(path: ix.path))
        XCTAssertEqual(rebuilt.manifest.deletedDocuments, 0)
        XCTAssertEqual(try dumpIndex(ix.path), try referenceIndex(files))
    }

    func testMergeKeepsContentAndDropsDeletions() throws {
        let docs = TemporaryFolder(), ix = TemporaryFolder()
        var files = makeCorpus(docs, documents: 120, seed: 5)
        var options = IndexOptions()
        options.memoryMB = 1
        options.mergeFactor = 1000
        _ = try IndexWriter(indexPath: ix.path).index(folder: docs.path, options: options)
        for i in stride(from: 0, to: 120, by: 3) {
            let path = "d\(i % 7)/doc-\(i).txt"
            files[path] = nil
            docs.remove(path)
        }
        _ = try IndexWriter(indexPath: ix.path).index(folder: docs.path, options: options)
        let before = try dumpIndex(ix.path)
        let (segmentsBefore, segmentsAfter) = try IndexWriter(indexPath: ix.path).mergeAll()
        XCTAssertGreaterThanOrEqual(segmentsBefore, 1)
        XCTAssertEqual(segmentsAfter, 1)
        let snapshot = try IndexSnapshot(directory: IndexDirectory(path: ix.path))
        XCTAssertEqual(snapshot.manifest.deletedDocuments, 0)
        XCTAssertEqual(snapshot.documentCount, files.count)
        XCTAssertEqual(try dumpIndex(ix.path), before)
        XCTAssertEqual(before, try referenceIndex(files))
        // Only the files of the last commit remain.
        XCTAssertEqual(listFiles(ix.path).filter { $0.hasPrefix("seg-") || $0.hasPrefix("manifest-") }.count, 2)
    }

    func testSecondWriterIsRefused() throws {
        let ix = TemporaryFolder()
        var lock: WriterLock? = try WriterLock(directory: IndexDirectory(path: ix.path))
        XCTAssertNotNil(lock)
        XCTAssertThrowsError(try WriterLock(directory: IndexDirectory(path: ix.path))) { error in
            XCTAssertEqual(error as? IndexError, .locked(directory: ix.path))
            XCTAssertEqual((error as? IndexError)?.exitCode, 3)
        }
        lock = nil
        // Released: the next writer gets it.
        XCTAssertNoThrow(try WriterLock(directory: IndexDirectory(path: ix.path)))
    }

    func testBadFilesAreSkippedOrDecoded() throws {
        let docs = TemporaryFolder(), ix = TemporaryFolder()
        docs.write("good.txt", "Een gewoon document.")
        docs.write("empty.txt", "")
        try Data([0x63, 0x61, 0x66, 0xE9, 0x20, 0x6F, 0x6B]).write(to: URL(fileURLWithPath: docs.path + "/latin1.txt"))
        try Data([0x61, 0x00, 0x62]).write(to: URL(fileURLWithPath: docs.path + "/binary.txt"))
        docs.write(".hidden.txt", "verborgen")
        try FileManager.default.createSymbolicLink(atPath: docs.path + "/link.txt", withDestinationPath: docs.path + "/good.txt")
        docs.write("notes.pdf", "niet meegenomen")
        let writer = IndexWriter(indexPath: ix.path)
        var warnings: [String] = []
        writer.warn = { warnings.append($0) }
        let summary = try writer.index(folder: docs.path, options: IndexOptions())
        XCTAssertEqual(summary.added, 3)
        XCTAssertEqual(summary.skipped, 1)
        XCTAssertTrue(warnings.contains { $0.contains("binary.txt") && $0.contains("binary") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("latin1.txt") && $0.lowercased().contains("iso-8859-1") || $0.contains("windows-1252") }, "\(warnings)")
        let dump = try dumpIndex(ix.path)
        XCTAssertEqual(dump["cafe"]?.map(\.path), ["latin1.txt"])
        XCTAssertNil(dump["verborgen"])
        let snapshot = try IndexSnapshot(directory: IndexDirectory(path: ix.path))
        XCTAssertEqual(snapshot.documentCount, 3)
    }

    /// The worked example of `CommonWords`, written by the indexer: "de" is word 1 and
    /// "het" word 3 of `CommonWords.dutch`, so "De kat zag het huis" has the codes 1, 0,
    /// 0, 3, 0, five bits each. The listed terms are what the analysis chain makes of
    /// the most frequent Dutch words.
    func testCommonWordCodesWorkedExample() throws {
        let docs = TemporaryFolder(), ix = TemporaryFolder()
        docs.write("a.txt", "De kat zag het huis")
        docs.write("b.txt", "Water")
        docs.write("c.txt", "als maar worden")
        _ = try index(docs.path, into: ix.path)
        let reader = try SegmentReader(directory: ix.path, name: "seg-000001")
        XCTAssertEqual(reader.commonWords, CommonWords.dutch)
        XCTAssertEqual(reader.commonWordCode(Array("het".utf8)), 3)
        XCTAssertEqual(reader.commonWordCode(Array("kat".utf8)), 0)
        XCTAssertEqual(Array(try reader.wordCodes(of: 0)), [0x01, 0x80, 0x01, 0x00])
        XCTAssertEqual(Array(try reader.wordCodes(of: 1)), [0x00])
        // 20 ("al"), 31 ("maar"), 24 ("wor") from bit 0 on, then a zero bit.
        XCTAssertEqual(Array(try reader.wordCodes(of: 2)), [0b1111_0100, 0b0110_0011])
        let words = ["de", "van", "het", "een", "en", "in", "is", "op", "te", "dat", "die", "voor", "met", "zijn", "niet",
                     "aan", "er", "om", "ook", "als", "bij", "door", "of", "worden", "wordt", "naar", "deze", "over", "uit",
                     "tot", "maar"]
        let analyzer = try Analyzer()
        XCTAssertEqual(try words.map { try analyzer.tokens(of: $0).map { Array($0.term.utf8) } }, CommonWords.dutch.map { [$0] })
    }

    func testUnreadableFolderIsAWalkError() {
        XCTAssertThrowsError(try IndexWriter(indexPath: TemporaryFolder().path).index(folder: "/nonexistent/folder", options: IndexOptions())) { error in
            XCTAssertTrue(error is WalkError)
        }
    }
}
