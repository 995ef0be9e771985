import Analysis
import ArgumentParser

/// `searchctl analyze [<text>] [--json]`: shows the terms the analysis chain makes of a text.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show how a text is tokenized, normalized and stemmed.",
        discussion: "Reads the text from the argument, or from standard input when none is given."
    )

    @Argument(help: "The text to analyze (default: standard input).")
    var text: String?

    @Flag(help: "Print a JSON array of {position, text, term}.")
    var json = false

    func run() throws {
        let decoded: TextDecoder.Decoded
        do {
            if let text {
                decoded = TextDecoder.Decoded(utf16: Array(text.utf16), detectedCharset: nil)
            } else {
                decoded = try TextDecoder.decode(Output.readStandardInput())
                if let charset = decoded.detectedCharset {
                    Output.warning("standard input is not valid UTF-8; decoded as \(charset)")
                }
            }
        } catch {
            throw CLIError(code: Exit.usage, message: "cannot analyze standard input: \(error)")
        }
        let analyzer: Analyzer
        do { analyzer = try Analyzer() } catch {
            throw CLIError(code: Exit.io, message: "\(error)")
        }
        var out = ""
        var first = true
        if json { out = "[" }
        try decoded.utf16.withUnsafeBufferPointer { buffer in
            _ = try analyzer.analyze(buffer) { token in
                let surface = String(decoding: buffer[Int(token.start)..<Int(token.end)], as: UTF16.self)
                let term = String(decoding: token.term, as: UTF8.self)
                if json {
                    if !first { out += ", " }
                    out += "{\"position\": \(token.position), \"text\": \(JSONWriter.quoted(surface)), \"term\": \(JSONWriter.quoted(term))}"
                } else {
                    out += "\(token.position)\t\(surface)\t\(term)\n"
                }
                first = false
                if out.utf8.count > 1 << 16 {
                    Output.out(out)
                    out = ""
                }
            }
        }
        if json { out += "]\n" }
        Output.out(out)
    }
}
