/// The commit point: which segments (and which of their deletions) make up the index.
/// Written as `manifest-<generation>` by `IndexDirectory.commit` (temp file, fsync,
/// rename, fsync of the folder); of several, the one with the largest generation is
/// the index. Files no manifest names are garbage from an interrupted run.
///
/// A small UTF-8 text file, one record a line, ending in its own checksum:
/// ```
/// searchctl-manifest 2
/// generation 12
/// analysis icu=72.1 unicode=15.0 stemmer=snowball-dutch-3 spec=1
/// root /home/me/docs
/// next-segment 7
/// segment seg-000003 docs 120 deleted 4 live-tokens 34567 deletions 2
/// crc32 1a2b3c4d
/// ```
/// `crc32` (a CRC-32C, see `Checksum`, despite the key's name) covers every byte before
/// its line. `deletions 0` means no deletions file.
public struct Manifest: Sendable, Equatable {
    /// 1: the first; 2: its `crc32` line is a CRC-32C (`SegmentFormat.versionCRC32C`).
    public static let formatVersion: UInt32 = 2
    public static let supportedVersions: ClosedRange<UInt32> = 2...2

    public struct Segment: Sendable, Equatable {
        public var name: String
        public var documentCount: Int
        public var deletedCount: Int
        /// Sum of the lengths of the live documents.
        public var liveTokens: Int
        /// Generation of the deletions file (`<name>.del-<gen>`), 0 for none.
        public var deletionsGeneration: Int

        public init(name: String, documentCount: Int, deletedCount: Int, liveTokens: Int, deletionsGeneration: Int) {
            self.name = name
            self.documentCount = documentCount
            self.deletedCount = deletedCount
            self.liveTokens = liveTokens
            self.deletionsGeneration = deletionsGeneration
        }

        public var liveCount: Int { documentCount - deletedCount }
        public var deletionsFile: String? { deletionsGeneration == 0 ? nil : "\(name).del-\(deletionsGeneration)" }
        public var segmentFile: String { SegmentFormat.fileName(segment: name) }
    }

    public var generation: Int
    public var analysis: String
    /// The folder that was indexed (absolute), empty before the first `index`.
    public var root: String
    public var nextSegment: Int
    public var segments: [Segment]

    public init(generation: Int = 0, analysis: String, root: String = "", nextSegment: Int = 1, segments: [Segment] = []) {
        self.generation = generation
        self.analysis = analysis
        self.root = root
        self.nextSegment = nextSegment
        self.segments = segments
    }

    public static func fileName(generation: Int) -> String { "manifest-\(generation)" }

