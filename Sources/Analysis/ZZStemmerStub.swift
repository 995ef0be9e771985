// TEMPORARY stub until DutchStemmer.swift lands.
public struct DutchStemmer: Sendable {
    public init() {}
    public func stem(_ word: inout [Unicode.Scalar]) {}
    public func stem(_ word: String) -> String { word }
}
