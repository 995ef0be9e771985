#if canImport(Glibc)
import Glibc
#endif
import Analysis
import Dispatch
import IndexFormat
import Synchronization

/// What `IndexWriter.index` is asked to do.
public struct IndexOptions: Sendable {
    public var includes: [String] = FolderWalker.defaultIncludes
    public var excludes: [String] = []
    /// Worker threads for analysis (default: the number of cores).
    public var threads: Int = IndexWriter.defaultThreads
    /// The in-memory buffer flushes to a segment at about this size (default:
    /// `IndexWriter.defaultMemoryMB`).
    public var memoryMB: Int = IndexWriter.defaultMemoryMB
    /// Start from an empty index.
    public var rebuild = false
    /// Segments per size tier before the automatic merge policy merges them.
    public var mergeFactor = 10

    public init() {}
}

/// What an `index` run did.
public struct IndexSummary: Sendable, Equatable {
    public var added = 0
    public var updated = 0
    public var removed = 0
    public var unchanged = 0
    public var skipped = 0
    public var bytesRead = 0
    public var segmentsWritten = 0
    public var segmentsMerged = 0
    public var documents = 0
    public var committed = false
}

/// Progress of a run, for the progress line.
public struct IndexProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int
    public var bytesTotal: Int
}

/// Builds and updates an index from a folder (SPEC section 5): incremental by path,
/// size, modification time and content hash; parallel analysis; bounded memory;
/// segments committed atomically through a new manifest; one writer at a time.
public final class IndexWriter {
    public static var defaultThreads: Int { Processors.available() }

    /// The default memory budget, 256 MB (SPEC section 5). A larger one makes fewer,
    /// larger segments, and a query visits each segment (its own term lookups and list
    /// starts): the generated 100,000-document corpus (214 MB) fits one segment with
    /// `--memory-mb 1024` (peak 334 MB) and takes three with 256 (peak 220 MB), where the
    /// median of its mix's phrase queries was 0.246–0.257 ms instead of 0.208–0.211, and
    /// of its term queries 0.082–0.087 instead of 0.072–0.077; `searchctl merge` makes
    /// one segment of them afterwards.
    public static let defaultMemoryMB = 256

    public let directory: IndexDirectory
    public var warn: (String) -> Void = { _ in }
    public var progress: ((IndexProgress) -> Void)?

    public init(indexPath: String) {
        directory = IndexDirectory(path: indexPath)
    }

    // MARK: index

