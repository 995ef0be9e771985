/// Step 3 of the analysis chain: ICU `nfkc_cf` (NFKC_Casefold) on one token:
/// `ﬁets` → `fiets`, `ＡＢＣ` → `abc`, `IJsselmeer` → `ijsselmeer`.
///
/// ASCII is handled without ICU (NFKC_Casefold of ASCII is ASCII lower case), and a
/// token that ICU's quick check finds already normalized is copied as is.
public struct CaseFolder {
    private let normalizer: Normalizer

    public init() throws(AnalysisError) {
        normalizer = try .nfkcCasefold()
    }

    /// Writes the case-folded form of `token` into `output` (replacing its contents).
    public func fold(_ token: UnsafeBufferPointer<UInt16>, into output: inout [UInt16]) throws(AnalysisError) {
        var ascii = true
        for unit in token where unit >= 0x80 { ascii = false; break }
        if ascii {
            output.removeAll(keepingCapacity: true)
            for unit in token {
                output.append(unit &- 0x41 < 26 ? unit | 0x20 : unit)
            }
        } else if normalizer.isNormalized(token) {
            output.removeAll(keepingCapacity: true)
            output.append(contentsOf: token)
        } else {
            try normalizer.normalize(token, into: &output)
        }
    }
}
