/// Okapi BM25 exactly as SPEC section 2 defines it.
///
/// - `N`: live documents; `df(t)`: live documents containing `t`
/// - `dl`: positions of the document; `avgdl`: sum of `dl` over live documents / `N`
/// - `idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))`
/// - `score = idf · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))`
///
/// Defaults `k1 = 0.9`, `b = 0.4`.
public struct BM25: Sendable, Equatable {
    public static let defaultK1 = 0.9
    public static let defaultB = 0.4

    public var k1: Double
    public var b: Double
    public var documentCount: Int
    public var averageLength: Double

    public init(k1: Double = BM25.defaultK1, b: Double = BM25.defaultB, documentCount: Int, averageLength: Double) {
        self.k1 = k1
        self.b = b
        self.documentCount = documentCount
        self.averageLength = averageLength
    }

    public func idf(documentFrequency df: Int) -> Double {
        let n = Double(documentCount)
        let d = Double(df)
        return (1 + (n - d + 0.5) / (d + 0.5)).log()
    }

    @inline(__always)
    public func score(idf: Double, tf: Int, length dl: Int) -> Double {
        let t = Double(tf)
        // Evaluated as SPEC section 2 writes it, left to right: b·dl/avgdl is (b·dl)/avgdl.
        let lengthPart = averageLength > 0 ? b * Double(dl) / averageLength : 0
        return idf * t * (k1 + 1) / (t + k1 * (1 - b + lengthPart))
    }
}

extension Double {
    /// Natural logarithm.
    func log() -> Double {
        #if canImport(Glibc)
        return Glibc.log(self)
        #else
        return Darwin.log(self)
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