    /// The generation in a manifest file name, or `nil` for other names.
    public static func generation(ofFileName name: String) -> Int? {
        guard name.hasPrefix("manifest-") else { return nil }
        let digits = name.dropFirst("manifest-".count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    public var liveDocuments: Int { segments.reduce(0) { $0 + $1.liveCount } }
    public var deletedDocuments: Int { segments.reduce(0) { $0 + $1.deletedCount } }
    public var liveTokens: Int { segments.reduce(0) { $0 + $1.liveTokens } }

    public func encoded() -> [UInt8] {
        var text = "searchctl-manifest \(Self.formatVersion)\n"
        text += "generation \(generation)\n"
        text += "analysis \(analysis)\n"
        text += "root \(Self.escape(root))\n"
        text += "next-segment \(nextSegment)\n"
        for s in segments {
            text += "segment \(s.name) docs \(s.documentCount) deleted \(s.deletedCount) live-tokens \(s.liveTokens) deletions \(s.deletionsGeneration)\n"
        }
        var bytes = Array(text.utf8)
        bytes += Array("crc32 \(hex(Checksum.crc32(bytes)))\n".utf8)
        return bytes
    }

    static func escape(_ s: String) -> String {
        s.replacingAll("%", with: "%25").replacingAll("\n", with: "%0A").replacingAll("\r", with: "%0D")
    }

    static func unescape(_ s: Substring) -> String {
        String(s).replacingAll("%0A", with: "\n").replacingAll("%0D", with: "\r").replacingAll("%25", with: "%")
    }

    public static func decode(_ bytes: [UInt8], file: String) throws(IndexError) -> Manifest {
        func damaged(_ reason: String) -> IndexError { .corrupt(file: file, offset: nil, reason: reason) }
        guard let lastLineStart = bytes.dropLast().lastIndex(of: UInt8(ascii: "\n")).map({ $0 + 1 }),
              bytes.last == UInt8(ascii: "\n") else {
            throw damaged("manifest is truncated")
        }
        let crcLine = String(decoding: bytes[lastLineStart..<(bytes.count - 1)], as: UTF8.self)
        guard crcLine.hasPrefix("crc32 "), let stored = UInt32(crcLine.dropFirst(6), radix: 16) else {
            throw damaged("manifest has no checksum line (truncated?)")
        }
        let body = Array(bytes[..<lastLineStart])
        let actual = Checksum.crc32(body)
        // Lines and fields are split on the bytes / scalars "\n" and " ", not on
        // Characters: a combining mark after a separator would join it into one grapheme.
        let lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            .map { String(decoding: $0, as: UTF8.self) }
        guard let first = lines.first, first.hasPrefix("searchctl-manifest "), let version = UInt32(first.dropFirst(19)) else {
            throw damaged("not a searchctl manifest")
        }
        guard supportedVersions.contains(version) else {
            throw .unsupportedVersion(file: file, found: version, supported: supportedVersions)
        }
        guard stored == actual else {
            throw damaged("manifest checksum mismatch (stored \(hex(stored)), computed \(hex(actual)))")
        }
        var m = Manifest(analysis: "")
        for line in lines.dropFirst() {
            // `key value`: the value is the rest of the line after the first space.
            guard !line.isEmpty else { throw damaged("empty line in manifest") }
            let parts = line.unicodeScalars.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(Substring.init)
            let value = parts.count > 1 ? parts[1] : ""
            switch parts[0] {
            case "generation":
                guard let g = Int(value) else { throw damaged("bad generation") }
                m.generation = g
            case "analysis": m.analysis = String(value)
            case "root": m.root = unescape(value)
            case "next-segment":
                guard let n = Int(value) else { throw damaged("bad next-segment") }
                m.nextSegment = n
            case "segment":
                let f = value.split(separator: " ")
                guard f.count == 9, f[1] == "docs", f[3] == "deleted", f[5] == "live-tokens", f[7] == "deletions",
                      let docs = Int(f[2]), let deleted = Int(f[4]), let tokens = Int(f[6]), let del = Int(f[8]),
                      docs >= 0, deleted >= 0, deleted <= docs, tokens >= 0, del >= 0,
                      f[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                    throw damaged("bad segment line '\(line)'")
                }
                m.segments.append(Segment(name: String(f[0]), documentCount: docs, deletedCount: deleted, liveTokens: tokens, deletionsGeneration: del))
            default:
                break  // unknown records from a newer minor revision are ignored
            }
        }
        return m
    }
}

extension String {
    /// Every occurrence of `target` replaced, matched in Unicode scalars (a Character
    /// match would miss `%0D` when a combining mark follows the `D`).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let pattern = Array(target.unicodeScalars)
        let scalars = Array(unicodeScalars)
        guard !pattern.isEmpty, scalars.count >= pattern.count else { return self }
        var result = String.UnicodeScalarView()
        var i = 0
        var changed = false
        while i < scalars.count {
            if i + pattern.count <= scalars.count, scalars[i..<(i + pattern.count)].elementsEqual(pattern) {
                result.append(contentsOf: replacement.unicodeScalars)
                i += pattern.count
                changed = true
            } else {
                result.append(scalars[i])
                i += 1
            }
        }
        return changed ? String(result) : self
    }
}