    /// Indexes `folder`. - Throws: `IndexError`, `WalkError` (the folder cannot be read),
    /// `AnalysisError` (ICU cannot be set up).
    public func index(folder: String, options: IndexOptions) throws -> IndexSummary {
        try SystemCall.makeDirectories(directory.path)
        let lock = try WriterLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        let (previous, taken) = try previousManifest(rebuild: options.rebuild)
        if let previous { directory.removeUnreferencedFiles(keeping: previous) }
        if let previous, !options.rebuild { try IndexDirectory.checkAnalysis(previous) }

        var root = folder
        if let resolved = realpath(folder, nil) {
            root = String(cString: resolved)
            free(resolved)
        }
        // The workers' analyzers (ICU iterators, normalizer, stemmer) are set up on another
        // core while this thread walks the folder and trains the stored-text dictionary.
        let analyzers = AnalyzerSetup(count: max(1, options.threads))
        let walker = FolderWalker(includes: options.includes, excludes: options.excludes, warn: warn)
        var files = try walker.walk(root)

        var manifest = Manifest(generation: (previous?.generation ?? taken.generation) + 1, analysis: AnalysisChain.identifier,
                                root: root, nextSegment: previous?.nextSegment ?? taken.segment + 1)
        var summary = IndexSummary()

        // What the index holds now.
        var segments: [WorkingSegment] = []
        var existing: [String: IndexedFile] = [:]
        if previous != nil, !options.rebuild {
            let snapshot = try IndexSnapshot(directory: directory)
            for (s, live) in snapshot.segments.enumerated() {
                segments.append(WorkingSegment(info: live.info, reader: live.reader,
                                               deletions: live.deletions ?? DeletionBitmap(documentCount: live.info.documentCount),
                                               changed: false))
                existing.reserveCapacity(existing.count + live.info.liveCount)
                for d in 0..<live.reader.documentCount where live.isLive(d) {
                    let record = try live.reader.document(d)
                    existing[record.path] = IndexedFile(segment: Int32(s), doc: Int32(d), size: record.size,
                                                        mtime: record.mtime, contentHash: record.contentHash)
                }
            }
        }

        // Plan: new and changed files are analyzed; unchanged ones are left alone.
        var todo: [FileEntry] = []
        for file in files {
            existing[file.relativePath]?.seen = true
            if let old = existing[file.relativePath], old.size == file.size, old.mtime == file.mtime {
                summary.unchanged += 1
            } else {
                todo.append(file)
            }
        }
        for (_, old) in existing where !old.seen {
            segments[Int(old.segment)].delete(Int(old.doc))
            summary.removed += 1
        }
        files = []

        // Analyze in parallel, add in path order, flush at the memory bound.
        let dictionary = storedDictionary(for: todo, existing: segments)
        var builder = SegmentBuilder(storedDictionaries: dictionary.map { [$0] } ?? [])
        // The buffer and the segment being written from it are both in memory at flush time.
        let flushBytes = max(1, options.memoryMB) * 1024 * 1024 * 2 / 5
        var workers = try analyzers.wait()
        for w in workers { w.storedDictionary = dictionary }
        let totalBytes = todo.reduce(0) { $0 + Int($1.size) }
        var done = 0
        // Batches of at most 512 files or 16 MB; batch k+1 is analyzed by the workers
        // while this thread adds batch k to the buffer.
        var batches: [(range: Range<Int>, bytes: Int)] = []
        var cursor = 0
        while cursor < todo.count {
            var end = cursor
            var batchBytes = 0
            while end < todo.count && end - cursor < 512 && batchBytes < 16 << 20 {
                batchBytes += Int(todo[end].size)
                end += 1
            }
            batches.append((cursor..<end, batchBytes))
            cursor = end
        }
        // Batches are queued ahead of the one being added — at least `lookahead`, and up
        // to `lookaheadBytes` of input (1/8 of the memory budget) — so that the workers
        // keep going while this thread writes a segment.
        let lookahead = 3
        let lookaheadBytes = max(1, options.memoryMB) * 1024 * 1024 / 8
        let queue = DispatchQueue(label: "searchctl.analysis")
        var pending: [PendingAnalysis] = []
        var queued = 0
        var queuedBytes = 0
        var addedBytes = 0
        for (batchIndex, (range, bytes)) in batches.enumerated() {
            while queued < batches.count && (queued <= batchIndex + lookahead || queuedBytes - addedBytes < lookaheadBytes) {
                pending.append(startAnalysis(Array(todo[batches[queued].range]), workers: workers, existing: existing, on: queue))
                queuedBytes += batches[queued].bytes
                queued += 1
            }
            defer { addedBytes += bytes }
            let batch = Array(todo[range])
            let results = pending.removeFirst().wait()
            let end = range.upperBound
            for (file, result) in zip(batch, results) {
                let old = existing[file.relativePath]
                switch result {
                case .unchanged:
                    summary.unchanged += 1
                case let .document(doc):
                    if let charset = doc.detectedCharset {
                        warn("\(file.relativePath): not valid UTF-8, decoded as \(charset)")
                    }
                    if let old {
                        segments[Int(old.segment)].delete(Int(old.doc))
                        summary.updated += 1
                    } else {
                        summary.added += 1
                    }
                    summary.bytesRead += Int(file.size)
                    builder.add(doc)
                    if builder.memoryUsage >= flushBytes {
                        segments.append(try flush(&builder, manifest: &manifest, threads: options.threads))
                        summary.segmentsWritten += 1
                    }
                case let .skipped(reason):
                    warn("skipped \(file.relativePath): \(reason)")
                    summary.skipped += 1
                    if let old {
                        segments[Int(old.segment)].delete(Int(old.doc))
                        summary.removed += 1
                    }
                }
                done += Int(file.size)
            }
            progress?(IndexProgress(filesDone: end, filesTotal: todo.count, bytesDone: done, bytesTotal: totalBytes))
        }
        if !builder.isEmpty {
            segments.append(try flush(&builder, manifest: &manifest, threads: options.threads))
            summary.segmentsWritten += 1
        }
        // Merging needs none of the analysis state: give its memory back first (the
        // workers' vocabularies, the buffer's, the file lists of a large run).
        workers = []
        builder = SegmentBuilder()
        todo = []
        batches = []
        existing = [:]

        let changed = summary.segmentsWritten > 0 || segments.contains { $0.changed } || options.rebuild || previous == nil
        if !changed {
            summary.documents = previous?.liveDocuments ?? 0
            return summary
        }
        // Segments left empty by deletions are dropped; crowded tiers are merged.
        segments.removeAll { $0.liveCount == 0 }
        summary.segmentsMerged = try applyMergePolicy(&segments, manifest: &manifest, factor: options.mergeFactor)
        try commit(segments, manifest: &manifest)
        summary.documents = manifest.liveDocuments
        summary.committed = true
        return summary
    }

