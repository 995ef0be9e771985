#if canImport(Glibc)
import Glibc
#endif
import Analysis

/// An index folder: manifests, segment files, deletion files and the writer lock.
public struct IndexDirectory: Sendable {
    public let path: String
    public static let lockFileName = "write.lock"

    public init(path: String) {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// The generations of the manifests present, largest first.
    public func manifestGenerations() throws(IndexError) -> [Int] {
        guard SystemCall.isDirectory(path) else { throw .missing(directory: path) }
        return try SystemCall.listDirectory(path).compactMap(Manifest.generation(ofFileName:)).sorted(by: >)
    }

    /// The last committed manifest, or `nil` when the folder holds no index.
    public func latestManifest() throws(IndexError) -> Manifest? {
        try latestManifestAndSize()?.manifest
    }

    /// The last committed manifest and the size of its file in bytes, or `nil` when the
    /// folder holds no index.
    public func latestManifestAndSize() throws(IndexError) -> (manifest: Manifest, bytes: Int)? {
        guard let generation = try manifestGenerations().first else { return nil }
        let name = file(Manifest.fileName(generation: generation))
        let bytes = try SystemCall.readFile(name)
        return (try Manifest.decode(bytes, file: name), bytes.count)
    }

    /// The largest generation of any manifest file and the largest number of any
    /// segment file (`seg-<number>…`) present, whatever their format version: a
    /// rebuild over an index it cannot read names its files after these, so that the
    /// old files stay intact until the new manifest is committed.
    public func highestFileNumbers() throws(IndexError) -> (generation: Int, segment: Int) {
        var generation = 0
        var segment = 0
        for name in try SystemCall.listDirectory(path) {
            if let g = Manifest.generation(ofFileName: name) {
                generation = max(generation, g)
            } else if name.hasPrefix("seg-") {
                let digits = name.dropFirst(4).prefix { $0.isASCII && $0.isNumber }
                if let n = Int(digits) { segment = max(segment, n) }
            }
        }
        return (generation, segment)
    }

    /// Refuses an index built with another analysis chain.
    public static func checkAnalysis(_ manifest: Manifest) throws(IndexError) {
        let expected = AnalysisChain.identifier
        if manifest.analysis != expected {
            throw .analysisMismatch(found: manifest.analysis, expected: expected)
        }
    }

    /// Commits `manifest` as the next generation: written atomically and durably.
    public func commit(_ manifest: Manifest) throws(IndexError) {
        try SystemCall.atomicWrite(manifest.encoded(), to: file(Manifest.fileName(generation: manifest.generation)), directory: path)
    }

    /// Removes every file the newest manifest does not name (older manifests, segments
    /// of interrupted runs, temporary files). Only the writer calls this, under the lock.
    /// Readers that still map a removed segment keep reading it: an unlinked file lives
    /// on until its last mapping goes.
    public func removeUnreferencedFiles(keeping manifest: Manifest) {
        var keep: Set<String> = [Self.lockFileName, Manifest.fileName(generation: manifest.generation)]
        for s in manifest.segments {
            keep.insert(s.segmentFile)
            if let d = s.deletionsFile { keep.insert(d) }
        }
        guard let names = try? SystemCall.listDirectory(path) else { return }
        for name in names where !keep.contains(name) {
            let ours = name.hasPrefix("seg-") || name.hasPrefix("manifest-") || name.hasSuffix(".tmp")
            if ours { unlink(file(name)) }
        }
    }
}

/// The exclusive writer lock (`flock` on `write.lock`). The operating system releases it
/// when the process ends, however it ends, so a killed writer never blocks the next one.
public final class WriterLock {
    private let fd: Int32

    public init(directory: IndexDirectory) throws(IndexError) {
        let path = directory.file(IndexDirectory.lockFileName)
        fd = try SystemCall.open(path, O_RDWR | O_CREAT)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .locked(directory: directory.path) }
            throw .io(path: path, operation: "lock", errno: code)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
