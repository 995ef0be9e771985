import Analysis
import Foundation
import IndexFormat
@testable import Indexer
import XCTest

/// A temporary folder, removed when the test ends.
final class TemporaryFolder {
    let path: String

    init(_ name: String = "searchctl-test") {
        path = NSTemporaryDirectory() + "/\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String) {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! Data(text.utf8).write(to: url)
    }

    func remove(_ relative: String) {
        try! FileManager.default.removeItem(atPath: path + "/" + relative)
    }
}

/// One posting as seen from outside: which document (by path), and where.
struct Posting: Equatable, Comparable, CustomStringConvertible {
    var path: String
    var positions: [Int32]
    static func < (a: Posting, b: Posting) -> Bool { a.path.utf8.lexicographicallyPrecedes(b.path.utf8) }
    var description: String { "\(path)@\(positions)" }
}

/// Every live posting of an index, by term, read through the public reader API.
func dumpIndex(_ indexPath: String) throws -> [String: [Posting]] {
    let snapshot = try IndexSnapshot(directory: IndexDirectory(path: indexPath))
    var result: [String: [Posting]] = [:]
    var positions: [Int32] = []
    for segment in snapshot.segments {
        try segment.reader.forEachTerm { term, info throws(IndexError) in
            let key = String(decoding: term, as: UTF8.self)
            let it = try segment.reader.postings(info)
            while try it.next() != PostingsIterator.exhausted {
                guard segment.isLive(Int(it.doc)) else { continue }
                try it.positions(into: &positions)
                precondition(positions.count == it.frequency)
                result[key, default: []].append(Posting(path: try segment.reader.path(of: Int(it.doc)), positions: positions))
            }
        }
    }
    for k in result.keys { result[k]!.sort() }
    return result
}

/// The same, computed directly from the files with the analyzer: the reference.
func referenceIndex(_ files: [String: String]) throws -> [String: [Posting]] {
    let analyzer = try Analyzer()
    var result: [String: [Posting]] = [:]
    for (path, text) in files {
        var byTerm: [String: [Int32]] = [:]
        for t in try analyzer.tokens(of: text) { byTerm[t.term, default: []].append(Int32(t.position)) }
        for (term, positions) in byTerm { result[term, default: []].append(Posting(path: path, positions: positions)) }
    }
    for k in result.keys { result[k]!.sort() }
    return result
}

/// A small deterministic generator of Dutch-like documents.
struct TextGenerator {
    var state: UInt64
    static let vocabulary = ["de", "het", "een", "aanval", "aanvallen", "Syrië", "syrie", "Rusland", "veto", "in", "Veiligheidsraad",
                             "gifgas", "mensen", "mens", "huizen", "huis", "auto's", "auto’s", "Noord-Korea", "G7-top", "één",
                             "financiële", "financiele", "stad", "minister", "3,5", "zo'n", "beëindigen", "lopen", "gelopen",
                             "president", "Assad", "resolutie", "sancties", "landen", "oorlog", "🙂", "ＡＢＣ", "ﬁets"]

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func document(words: Int) -> String {
        var out: [String] = []
        for i in 0..<words {
            // Skewed: low indexes are much more frequent.
            let r = Double(next() % 10_000) / 10_000
            let w = TextGenerator.vocabulary[Int(r * r * Double(TextGenerator.vocabulary.count))]
            out.append(w + (i % 9 == 8 ? ".\n" : ""))
        }
        return out.joined(separator: " ")
    }
}

func listFiles(_ folder: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: folder))?.sorted() ?? []
}