    /// The preset dictionary for this run's stored text, with its code: the one of the
    /// index's largest segment when it has one (so that merges keep one copy; a code is
    /// trained for it when it has none), else one trained on up to
    /// `StoredTextDictionary.sampleSize` bytes spread evenly over the files to index (the
    /// first 16 KiB of every k-th file, in path order: the same files give the same
    /// dictionary whatever the thread count), or `nil` for a sample too small to pay.
    private func storedDictionary(for files: [FileEntry], existing segments: [WorkingSegment]) -> StoredTextDictionary? {
        if files.isEmpty { return nil }
        var reused: StoredTextDictionary?
        if let largest = segments.max(by: { $0.info.documentCount < $1.info.documentCount }),
           let first = largest.reader.storedDictionaries.first {
            reused = StoredTextDictionary(bytes: Array(first), code: largest.reader.storedCodes[0])
            if reused?.code != nil { return reused }
        }
        let perFile = 16 << 10
        let totalBytes = files.reduce(0) { $0 + min(Int($1.size), perFile) }
        let sampleSize = StoredTextDictionary.sampleSize(forInput: totalBytes)
        let step = max(1, totalBytes / sampleSize)
        var samples: [[UInt8]] = []
        var buffer: [UInt8] = []
        var sampled = 0
        for i in stride(from: 0, to: files.count, by: step) where sampled < sampleSize {
            guard let n = try? Self.readPrefix(files[i].absolutePath, count: perFile, into: &buffer), n > 0 else { continue }
            // Binary files are skipped by the indexer; keep them out of the sample too.
            if buffer[0..<min(n, 8192)].contains(0) { continue }
            samples.append(Array(buffer[0..<n]))
            sampled += n
        }
        // The code that goes with the dictionary, trained on the same sample (for the
        // dictionary of a segment of a version before 8, which has none, on this run's).
        return (reused ?? StoredTextDictionary.train(samples: samples))?.withCode(trainedOn: samples)
    }

    /// Reads at most `count` bytes from the start of a regular file into `bytes`.
    static func readPrefix(_ path: String, count: Int, into bytes: inout [UInt8]) throws(ReadError) -> Int {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw ReadError(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw ReadError(description: "not a regular file") }
        if bytes.count != count { bytes = [UInt8](repeating: 0, count: count) }
        return try readToEndOrFull(fd, into: &bytes, from: 0)
    }

