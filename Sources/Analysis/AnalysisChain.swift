import CICU

/// The identity of the analysis chain, recorded in every index manifest: an index
/// built with another chain must not be mixed with this one.
public enum AnalysisChain {
    /// The SPEC version whose section 1 this chain implements.
    public static let specVersion = "1"
    /// The stemmer: Snowball `dutch` (Kraaij-Pohlmann) as of Snowball 3.x.
    public static let stemmer = "snowball-dutch-3"

    /// The ICU version in use, e.g. `72.1`.
    public static var icuVersion: String {
        var buffer = [CChar](repeating: 0, count: 32)
        cicu_version(&buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The Unicode version of the ICU data, e.g. `15.0`.
    public static var unicodeVersion: String {
        var buffer = [CChar](repeating: 0, count: 32)
        cicu_unicode_version(&buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// One line naming every part of the chain: `icu=72.1 unicode=15.0 stemmer=snowball-dutch-3 spec=1`.
    public static var identifier: String {
        "icu=\(icuVersion) unicode=\(unicodeVersion) stemmer=\(stemmer) spec=\(specVersion)"
    }
}
