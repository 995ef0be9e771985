/// One segment of a snapshot: its reader and its deletions.
public struct LiveSegment: @unchecked Sendable {
    public let info: Manifest.Segment
    public let reader: SegmentReader
    public let deletions: DeletionBitmap?
    /// The size of the deletions file in bytes (0 without one), as it was opened.
    public var deletionsBytes = 0

    @inline(__always)
    public func isLive(_ doc: Int) -> Bool {
        guard let deletions else { return true }
        return !deletions.isDeleted(doc)
    }
}

/// A consistent, read-only view of the last commit: the manifest and its segments,
/// mapped into memory. Opening costs O(number of segments); nothing else is read until
/// a query asks for it. A running writer never blocks it.
public final class IndexSnapshot: @unchecked Sendable {
    public let directory: IndexDirectory
    public let manifest: Manifest
    public let segments: [LiveSegment]
    /// The size of the manifest file in bytes, as it was read (a writer may remove the
    /// file once it commits a newer one).
    public let manifestBytes: Int

    /// Live documents (`N` of BM25).
    public var documentCount: Int { manifest.liveDocuments }
    /// Sum of the live documents' lengths.
    public var tokenCount: Int { manifest.liveTokens }
    /// `avgdl` of BM25.
    public var averageLength: Double { documentCount == 0 ? 0 : Double(tokenCount) / Double(documentCount) }

    public init(directory: IndexDirectory, checkAnalysis: Bool = true) throws(IndexError) {
        self.directory = directory
        var attempt = 0
        while true {
            attempt += 1
            do throws(IndexError) {
                guard let (manifest, manifestBytes) = try directory.latestManifestAndSize() else {
                    throw IndexError.missing(directory: directory.path)
                }
                if checkAnalysis { try IndexDirectory.checkAnalysis(manifest) }
                var segments: [LiveSegment] = []
                var names = Set<String>()
                for s in manifest.segments {
                    guard names.insert(s.name).inserted else {
                        throw IndexError.corrupt(file: directory.file(Manifest.fileName(generation: manifest.generation)),
                                                 offset: nil, reason: "names segment \(s.name) twice")
                    }
                    let reader = try SegmentReader(directory: directory.path, name: s.name)
                    guard reader.documentCount == s.documentCount else {
                        throw IndexError.corrupt(file: reader.path, offset: nil,
                                                 reason: "holds \(reader.documentCount) documents, the manifest says \(s.documentCount)")
                    }
                    var deletions: DeletionBitmap?
                    var deletionsBytes = 0
                    if let d = s.deletionsFile {
                        let file = try MappedFile(path: directory.file(d))
                        deletionsBytes = file.bytes.count
                        deletions = try DeletionBitmap.decode(file.bytes, file: file.path, expectedDocuments: s.documentCount)
                        guard deletions!.deletedCount == s.deletedCount else {
                            throw IndexError.corrupt(file: file.path, offset: nil, reason: "deleted count differs from the manifest")
                        }
                    }
                    segments.append(LiveSegment(info: s, reader: reader, deletions: deletions, deletionsBytes: deletionsBytes))
                }
                self.manifest = manifest
                self.manifestBytes = manifestBytes
                self.segments = segments
                return
            } catch {
                // A writer may have committed and removed the files of the manifest we
                // read between our listing and our opening: read the new commit.
                if case .corrupt(_, _, let reason) = error, reason == "file is missing", attempt < 5 { continue }
                if case .io(_, _, let code) = error, code == 2 /* ENOENT */, attempt < 5 { continue }
                throw error
            }
        }
    }
}