    /// Reads `fd` into `bytes[offset...]` until its end or until `bytes` is full; returns
    /// the offset reached.
    private static func readToEndOrFull(_ fd: Int32, into bytes: inout [UInt8], from offset: Int) throws(ReadError) -> Int {
        var offset = offset
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            offset += n
        }
        return offset
    }

    /// What the index knows of a file it holds (compact: a million of them fit in
    /// about 100 MB with their paths).
    struct IndexedFile {
        var segment: Int32
        var doc: Int32
        var size: UInt64
        var mtime: Int64
        var contentHash: UInt64
        /// Found again by this run's walk.
        var seen = false
    }

    private enum FileResult {
        case document(AnalyzedDocument)
        case unchanged
        case skipped(String)
    }

    private final class ResultSlots: @unchecked Sendable {
        let slots: UnsafeMutableBufferPointer<FileResult?>
        init(count: Int) { slots = .allocate(capacity: count); slots.initialize(repeating: nil) }
        deinit { slots.deinitialize(); slots.deallocate() }
    }

    private struct Shared: @unchecked Sendable {
        let files: [FileEntry]
        let workers: [DocumentAnalyzer]
        let existing: [String: IndexedFile]
        let slots: ResultSlots
    }

    /// `count` document analyzers, made on a background thread.
    private final class AnalyzerSetup: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<[DocumentAnalyzer], AnalysisError> = .success([])

        init(count: Int) {
            DispatchQueue.global().async {
                self.result = Result { () throws(AnalysisError) in
                    try (0..<count).map { (w) throws(AnalysisError) in try DocumentAnalyzer(worker: w) }
                }
                self.done.signal()
            }
        }

        func wait() throws(AnalysisError) -> [DocumentAnalyzer] {
            done.wait()
            return try result.get()
        }
    }

    /// Results of a batch being analyzed in the background.
    private final class PendingAnalysis: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var results: [FileResult] = []
        func wait() -> [FileResult] {
            done.wait()
            return results
        }
    }

    /// Analyzes `files` on the workers; batches queued on the same serial `queue` run one
    /// after another (the workers are not shared between batches running at once).
    private func startAnalysis(_ files: [FileEntry], workers: [DocumentAnalyzer],
                               existing: [String: IndexedFile],
                               on queue: DispatchQueue) -> PendingAnalysis {
        let pending = PendingAnalysis()
        let shared = Shared(files: files, workers: workers, existing: existing, slots: ResultSlots(count: files.count))
        queue.async {
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: min(shared.workers.count, shared.files.count)) { w in
                let worker = shared.workers[w]
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= shared.files.count { break }
                    shared.slots.slots[i] = Self.analyze(shared.files[i], worker: worker,
                                                         previousHash: shared.existing[shared.files[i].relativePath]?.contentHash)
                }
            }
            pending.results = shared.slots.slots.map { $0! }
            pending.done.signal()
        }
        return pending
    }

    private static func analyze(_ file: FileEntry, worker: DocumentAnalyzer, previousHash: UInt64?) -> FileResult {
        let count: Int
        do {
            count = try readFile(file.absolutePath, limit: TextDecoder.maximumLength, into: &worker.readBuffer)
        } catch {
            return .skipped(error.description)
        }
        // Do not keep a huge buffer alive for the rest of the run.
        defer { if worker.readBuffer.count > 64 << 20 { worker.readBuffer = [] } }
        return worker.readBuffer.withUnsafeBytes { whole in
            let raw = UnsafeRawBufferPointer(rebasing: whole[0..<count])
            let hash = ContentHash.hash(raw)
            if let previousHash, previousHash == hash, UInt64(raw.count) == file.size { return .unchanged }
            do {
                return .document(try worker.analyze(raw, path: file.relativePath, size: UInt64(raw.count),
                                                    mtime: file.mtime, contentHash: hash))
            } catch {
                return .skipped("\(error)")
            }
        }
    }

    struct ReadError: Error, CustomStringConvertible { var description: String }

    /// Reads a file (up to `limit` bytes; a larger one is an error) into the start of
    /// `bytes` (grown as needed, reused between files); returns its length.
    static func readFile(_ path: String, limit: Int, into bytes: inout [UInt8]) throws(ReadError) -> Int {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw ReadError(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ReadError(description: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw ReadError(description: "not a regular file") }
        guard Int(st.st_size) <= limit else { throw ReadError(description: "larger than \(limit >> 20) MiB") }
        if bytes.count < Int(st.st_size) + 1 {
            bytes = [UInt8](repeating: 0, count: max(Int(st.st_size) + 1, 1 << 16))
        }
        var offset = 0
        while true {
            offset = try readToEndOrFull(fd, into: &bytes, from: offset)
            if offset < bytes.count { return offset }
            // The file may have grown since stat: read on in chunks up to the limit.
            if bytes.count >= limit { throw ReadError(description: "larger than \(limit >> 20) MiB") }
            bytes.append(contentsOf: repeatElement(0, count: max(4096, min(bytes.count, limit - bytes.count))))
        }
    }

    // MARK: segments

    /// A segment of the index being built: its manifest entry and its deletions so far.
    struct WorkingSegment {
        var info: Manifest.Segment
        var reader: SegmentReader
        var deletions: DeletionBitmap
        /// Deletions were added in this run.
        var changed: Bool

        var liveCount: Int { info.documentCount - deletions.deletedCount }

        mutating func delete(_ doc: Int) {
            if deletions.isDeleted(doc) { return }
            deletions.delete(doc)
            info.deletedCount = deletions.deletedCount
            info.liveTokens -= reader.length(of: doc)
            changed = true
        }
    }

    /// The last commit, and the generation and segment numbers a new one must start
    /// after. An index of a format version this build does not read is what `--rebuild`
    /// is for: it starts from nothing, with file names after all of the old index's, whose
    /// files stay until the new manifest is committed.
    private func previousManifest(rebuild: Bool) throws(IndexError) -> (Manifest?, (generation: Int, segment: Int)) {
        do {
            return (try directory.latestManifest(), (0, 0))
        } catch {
            guard rebuild, case .unsupportedVersion = error else { throw error }
            return (nil, try directory.highestFileNumbers())
        }
    }

    private func newSegmentName(_ manifest: inout Manifest) -> String {
        let n = manifest.nextSegment
        manifest.nextSegment += 1
        let digits = String(n)
        return "seg-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private func flush(_ builder: inout SegmentBuilder, manifest: inout Manifest, threads: Int) throws(IndexError) -> WorkingSegment {
        let name = newSegmentName(&manifest)
        let info = try builder.flush(directory: directory.path, name: name, threads: threads)
        return try opened(info)
    }

    private func opened(_ info: SegmentInfo) throws(IndexError) -> WorkingSegment {
        let reader = try SegmentReader(directory: directory.path, name: info.name)
        let entry = Manifest.Segment(name: info.name, documentCount: info.documentCount, deletedCount: 0,
                                     liveTokens: info.tokenCount, deletionsGeneration: 0)
        return WorkingSegment(info: entry, reader: reader, deletions: DeletionBitmap(documentCount: info.documentCount), changed: false)
    }

    /// Tiered merging: segments are grouped by the order of magnitude of their live
    /// document count; a tier with `factor` or more segments is merged into one, and a
    /// segment with more than half of its documents deleted is rewritten.
    /// - Returns: the number of segments merged away.
    private func applyMergePolicy(_ segments: inout [WorkingSegment], manifest: inout Manifest, factor: Int) throws(IndexError) -> Int {
        var merged = 0
        while true {
            var tiers: [Int: [Int]] = [:]
            for (i, s) in segments.enumerated() {
                var tier = 0
                var n = s.liveCount
                while n >= 10 { n /= 10; tier += 1 }
                tiers[tier, default: []].append(i)
            }
            var group: [Int]? = tiers.values.filter { $0.count >= max(2, factor) }.min { $0.count < $1.count }
            if group == nil, let sparse = segments.indices.first(where: { segments[$0].deletions.deletedCount * 2 > segments[$0].info.documentCount }) {
                group = [sparse]
            }
            guard let chosen = group else { return merged }
            try mergeSegments(chosen, in: &segments, manifest: &manifest)
            merged += chosen.count
        }
    }

    private func mergeSegments(_ indices: [Int], in segments: inout [WorkingSegment], manifest: inout Manifest) throws(IndexError) {
        let inputs = indices.map { SegmentMerger.Input(reader: segments[$0].reader, deletions: segments[$0].deletions) }
        let name = newSegmentName(&manifest)
        let info = try SegmentMerger.merge(inputs, directory: directory.path, name: name)
        let set = Set(indices)
        var kept = segments.enumerated().filter { !set.contains($0.offset) }.map(\.element)
        if info.documentCount > 0 { kept.append(try opened(info)) }
        segments = kept
    }

    /// Writes the changed deletion bitmaps, then the manifest; removes what it no longer names.
    private func commit(_ segments: [WorkingSegment], manifest: inout Manifest) throws(IndexError) {
        manifest.segments = []
        for var s in segments {
            if s.changed {
                s.info.deletionsGeneration = manifest.generation
                try SystemCall.atomicWrite(s.deletions.encoded(), to: directory.file(s.info.deletionsFile!), directory: directory.path)
            }
            manifest.segments.append(s.info)
        }
        try SystemCall.fsyncDirectory(directory.path)
        try directory.commit(manifest)
        directory.removeUnreferencedFiles(keeping: manifest)
    }

    // MARK: merge

    /// Merges every segment into one and drops deleted documents (`searchctl merge`).
    public func mergeAll() throws -> (before: Int, after: Int) {
        guard SystemCall.isDirectory(directory.path) else { throw IndexError.missing(directory: directory.path) }
        let lock = try WriterLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        guard let previous = try directory.latestManifest() else { throw IndexError.missing(directory: directory.path) }
        directory.removeUnreferencedFiles(keeping: previous)
        try IndexDirectory.checkAnalysis(previous)
        let snapshot = try IndexSnapshot(directory: directory)
        let before = snapshot.segments.count
        if before <= 1 && previous.deletedDocuments == 0 { return (before, before) }
        var manifest = previous
        manifest.generation += 1
        var segments = snapshot.segments.map {
            WorkingSegment(info: $0.info, reader: $0.reader,
                           deletions: $0.deletions ?? DeletionBitmap(documentCount: $0.info.documentCount), changed: false)
        }
        try mergeSegments(Array(segments.indices), in: &segments, manifest: &manifest)
        try commit(segments, manifest: &manifest)
        return (before, segments.count)
    }
}
