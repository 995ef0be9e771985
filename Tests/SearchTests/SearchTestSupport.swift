// SearchTestSupport.swift
//
// Helpers shared by the Search tests: a temporary folder of documents, an index
// built from it with the real `IndexWriter`, and a `Searcher` on the last commit.

import Foundation
import XCTest
import Analysis
import IndexFormat
import Indexer
@testable import Search

/// A temporary corpus folder and index folder, removed by `remove()`.
final class TemporaryCorpus {
    let root: URL
    let documents: URL
    let index: URL

    init(name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("searchtests-\(safe)-\(UUID().uuidString)", isDirectory: true)
        documents = root.appendingPathComponent("docs", isDirectory: true)
        index = root.appendingPathComponent("index", isDirectory: true)
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    /// Writes `text` (UTF-8) to `path` (relative, `/`-separated) and, when given, sets
    /// its modification time so that the incremental indexer sees the change.
    func write(_ path: String, _ text: String, modified: Date? = nil) throws {
        let url = documents.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        if let modified {
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: url.path)
        }
    }

    func delete(_ path: String) throws {
        try FileManager.default.removeItem(at: documents.appendingPathComponent(path))
    }

    /// Runs `IndexWriter.index` on the documents folder.
    @discardableResult
    func indexDocuments(memoryMB: Int = 256, threads: Int = 2) throws -> IndexSummary {
        var options = IndexOptions()
        options.memoryMB = memoryMB
        options.threads = threads
        let writer = IndexWriter(indexPath: index.path)
        return try writer.index(folder: documents.path, options: options)
    }

    func snapshot() throws -> IndexSnapshot {
        try IndexSnapshot(directory: IndexDirectory(path: index.path))
    }

    func searcher() throws -> Searcher {
        try Searcher(snapshot: snapshot())
    }
}

extension SearchOptions {
    /// Options with a limit and optional BM25 parameters, snippets off unless asked.
    static func with(limit: Int = 100, offset: Int = 0, requireAll: Bool = false,
                     k1: Double? = nil, b: Double? = nil, snippets: Bool = false) -> SearchOptions {
        var o = SearchOptions()
        o.limit = limit
        o.offset = offset
        o.requireAll = requireAll
        if let k1 { o.k1 = k1 }
        if let b { o.b = b }
        o.snippets = snippets
        return o
    }
}

/// `a` and `b` agree to `tolerance`, relative to the larger magnitude (absolute below 1).
func nearlyEqual(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(abs(a), abs(b), 1)
}
