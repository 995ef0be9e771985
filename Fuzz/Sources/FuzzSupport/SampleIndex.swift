// Real index files to seed the fuzzers with: a few small Dutch documents indexed by
// the real `IndexWriter` (then changed and indexed again, so that there are deletions),
// and a second index of 140 tiny documents so that a term has a full 128-document
// postings block with its skip entry.
#if canImport(Glibc)
import Glibc
#endif
import Analysis
import IndexFormat
import Indexer

public struct SampleIndex {
    /// The index folder of the small documents (two segments, one deletions file).
    public let small: String
    /// The index folder of the 140 tiny documents (one segment).
    public let large: String

    /// The documents of the small index, first version.
    static let documents: [(String, String)] = [
        ("nieuws/aanval.txt", """
            Gifgasaanval in Syrië
            De Verenigde Staten hebben donderdagnacht een luchtmachtbasis in Syrië aangevallen. \
            Het is de eerste keer dat de VS het regime van president Assad rechtstreeks aanvallen. \
            De aanval is een reactie op de gifgasaanval van dinsdag, waarbij tientallen mensen om het leven kwamen. \
            Rusland, een bondgenoot van Assad, noemt de aanval een schending van het internationaal recht. \
            De Veiligheidsraad komt vrijdag bijeen; een veto van Rusland ligt voor de hand.
            """),
        ("nieuws/korea.txt", """
            Noord-Korea’s bondgenoten
            De aanvallen op Noord-Korea’s bondgenoten: auto's, huizen en één financiële G7-top. \
            Zo'n 3,5 miljoen mensen beëindigen de oorlog niet. 🙂 ＡＢＣ ﬁets café naïeve coöperatie.
            """),
        ("veto.md", """
            # Veto in de Veiligheidsraad
            Rusland sprak opnieuw een veto uit over een resolutie over Syrië; de sancties blijven.
            """),
    ]

    /// Builds both indexes under `folder` (made if missing). Deterministic apart from
    /// the folder's own name: file times are fixed.
    public static func build(in folder: String) throws -> SampleIndex {
        mkdir(folder, 0o755)
        let docs = folder + "/docs"
        let small = folder + "/index-small"
        for (path, text) in documents { try write(docs + "/" + path, text) }
        let writer = IndexWriter(indexPath: small)
        var options = IndexOptions()
        options.threads = 1
        _ = try writer.index(folder: docs, options: options)
        // Change one document and add one: a second segment, and a deletions file for
        // the first.
        try write(docs + "/veto.md", "# Veto\nHet veto van Rusland tegen de resolutie over Syrië: geen sancties, geen onderzoek.\n",
                  mtime: 1_500_000_100)
        try write(docs + "/zee.txt", "De zee, de zee. Klotsende golven; de meeuwen en de zee.\n")
        _ = try writer.index(folder: docs, options: options)

        let tiny = folder + "/tiny"
        let large = folder + "/index-large"
        let words = ["gifgas", "veto", "rusland", "syrië", "sancties", "resolutie", "mensen", "huizen"]
        for i in 0..<140 {
            let name = String(i + 1000)
            try write(tiny + "/d\(name).txt", "aanval \(words[i % words.count]) \(words[(i / 8) % words.count]) aanval \(i % 7 == 0 ? "aanval" : "")\n")
        }
        _ = try IndexWriter(indexPath: large).index(folder: tiny, options: options)
        return SampleIndex(small: small, large: large)
    }

    static func write(_ path: String, _ text: String, mtime: Int = 1_500_000_000) throws {
        var parent = ""
        for part in path.split(separator: "/").dropLast() {
            parent += "/" + part
            mkdir(parent, 0o755)
        }
        writeFile(path, Array(text.utf8))
        var times = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
        utimensat(AT_FDCWD, path, &times, 0)
    }

    /// The files of an index folder: (name, bytes), sorted by name.
    public static func files(of index: String) -> [(name: String, bytes: [UInt8])] {
        var names: [String] = []
        if let dir = opendir(index) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." && name != IndexDirectory.lockFileName { names.append(name) }
            }
            closedir(dir)
        }
        return names.sorted().compactMap { name in readFile(index + "/" + name).map { (name, $0) } }
    }

    /// A manifest with its root replaced by a fixed one, so seeds do not depend on the
    /// scratch folder's name.
    public static func normalizedManifest(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        var manifest = try Manifest.decode(bytes, file: file)
        manifest.root = "/home/me/docs"
        return manifest.encoded()
    }
}
