// Fuzz target: `Manifest.decode(_:file:)`, the commit point's text format. Each input
// is decoded as it is and, when that differs, with its `crc32` line recomputed
// (ChecksumRepair.manifest), so mutations reach the record parsing behind the check.
//
// Property checked besides "no crash": a decoded manifest encodes to bytes that
// decode to the same manifest.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import IndexFormat

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    writeSeedsIfRequested(ManifestSeeds.all)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    decode(bytes)
    let repaired = ChecksumRepair.manifest(bytes)
    if repaired != bytes { decode(repaired) }
    _ = Manifest.generation(ofFileName: String(decoding: bytes.prefix(40), as: UTF8.self))
    return 0
}

func decode(_ bytes: [UInt8]) {
    let manifest: Manifest
    do {
        manifest = try Manifest.decode(bytes, file: "manifest-1")
    } catch {
        _ = error.description
        return
    }
    _ = (manifest.liveDocuments, manifest.deletedDocuments, manifest.liveTokens)
    for s in manifest.segments { _ = (s.liveCount, s.deletionsFile, s.segmentFile) }
    let encoded = manifest.encoded()
    do {
        let again = try Manifest.decode(encoded, file: "manifest-1")
        fuzzCheck(again == manifest, "\(manifest) encodes as \(String(decoding: encoded, as: UTF8.self).debugDescription), which decodes as \(again)")
    } catch {
        fuzzCheck(false, "\(manifest) encodes as \(String(decoding: encoded, as: UTF8.self).debugDescription), which does not decode: \(error)")
    }
}

enum ManifestSeeds {
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let sample = try SampleIndex.build(in: Scratch.folder("sample"))
        var seeds: [(name: String, bytes: [UInt8])] = []
        for index in [sample.small, sample.large] {
            for file in SampleIndex.files(of: index) where file.name.hasPrefix("manifest-") {
                let name = (index == sample.small ? "small-" : "large-") + file.name
                seeds.append((name, try SampleIndex.normalizedManifest(file.bytes, file: file.name)))
            }
        }
        let escaped = Manifest(generation: 7, analysis: "icu=72.1 unicode=15.0 stemmer=snowball-dutch-3 spec=1",
                               root: "/home/me/100%\ndocs\r", nextSegment: 12, segments: [
                                   .init(name: "seg-000003", documentCount: 120, deletedCount: 4, liveTokens: 34567, deletionsGeneration: 2),
                                   .init(name: "seg-000011", documentCount: 1, deletedCount: 0, liveTokens: 0, deletionsGeneration: 0),
                               ])
        seeds.append(("escaped", escaped.encoded()))
        seeds.append(("empty", Manifest(analysis: "").encoded()))
        // Not decodable as they are: no checksum line, an unknown version.
        let current = "searchctl-manifest \(Manifest.formatVersion)"
        seeds.append(("no-crc", Array("\(current)\ngeneration 1\nanalysis x\nroot \nnext-segment 1\n".utf8)))
        seeds.append(("version-next", Array(String(decoding: escaped.encoded(), as: UTF8.self)
                .replacingOccurrences(current, "searchctl-manifest \(Manifest.formatVersion + 1)").utf8)))
        return seeds
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
