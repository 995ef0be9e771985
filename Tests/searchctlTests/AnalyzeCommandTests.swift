import Foundation
import XCTest

/// `searchctl analyze`: SPEC section 1 through the binary, on the seed articles, on
/// SPEC's own examples and on bad input.
final class AnalyzeCommandTests: CLITestCase {

    // MARK: Seed articles

    func seed(_ prefix: String) throws -> (name: String, text: String, data: Data) {
        let folder = Self.repoRoot.appendingPathComponent("seeds")
        guard let name = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .first(where: { $0.hasPrefix(prefix) && $0.hasSuffix(".txt") }) else {
            XCTFail("no seeds/\(prefix)*.txt in \(folder.path)")
            throw XCTSkip("seed missing")
        }
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return (name, String(decoding: data, as: UTF8.self), data)
    }

    /// Checks what holds for any article: positions strictly increasing, and each token's
    /// `text` is the article's text at that place — found in order, with nothing but
    /// spaces and punctuation skipped in between.
    func checkTokensFollowTheArticle(_ tokens: [Token], article: String, name: String,
                                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(tokens.isEmpty, name, file: file, line: line)
        for (a, b) in zip(tokens, tokens.dropFirst()) {
            XCTAssertLessThan(a.position, b.position, "\(name): positions must strictly increase: \(a) then \(b)", file: file, line: line)
        }
        let scalars = Array(article.unicodeScalars)
        func isWordy(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || s.properties.numericType != nil }
        var cursor = 0
        for token in tokens {
            let t = Array(token.text.unicodeScalars)
            guard !t.isEmpty else {
                XCTFail("\(name): empty text in \(token)", file: file, line: line)
                return
            }
            var found: Int?
            var i = cursor
            while i + t.count <= scalars.count {
                if scalars[i] == t[0], Array(scalars[i..<(i + t.count)]) == t { found = i; break }
                i += 1
            }
            guard let start = found else {
                XCTFail("\(name): token \(token) is not in the article after scalar \(cursor)", file: file, line: line)
                return
            }
            let skipped = scalars[cursor..<start]
            if skipped.contains(where: isWordy) {
                XCTFail("\(name): before \(token) the text '\(String(String.UnicodeScalarView(skipped)))' was skipped; it holds letters or digits", file: file, line: line)
                return
            }
            cursor = start + t.count
        }
        let rest = scalars[cursor...]
        XCTAssertFalse(rest.contains(where: isWordy), "\(name): text after the last token was not tokenized", file: file, line: line)
    }

    func token(_ tokens: [Token], text: String, file: StaticString = #filePath, line: UInt = #line) -> Token? {
        let t = tokens.first { $0.text == text }
        XCTAssertNotNil(t, "no token with text '\(text)'", file: file, line: line)
        return t
    }

