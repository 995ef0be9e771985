import CICU

/// Step 4 of the analysis chain: NFD, remove every code point of general category
/// Mn (nonspacing mark), NFC again: `beëindigen` → `beeindigen`, `Syrië` → `syrie`,
/// `één` → `een`.
///
/// Text whose code units are all below U+00C0 has no canonical decomposition and no
/// nonspacing mark, so it is left alone without calling ICU.
public struct DiacriticFolder {
    private let nfd: Normalizer
    private let nfc: Normalizer
    private var decomposed: [UInt16] = []
    private var stripped: [UInt16] = []

    public init() throws(AnalysisError) {
        nfd = try .nfd()
        nfc = try .nfc()
    }

    /// Folds `text` in place. `text` is expected in NFC (the output of `CaseFolder` is).
    public mutating func fold(_ text: inout [UInt16]) throws(AnalysisError) {
        var candidate = false
        for unit in text where unit >= 0xC0 { candidate = true; break }
        if !candidate { return }
        try text.withUnsafeBufferPointer { (source) throws(AnalysisError) in
            try nfd.normalize(source, into: &decomposed)
        }
        stripped.removeAll(keepingCapacity: true)
        var removed = false
        var i = 0
        let n = decomposed.count
        while i < n {
            let unit = decomposed[i]
            var scalar = UInt32(unit)
            var width = 1
            if unit & 0xFC00 == 0xD800, i + 1 < n, decomposed[i + 1] & 0xFC00 == 0xDC00 {
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(decomposed[i + 1]) - 0xDC00)
                width = 2
            }
            if scalar >= 0x300, cicu_is_nonspacing_mark(Int32(bitPattern: scalar)) != 0 {
                removed = true
            } else {
                stripped.append(unit)
                if width == 2 { stripped.append(decomposed[i + 1]) }
            }
            i += width
        }
        if !removed { return }
        try stripped.withUnsafeBufferPointer { (source) throws(AnalysisError) in
            try nfc.normalize(source, into: &text)
        }
    }
}
