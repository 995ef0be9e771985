import Analysis
import Foundation

/// Analysis throughput in MB/s of UTF-8 input on one core, for the whole chain and for
/// each step alone (each step measured on the output of the steps before it).
enum AnalysisBenchmark {
    static func run(files: [String], repeats: Int) throws -> [(String, Double, Double)] {
        var texts: [[UInt16]] = []
        var bytes = 0
        for f in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: f))
            bytes += data.count
            texts.append(try TextDecoder.decode([UInt8](data)).utf16)
        }
        let mb = Double(bytes * repeats) / 1_048_576
        var rows: [(String, Double, Double)] = []

        // Decode (UTF-8 → UTF-16 with validation).
        let raw = try files.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        var t = time {
            for _ in 0..<repeats { for r in raw { _ = try? TextDecoder.decode(r) } }
        }
        rows.append(("decode (UTF-8, BOM, validation)", t, mb / t))

        // Segmentation only.
        let segmenter = try WordSegmenter(locale: "nl")
        var segments: [[(Int32, Int32)]] = []
        t = time {
            for _ in 0..<repeats {
                for text in texts {
                    try? text.withUnsafeBufferPointer { b in try segmenter.forEachWord(in: b) { _, _ in } }
                }
            }
        }
        rows.append(("segment (ICU word break)", t, mb / t))
        for text in texts {
            var list: [(Int32, Int32)] = []
            try text.withUnsafeBufferPointer { b in try segmenter.forEachWord(in: b) { list.append(($0, $1)) } }
            segments.append(list)
        }

        // Case folding of every segment.
        let caseFolder = try CaseFolder()
        var scratch: [UInt16] = []
        var folded: [[UInt16]] = []
        t = time {
            for _ in 0..<repeats {
                for (text, list) in zip(texts, segments) {
                    text.withUnsafeBufferPointer { b in
                        for (s, e) in list { try? caseFolder.fold(UnsafeBufferPointer(rebasing: b[Int(s)..<Int(e)]), into: &scratch) }
                    }
                }
            }
        }
        rows.append(("NFKC_Casefold", t, mb / t))
        for (text, list) in zip(texts, segments) {
            text.withUnsafeBufferPointer { b in
                for (s, e) in list {
                    try? caseFolder.fold(UnsafeBufferPointer(rebasing: b[Int(s)..<Int(e)]), into: &scratch)
                    folded.append(scratch)
                }
            }
        }
        var diacritics = try DiacriticFolder()
        t = time {
            for _ in 0..<repeats { for f in folded { var x = f; try? diacritics.fold(&x) } }
        }
        rows.append(("fold diacritics", t, mb / t))
        t = time {
            for _ in 0..<repeats { for f in folded { var x = f; ApostropheMapper.map(&x) } }
        }
        rows.append(("apostrophes", t, mb / t))
        let words: [[Unicode.Scalar]] = folded.map { Array(String(decoding: $0, as: UTF16.self).unicodeScalars) }
        let stemmer = DutchStemmer()
        var w: [Unicode.Scalar] = []
        t = time {
            for _ in 0..<repeats {
                for word in words {
                    w.removeAll(keepingCapacity: true)
                    w.append(contentsOf: word)
                    stemmer.stem(&w)
                }
            }
        }
        rows.append(("stem (Snowball dutch)", t, mb / t))

        // The whole chain, decoding included.
        let analyzer = try Analyzer()
        var tokens = 0
        t = time {
            for _ in 0..<repeats {
                for r in raw {
                    guard let d = try? TextDecoder.decode(r) else { continue }
                    d.utf16.withUnsafeBufferPointer { b in _ = try? analyzer.analyze(b) { _ in tokens += 1 } }
                }
            }
        }
        rows.append(("whole chain (decode → stem)", t, mb / t))

        // What the indexer runs: the same chain to vocabulary ids, through its token caches.
        let indexing = try Analyzer()
        var ids = 0
        t = time {
            for _ in 0..<repeats {
                for r in raw {
                    guard let d = try? TextDecoder.decode(r) else { continue }
                    d.utf16.withUnsafeBufferPointer { b in _ = try? indexing.analyzeTermIDs(b) { _, _, _, _ in ids += 1 } }
                }
            }
        }
        rows.append(("term ids (indexing, cached)", t, mb / t))
        return rows
    }
}

func time(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