    func testSeedArticle000() throws {
        let (name, article, data) = try seed("000_")
        let r = run(["analyze", "--json"], stdin: data)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "valid UTF-8 needs no warning")
        let tokens = try self.tokens(r.stdout)
        checkTokensFollowTheArticle(tokens, article: article, name: name)
        // "Bij de aanval op de Syrische stad kwamen vorige week bijna negentig mensen om…"
        XCTAssertEqual(Array(tokens.prefix(13)).map(\.text),
                       ["Bij", "de", "aanval", "op", "de", "Syrische", "stad", "kwamen", "vorige", "week", "bijna", "negentig", "mensen"])
        XCTAssertEqual(Array(tokens.prefix(13)).map(\.position), Array(0..<13))
        XCTAssertEqual(tokens[0], Token(position: 0, text: "Bij", term: "bij"))
        XCTAssertEqual(tokens[2], Token(position: 2, text: "aanval", term: "aanval"))
        XCTAssertEqual(tokens[5], Token(position: 5, text: "Syrische", term: "syrisch"))
        XCTAssertEqual(tokens[12], Token(position: 12, text: "mensen", term: "mens"))
        XCTAssertEqual(token(tokens, text: "Veiligheidsraad")?.term, "veiligheidsraad")
        XCTAssertEqual(token(tokens, text: "Syrië")?.term, "syrie")
        XCTAssertEqual(token(tokens, text: "Ethiopië")?.term, "ethiopie")
        XCTAssertEqual(token(tokens, text: "gifgasaanval")?.term, "gifgasaanval")
        // "Bolivia voegde zich bij de Russische nee-stem." → `nee`, `stem` at consecutive positions
        if let nee = tokens.firstIndex(where: { $0.text == "nee" }) {
            XCTAssertEqual(tokens[nee + 1].text, "stem")
            XCTAssertEqual(tokens[nee + 1].position, tokens[nee].position + 1)
        } else {
            XCTFail("no token 'nee' (from 'nee-stem')")
        }
        // No term of the article is dropped: positions are 0, 1, 2, … without gaps.
        XCTAssertEqual(tokens.map(\.position), Array(0..<tokens.count))
        // Terms are folded: no upper case, no diacritics.
        for t in tokens {
            XCTAssertEqual(t.term, t.term.lowercased(), "\(t)")
            XCTAssertFalse(t.term.unicodeScalars.contains { $0.properties.generalCategory == .nonspacingMark }, "\(t)")
            XCTAssertFalse(t.term.contains("ë"), "\(t)")
        }
    }

    func testSeedArticle002() throws {
        let (name, article, data) = try seed("002_")
        let r = run(["analyze", "--json"], stdin: data)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let tokens = try self.tokens(r.stdout)
        checkTokensFollowTheArticle(tokens, article: article, name: name)
        XCTAssertEqual(tokens.first, Token(position: 0, text: "De", term: "de"))
        XCTAssertEqual(token(tokens, text: "collega's")?.term, "collega")
        XCTAssertEqual(token(tokens, text: "sancties")?.term, "sanctie")
        XCTAssertEqual(token(tokens, text: "tientallen")?.term, "tiental")
        XCTAssertEqual(token(tokens, text: "vuren")?.term, "vuur")
        XCTAssertEqual(token(tokens, text: "Syrië")?.term, "syrie")
        // "Saoedi-Arabië" and "G7-top" are split by ICU into consecutive tokens.
        for (left, right, rightTerm) in [("Saoedi", "Arabië", "arabie"), ("G7", "top", "top")] {
            guard let i = tokens.indices.dropLast().first(where: { tokens[$0].text == left && tokens[$0 + 1].text == right }) else {
                XCTFail("no \(left) followed by \(right)")
                continue
            }
            XCTAssertEqual(tokens[i + 1].term, rightTerm)
            XCTAssertEqual(tokens[i + 1].position, tokens[i].position + 1)
        }
        XCTAssertEqual(token(tokens, text: "G7")?.term, "g7")
        // "beëindigen" folds before stemming: the same term as "beeindigen".
        let plain = try analyze("beeindigen")
        XCTAssertEqual(plain.count, 1)
        XCTAssertEqual(token(tokens, text: "beëindigen")?.term, plain.first?.term)
        XCTAssertEqual(tokens.map(\.position), Array(0..<tokens.count))
    }

    /// The plain (non-JSON) output has the same tokens as the JSON one, one per line.
    func testPlainOutputMatchesJSON() throws {
        let text = "Bij de aanval op de Syrische stad kwamen bijna negentig mensen om."
        let json = try analyze(text)
        let r = run(["analyze", text])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, json.count)
        for (line, t) in zip(lines, json) {
            XCTAssertTrue(line.contains(t.text) && line.contains(t.term) && line.hasPrefix("\(t.position)"), "\(line) vs \(t)")
        }
    }

    // MARK: SPEC section 1 examples

    func testSpecExamplesSegmentation() throws {
        XCTAssertEqual(try analyze("Noord-Korea"), [Token(position: 0, text: "Noord", term: "noord"),
                                                    Token(position: 1, text: "Korea", term: "korea")])
        XCTAssertEqual(try analyze("G7-top"), [Token(position: 0, text: "G7", term: "g7"),
                                               Token(position: 1, text: "top", term: "top")])
        XCTAssertEqual(try analyze("auto's"), [Token(position: 0, text: "auto's", term: "auto")])
        XCTAssertEqual(try analyze("auto’s"), [Token(position: 0, text: "auto’s", term: "auto")])
        let zon = try analyze("zo'n")
        XCTAssertEqual(zon.map(\.text), ["zo'n"])
        XCTAssertEqual(zon.map(\.term), ["zo'n"])
        XCTAssertEqual(try analyze("zo’n").map(\.term), ["zo'n"], "U+2019 maps to U+0027")
        XCTAssertEqual(try analyze("3,5"), [Token(position: 0, text: "3,5", term: "3,5")])
    }

    func testSpecExamplesNormalization() throws {
        let fiets = try analyze("fiets")
        XCTAssertEqual(fiets.map(\.term), ["fiet"], "snowball dutch: fiets → fiet")
        XCTAssertEqual(try analyze("ﬁets"), [Token(position: 0, text: "ﬁets", term: "fiet")])
        XCTAssertEqual(try analyze("ＡＢＣ"), [Token(position: 0, text: "ＡＢＣ", term: "abc")])
        XCTAssertEqual(try analyze("IJsselmeer"), [Token(position: 0, text: "IJsselmeer", term: "ijsselmeer")])
        let beeindigen = try analyze("beëindigen")
        XCTAssertEqual(beeindigen.map(\.text), ["beëindigen"])
        XCTAssertEqual(beeindigen.map(\.term), try analyze("beeindigen").map(\.term))
        XCTAssertEqual(beeindigen.map(\.term), try analyze("BEËINDIGEN").map(\.term))
        XCTAssertFalse(beeindigen.first?.term.contains("ë") ?? true)
        let financiele = try analyze("financiële financiele financie\u{308}le")
        XCTAssertEqual(financiele.count, 3)
        XCTAssertEqual(Set(financiele.map(\.term)).count, 1, "\(financiele)")
        XCTAssertEqual(try analyze("Syrië").map(\.term), ["syrie"])
        XCTAssertEqual(try analyze("één").map(\.term), ["een"])
        XCTAssertEqual(try analyze("aanvallen gelopen huizen mensen").map(\.term), ["aanval", "loop", "huis", "mens"])
    }

    /// A lone `'s` takes a position: the word after it is two positions after `Bij`
    /// whether the `'s` is dropped (SPEC step 7) or kept as `s`; never an empty term.
    func testLoneApostropheSConsumesAPosition() throws {
        let tokens = try analyze("Bij 's nachts")
        XCTAssertEqual(tokens.first, Token(position: 0, text: "Bij", term: "bij"))
        XCTAssertEqual(tokens.last?.text, "nachts")
        XCTAssertEqual(tokens.last?.position, 2)
        for t in tokens {
            XCTAssertFalse(t.term.isEmpty, "\(t)")
            if t.position == 1 { XCTAssertTrue(t.text == "s" || t.text == "'s", "\(t)") }
        }
    }

    /// SPEC step 7: a term over 255 UTF-8 bytes is left out but its position stays a gap.
    func testOverlongTokenLeavesAGap() throws {
        let tokens = try analyze("voor \(String(repeating: "a", count: 300)) na")
        XCTAssertEqual(tokens, [Token(position: 0, text: "voor", term: "voor"), Token(position: 2, text: "na", term: "na")])
    }

    // MARK: Bad input

    func testEmptyInput() throws {
        let arg = run(["analyze", "--json", ""])
        XCTAssertEqual(arg.exitCode, 0, arg.stderr)
        XCTAssertEqual(arg.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[]")
        let stdin = run(["analyze", "--json"], stdin: Data())
        XCTAssertEqual(stdin.exitCode, 0, stdin.stderr)
        XCTAssertEqual(stdin.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[]")
        let plain = run(["analyze"], stdin: Data())
        XCTAssertEqual(plain.exitCode, 0, plain.stderr)
        XCTAssertEqual(plain.stdout, "")
    }

    func testOnlyPunctuation() throws {
        for text in [" ,.;:!? -- … «»", "'", "'\"()[]{}", "\n\n\t  \n", "— – ·"] {
            let r = run(["analyze", "--json", text])
            XCTAssertEqual(r.exitCode, 0, r.stderr)
            XCTAssertEqual(try tokens(r.stdout), [], "\(text.debugDescription)")
            let viaStdin = run(["analyze", "--json"], stdin: Data(text.utf8))
            XCTAssertEqual(viaStdin.exitCode, 0, viaStdin.stderr)
            XCTAssertEqual(try tokens(viaStdin.stdout), [], "\(text.debugDescription)")
        }
    }

    /// Windows-1252 `café` on stdin: decoded with charset detection, one warning line.
    func testInvalidUTF8OnStdinIsDecodedWithAWarning() throws {
        let r = run(["analyze", "--json"], stdin: Data([0x63, 0x61, 0x66, 0xE9]))
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(try tokens(r.stdout), [Token(position: 0, text: "café", term: "cafe")])
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        let warning = r.stderr.lowercased()
        XCTAssertTrue(warning.contains("1252") || warning.contains("8859") || warning.contains("latin"),
                      "the warning names the charset: \(r.stderr)")
        XCTAssertTrue(warning.contains("warning"), r.stderr)
    }

    func testNULByteIsRefusedAsBinary() throws {
        let r = run(["analyze", "--json"], stdin: Data("Bij de\u{0}aanval".utf8))
        XCTAssertEqual(r.exitCode, 2, "stdout: \(r.stdout) stderr: \(r.stderr)")
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.lowercased().contains("binary") || r.stderr.contains("NUL"), r.stderr)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        XCTAssertEqual(r.stdout, "", "no partial output")
    }

    /// A 10 MB line without a newline: analyzed completely, in reasonable time.
    func testTenMegabyteSingleLine() throws {
        let words = ["De", "aanvallen", "op", "Syrië", "kwamen", "gifgasaanval", "3,5", "auto's"]
        var text = ""
        text.reserveCapacity(10 << 20)
        var count = 0
        while text.utf8.count < 10 << 20 {
            text += words[count % words.count]
            text += " "
            count += 1
        }
        let data = Data(text.utf8)
        XCTAssertGreaterThanOrEqual(data.count, 10 << 20)
        let started = Date()
        let r = run(["analyze"], stdin: data, timeout: 120)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertLessThan(elapsed, 30, "10 MB took \(elapsed) s")
        // One output line per token.
        let newlines = r.stdoutData.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var n = 0
            var offset = 0
            while offset < raw.count {
                guard let hit = memchr(base + offset, 0x0A, raw.count - offset) else { break }
                n += 1
                offset = UnsafeRawPointer(hit) - base + 1
            }
            return n
        }
        XCTAssertEqual(newlines, count)
        let tail = String(decoding: r.stdoutData.suffix(200), as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(tail.hasPrefix("\(count - 1)\t"), "last line: \(tail)")
        XCTAssertEqual(tail.split(separator: "\t").dropFirst().first.map(String.init), words[(count - 1) % words.count], tail)
    }
}
