import Foundation
import IndexFormat

/// searchctl-bench: reproducible benchmarks, printed as tables. Run in release mode:
///   swift run -c release searchctl-bench analysis <folder>
///   swift run -c release searchctl-bench generate <out-folder> [--docs N] [--seed S]
///   swift run -c release searchctl-bench queries <index> [--count N] [--seed S] [--no-snippet] [--threads N] [--dump F] [--load F]
///   swift run -c release searchctl-bench deflate <folder> [--repeats N]
let arguments = Array(CommandLine.arguments.dropFirst())

func option(_ name: String, _ fallback: Int) -> Int {
    if let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) { return v }
    return fallback
}

func stringOption(_ name: String) -> String? {
    if let i = arguments.firstIndex(of: name), i + 1 < arguments.count { return arguments[i + 1] }
    return nil
}

func files(under folder: String) -> [String] {
    // A folder given as a symlink is followed (the enumerator would not descend into it).
    let e = FileManager.default.enumerator(atPath: URL(fileURLWithPath: folder).resolvingSymlinksInPath().path)
    var result: [String] = []
    while let p = e?.nextObject() as? String {
        if p.hasSuffix(".txt") || p.hasSuffix(".md") { result.append(folder + "/" + p) }
    }
    return result.sorted()
}

func table(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                                : String(repeating: " ", count: widths[i] - c.count) + c }
            .joined(separator: " | ")
    }
    print(line(header))
    print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-|-"))
    for r in rows { print(line(r)) }
}

let usage = """
    usage: searchctl-bench analysis [<folder>] [--repeats N]
           searchctl-bench generate <out> [--docs N] [--seed S]
           searchctl-bench queries <index> [--count N] [--seed S] [--no-snippet] [--threads N] [--dump F] [--load F]
           searchctl-bench deflate [<folder>] [--repeats N]
    """

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(code)
}

guard let command = arguments.first else { fail(usage, code: 2) }
if command == "--help" || command == "-h" {
    print(usage)
    exit(0)
}
/// The folder or index after the command: required, or `fallback` when it is left out.
func operand(or fallback: String? = nil) -> String {
    if arguments.count > 1, !arguments[1].hasPrefix("-") { return arguments[1] }
    guard let fallback else { fail(usage, code: 2) }
    return fallback
}

do {
    switch command {
    case "analysis":
        let folder = operand(or: "seeds")
        let list = files(under: folder)
        let rows = try AnalysisBenchmark.run(files: list, repeats: option("--repeats", 1))
        print("analysis throughput, one core, \(list.count) files from \(folder)")
        table(["step", "seconds", "MB/s"], rows.map { [$0.0, String(format: "%.3f", $0.1), String(format: "%.1f", $0.2)] })
    case "generate":
        let out = operand()
        var generator = CorpusGenerator(seed: UInt64(option("--seed", 42)))
        let (count, bytes) = try generator.write(documents: option("--docs", 10000), to: out)
        print("generated \(count) documents, \(String(format: "%.1f", Double(bytes) / 1_048_576)) MB in \(out)")
    case "deflate":
        // Stored-text compression alone: our encoder against zlib level 1, same dictionary.
        let list = files(under: operand(or: "seeds"))
        let texts = try list.map { try Array(Data(contentsOf: URL(fileURLWithPath: $0))) }
        var sample: [UInt8] = []
        for t in texts.enumerated() where t.offset % 50 == 0 && sample.count < 8192 { sample += t.element.prefix(8192 - sample.count) }
        // The shared code (`StoredTextCode`) trained on every 50th text, as a run trains it.
        let code = StoredTextCode.train(samples: texts.enumerated().filter { $0.offset % 50 == 0 }.map(\.element), dictionary: sample)
        var rows: [[String]] = []
        for (name, zlibOnly, shared) in [("zlib level 1", true, false), ("DeflateEncoder", false, false), ("DeflateEncoder, shared code", false, true)] {
            let compressor = IndexFormat.Compressor(raw: true, zlibOnly: zlibOnly)
            var out: [UInt8] = []
            var total = 0
            var coded = 0   // texts whose first block is of type 3 (the shared code)
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<option("--repeats", 3) {
                total = 0
                coded = 0
                for t in texts {
                    out.removeAll(keepingCapacity: true)
                    t.withUnsafeBytes { tb in sample.withUnsafeBytes { compressor.compress(tb, dictionary: $0, code: shared ? code : nil, appendingTo: &out) } }
                    total += out.count
                    // The first block's type follows the length varint (bits 1 and 2).
                    let varint = (out.firstIndex { $0 < 0x80 } ?? 0) + 1
                    if varint < out.count && out[varint] >> 1 & 3 == 3 { coded += 1 }
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(option("--repeats", 3))
            let input = texts.reduce(0) { $0 + $1.count }
            rows.append([name, String(format: "%.1f", Double(input) / seconds / 1_048_576),
                         String(format: "%.4f", Double(total) / Double(input)), String(format: "%.1f%%", 100 * Double(coded) / Double(max(texts.count, 1)))])
        }
        table(["compressor", "MB/s", "ratio", "shared-code texts"], rows)
        // Inflating the same texts (as snippets do, one document at a time): zlib's inflate
        // against `Inflater`, from the encoder's output with the same dictionary (and code).
        let compressor = IndexFormat.Compressor(raw: true)
        var blobs: [[[UInt8]]] = [[], []]   // without, with the shared code
        for shared in [false, true] {
            for t in texts {
                var out: [UInt8] = []
                t.withUnsafeBytes { tb in sample.withUnsafeBytes { compressor.compress(tb, dictionary: $0, code: shared ? code : nil, appendingTo: &out) } }
                blobs[shared ? 1 : 0].append(out)
            }
        }
        rows = []
        for (name, zlibOnly, shared) in [("zlib inflate", true, false), ("Inflater", false, false), ("Inflater, shared code", false, true)] {
            let decompressor = Decompressor(zlibOnly: zlibOnly)
            let compressed = blobs[shared ? 1 : 0]
            var total = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<option("--repeats", 3) {
                for b in compressed {
                    let text = b.withUnsafeBytes { bb in sample.withUnsafeBytes { decompressor.decompress(bb, dictionary: $0, code: shared ? code : nil) } }
                    guard let text else { fail("searchctl-bench: a text did not inflate", code: 1) }
                    total += text.count
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rows.append([name, String(format: "%.1f", Double(total) / seconds / 1_048_576)])
        }
        table(["decompressor", "MB/s"], rows)
    case "queries":
        try QueryBenchmark.run(index: operand(), count: option("--count", 2000), seed: UInt64(option("--seed", 7)), snippets: !arguments.contains("--no-snippet"),
                                 threads: option("--threads", 0), dump: stringOption("--dump"), load: stringOption("--load"))
    default:
        fail("searchctl-bench: unknown command \(command)\n\(usage)", code: 2)
    }
} catch {
    fail("searchctl-bench: \(error)", code: 1)
}
