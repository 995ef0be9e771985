import Foundation

/// A deterministic Dutch-like corpus: words drawn from the Snowball Dutch vocabulary
/// with a Zipf distribution (so common words are very common, as in real text),
/// sentences of 5–25 words, paragraphs of 2–8 sentences, document lengths log-normal
/// around 300 words (about 2 KB). The same seed gives the same bytes.
struct CorpusGenerator {
    var rng: SplitMix64
    let words: [String]
    let cumulative: [Double]

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        let here = URL(fileURLWithPath: #filePath)
        let voc = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/AnalysisTests/Fixtures/snowball-dutch/voc.txt")
        var list = ((try? String(contentsOf: voc, encoding: .utf8)) ?? "de het een van").split(separator: "\n").map(String.init)
        // Shuffle deterministically so that rank does not follow the alphabet.
        var r = SplitMix64(seed: 12345)
        for i in stride(from: list.count - 1, to: 0, by: -1) { list.swapAt(i, Int(r.next() % UInt64(i + 1))) }
        // Frequent Dutch function words first.
        let function = ["de", "het", "een", "van", "en", "in", "is", "op", "dat", "te", "voor", "met", "zijn", "niet", "aan", "er", "om", "ook", "als", "bij", "door", "worden", "wordt", "naar", "of", "deze", "over", "uit", "tot", "die"]
        words = function + list.filter { !function.contains($0) }
        var c: [Double] = []
        var total = 0.0
        for rank in 1...words.count {
            total += 1.0 / pow(Double(rank), 1.07)
            c.append(total)
        }
        cumulative = c.map { $0 / total }
    }

    mutating func word() -> String {
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return words[lo]
    }

    mutating func uniform(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    mutating func normal() -> Double {
        let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-12)
        let u2 = Double(rng.next() >> 11) / Double(1 << 53)
        return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
    }

    mutating func document() -> String {
        let length = max(20, min(20_000, Int(exp(5.15 + 0.8 * normal()))))
        var text = ""
        // Title.
        var title: [String] = []
        for _ in 0..<(3 + uniform(6)) { title.append(word()) }
        text += title.joined(separator: " ").capitalizedFirst + "\n\n"
        var written = 0
        while written < length {
            var paragraph: [String] = []
            for _ in 0..<(2 + uniform(7)) {
                var sentence: [String] = []
                for _ in 0..<(5 + uniform(21)) { sentence.append(word()) }
                written += sentence.count
                var s = sentence.joined(separator: " ").capitalizedFirst
                if uniform(4) == 0 { s = s.replacingOccurrences(of: " ", with: ", ", options: [], range: s.range(of: " ")) }
                paragraph.append(s + (uniform(10) == 0 ? "?" : "."))
            }
            text += paragraph.joined(separator: " ") + "\n\n"
        }
        return text
    }

    /// Writes `documents` files into 100 folders; returns (count, bytes).
    mutating func write(documents: Int, to folder: String) throws -> (Int, Int) {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var bytes = 0
        for i in 0..<documents {
            let dir = folder + "/d" + String(format: "%02d", i % 100)
            if i < 100 { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let data = Data(document().utf8)
            bytes += data.count
            try data.write(to: URL(fileURLWithPath: dir + "/doc" + String(format: "%07d", i) + ".txt"))
        }
        return (documents, bytes)
    }
}

extension String {
    var capitalizedFirst: String { isEmpty ? self : prefix(1).uppercased() + dropFirst() }
}

/// SplitMix64: a small, fast, well-mixed deterministic generator.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
