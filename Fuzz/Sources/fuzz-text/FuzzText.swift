// Fuzz target: analysis step 1 and the chain behind it. Arbitrary bytes go through
// `TextDecoder.decode` (BOM, UTF-8 validation by ICU, charset detection and conversion
// by ICU for anything else, the binary check), then the `Analyzer` (ICU word break,
// NFKC_Casefold, diacritics, apostrophes, the Dutch stemmer), both the indexer's path
// (`analyze`) and the query path (`tokens(of:)`, `foldedForm(of:)`).
//
// Properties checked besides "no crash": `.binary` only with a NUL in the first 8 KiB;
// what ICU accepts as UTF-8 is what Swift accepts, decoded the same; tokens come in
// increasing positions with ranges inside the text and terms of 1...255 valid UTF-8
// bytes; the returned length exceeds every position.
#if canImport(Glibc)
import Glibc
#endif
import Analysis
import FuzzSupport

nonisolated(unsafe) var analyzer: Analyzer!

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    writeSeedsIfRequested { TextSeeds.all }
    do {
        analyzer = try Analyzer()
    } catch {
        printError("fuzz-text: cannot set up: \(error)")
        exit(1)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    let decoded: TextDecoder.Decoded
    do {
        decoded = try TextDecoder.decode(bytes)
    } catch {
        switch error {
        case .binary:
            fuzzCheck(bytes.prefix(TextDecoder.binaryProbeLength).contains(0), "binary without a NUL byte")
        case .undecodable:
            break
        case .icu, .tooLarge:
            fuzzCheck(false, "decoding failed: \(error)")
        }
        return 0
    }
    fuzzCheck(!bytes.prefix(TextDecoder.binaryProbeLength).contains(0), "a NUL byte in the probe was not called binary")
    let hasBOM = bytes.starts(with: [0xEF, 0xBB, 0xBF])
    let body = Array(bytes.dropFirst(hasBOM ? 3 : 0))
    let swiftUTF8 = String(validating: body, as: UTF8.self)
    if decoded.detectedCharset == nil {
        fuzzCheck(swiftUTF8 != nil, "ICU accepted bytes as UTF-8 that Swift rejects")
        fuzzCheck(Array(swiftUTF8!.utf16) == decoded.utf16, "ICU and Swift decode the same UTF-8 differently")
    } else {
        fuzzCheck(swiftUTF8 == nil, "valid UTF-8 was decoded as \(decoded.detectedCharset!)")
    }

    var lastPosition: Int32 = -1
    let count = decoded.utf16.count
    let length: Int
    do {
        length = try decoded.utf16.withUnsafeBufferPointer { (text) throws(AnalysisError) in
            try analyzer.analyze(text) { token in
                fuzzCheck(token.position > lastPosition, "positions not increasing: \(token.position) after \(lastPosition)")
                lastPosition = token.position
                fuzzCheck(0 <= token.start && token.start < token.end && Int(token.end) <= count,
                          "token range \(token.start)..<\(token.end) outside 0..<\(count)")
                fuzzCheck((1...Analyzer.maximumTermLength).contains(token.term.count), "term of \(token.term.count) bytes")
                fuzzCheck(String(validating: token.term, as: UTF8.self) != nil, "term is not valid UTF-8")
            }
        }
    } catch {
        fuzzCheck(false, "analysis failed: \(error)")
        return 0
    }
    fuzzCheck(length > Int(lastPosition), "length \(length) not past the last position \(lastPosition)")

    let text = String(decoding: decoded.utf16, as: UTF16.self)
    do {
        let tokens = try analyzer.tokens(of: text)
        for t in tokens {
            fuzzCheck(!t.term.isEmpty && t.range.lowerBound < t.range.upperBound, "empty token or term")
        }
        if let word = text.split(whereSeparator: { $0.isWhitespace }).first {
            _ = try analyzer.foldedForm(of: String(word))
        }
    } catch {
        fuzzCheck(false, "analysis failed: \(error)")
    }
    return 0
}

enum TextSeeds {
    static var all: [(name: String, bytes: [UInt8])] {
        [
            ("utf8", Array("De aanvallen op Noord-Korea’s bondgenoten: auto's, huizen, één financiële G7-top. Zo'n 3,5 miljoen.".utf8)),
            ("bom", [0xEF, 0xBB, 0xBF] + Array("Gifgasaanval in Syrië\nbeëindigen naïeve coöperatie".utf8)),
            ("compat", Array("ＡＢＣ ﬁets ß İstanbul ǅ e\u{0301} 🙂 ٣ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 x\u{200B}y".utf8)),
            // Windows-1252 / ISO-8859-1 Dutch: é ë ï ’ as single bytes.
            ("cp1252", [0x44, 0x65, 0x20, 0x63, 0x61, 0x66, 0xE9, 0x20, 0x69, 0x73, 0x20, 0x64, 0x69, 0x63, 0x68, 0x74, 0x3B, 0x20,
                        0x62, 0x65, 0xEB, 0x69, 0x6E, 0x64, 0x69, 0x67, 0x65, 0x6E, 0x20, 0x6E, 0x61, 0xEF, 0x65, 0x76, 0x65, 0x20,
                        0x61, 0x75, 0x74, 0x6F, 0x92, 0x73, 0x2E, 0x0A]),
            ("utf16le", [0xFF, 0xFE] + Array("De zee".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
            ("binary", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]),
            ("invalid", [0x61, 0x61, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0x62]),
            ("long-word", Array((String(repeating: "lang", count: 80) + " kort").utf8)),
            ("empty", []),
        ]
    }
}
