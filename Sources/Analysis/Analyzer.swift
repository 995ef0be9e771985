import CICU

/// One token as the analyzer hands it out: valid only inside the callback.
public struct AnalyzedToken {
    /// 0-based position: counts every kept word segment, dropped terms included.
    public var position: Int32
    /// The term, UTF-8, borrowed from the analyzer's vocabulary.
    public var term: UnsafeBufferPointer<UInt8>
    /// The term's id in `Analyzer.vocabulary` (stable until `vocabularyEpoch` changes).
    public var termID: Int32
    /// The token's source range in the analyzed UTF-16 text.
    public var start: Int32
    public var end: Int32
}

/// A token with owned values, for tests, the `analyze` command and query parsing.
public struct Token: Equatable, Sendable {
    public var position: Int
    /// The surface form as it appears in the text.
    public var text: String
    /// The indexed term.
    public var term: String
    /// The source range in UTF-16 code units.
    public var range: Range<Int>
}

/// The analysis chain of SPEC section 1, steps 2 to 7:
/// `WordSegmenter` → `CaseFolder` → `DiacriticFolder` → `ApostropheMapper` → `DutchStemmer`,
/// then terms that are empty or longer than 255 UTF-8 bytes are dropped (their position is
/// still consumed). Step 1 (decoding) is `TextDecoder`.
///
/// An analyzer reuses its ICU iterator and scratch buffers, so it creates no `String`
/// per token; it is not thread-safe: use one per thread.
public final class Analyzer {
    /// The longest term indexed, in UTF-8 bytes.
    public static let maximumTermLength = 255

    private let segmenter: WordSegmenter
    private let caseFolder: CaseFolder
    private var diacriticFolder: DiacriticFolder
    private let stemmer = DutchStemmer()
    private var folded: [UInt16] = []
    private var scalars: [Unicode.Scalar] = []
    private var termBytes: [UInt8] = []
    private let cache: TermCache
    private let shortCache: ShortTokenCache
    /// Every distinct term this analyzer has produced, with a dense id.
    public private(set) var vocabulary: TermTable
    /// Changes when the vocabulary starts over (ids before and after differ).
    public private(set) var vocabularyEpoch = 0
    /// The UTF-8 bytes of vocabulary term `id`, borrowed.
    @inline(__always)
    public func withTermBytes<R>(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        vocabulary.withBytes(of: Int(id), body)
    }

    /// The vocabulary starts over beyond this many terms (checked between texts).
    public static let maximumVocabulary = 1 << 21

    /// An analyzer for indexing (`forQueries` false: token caches and a vocabulary
    /// sized for a stream of documents, 3.5 MB) or for queries (a few tokens each: small
    /// ones, so that a one-shot search does not set up megabytes it never uses).
    public init(forQueries: Bool = false) throws(AnalysisError) {
        cache = TermCache(maximumEntries: forQueries ? 1 << 10 : TermCache.defaultMaximumEntries)
        shortCache = ShortTokenCache(slotCount: forQueries ? 1 << 9 : ShortTokenCache.defaultSlotCount)
        vocabulary = TermTable(capacity: forQueries ? 1 << 10 : 1 << 16)
        segmenter = try WordSegmenter(locale: "nl")
        caseFolder = try CaseFolder()
        diacriticFolder = try DiacriticFolder()
        folded.reserveCapacity(64)
        scalars.reserveCapacity(64)
        termBytes.reserveCapacity(256)
    }

    /// Analyzes `text`, calling `body` for every indexed token in order.
    /// - Returns: the number of positions (kept segments, dropped terms included): the
    ///   document length `dl` of SPEC section 2.
    /// - Complexity: O(n) in the length of `text`.
    @discardableResult
    public func analyze(_ text: UnsafeBufferPointer<UInt16>, _ body: (AnalyzedToken) -> Void) throws(AnalysisError) -> Int {
        try analyzeTermIDs(text) { position, termID, start, end in
            vocabulary.withBytes(of: Int(termID)) { bytes in
                body(AnalyzedToken(position: position, term: bytes, termID: termID, start: start, end: end))
            }
        }
    }

    /// The segments of `text` that take a position (step 2 alone: no normalization or
    /// stemming), a batch at a time: `body(starts, ends)` in UTF-16 units, in order, up to
    /// 512 a batch; the i-th segment over all batches takes position i, as in `analyze` (a
    /// segment whose term analysis drops still takes its position). Stops after the first
    /// `limit` segments.
    public func forEachSegmentBatch(in text: UnsafeBufferPointer<UInt16>, limit: Int = Int.max,
                                    _ body: (_ starts: UnsafeBufferPointer<Int32>, _ ends: UnsafeBufferPointer<Int32>) -> Void) throws(AnalysisError) {
        try segmenter.forEachBatch(in: text, limit: limit, body)
    }

    /// Like `analyze`, without the term bytes: `body(position, termID, start, end)`, the
    /// term being `vocabulary`'s entry `termID` (see `withTermBytes`). The indexer's path.
    @discardableResult
    public func analyzeTermIDs(_ text: UnsafeBufferPointer<UInt16>,
                               _ body: (_ position: Int32, _ termID: Int32, _ start: Int32, _ end: Int32) -> Void) throws(AnalysisError) -> Int {
        if vocabulary.count > Analyzer.maximumVocabulary {
            // Keep memory bounded on endless vocabularies: start over (between texts, so
            // the ids of one text always come from one epoch).
            vocabulary.removeAll()
            cache.removeAll()
            shortCache.removeAll()
            vocabularyEpoch += 1
        }
        var position: Int32 = 0
        var failure: AnalysisError?
        // A token's lookup is a cache miss on tables of a few MB, so each batch starts
        // loading the cache slots of the tokens `lookahead` ahead; the key (short tokens)
        // or hash (longer ones) made for that waits in a ring until the token's turn.
        let lookahead = 8   // the ring's size (below), a power of two
        struct Prepared {
            var key = ShortTokenCache.Key()
            var hash: UInt32 = 0
        }
        var prepared = (Prepared(), Prepared(), Prepared(), Prepared(), Prepared(), Prepared(), Prepared(), Prepared())
        try withUnsafeMutableBytes(of: &prepared) { (raw) throws(AnalysisError) in
            let ring = raw.baseAddress!.assumingMemoryBound(to: Prepared.self)
            /// Makes a token's key (a short one) or hash (a longer one) and prefetches its slot.
            @inline(__always) func prepare(_ token: UnsafeBufferPointer<UInt16>, into slot: UnsafeMutablePointer<Prepared>) {
                if token.count <= ShortTokenCache.maximumUnits {
                    slot.pointee.key = ShortTokenCache.key(token)
                    shortCache.prefetch(slot.pointee.key)
                } else {
                    slot.pointee.hash = TermCache.hash(token)
                    cache.prefetch(hash: slot.pointee.hash)
                }
            }
            try segmenter.forEachBatch(in: text) { starts, ends in
                let count = starts.count
                for k in 0..<min(lookahead, count) {
                    prepare(UnsafeBufferPointer(rebasing: text[Int(starts[k])..<Int(ends[k])]), into: ring + k)
                }
                for k in 0..<count {
                    // Token k's key or hash, taken before token k + lookahead's replaces it.
                    let ready = ring[k & (lookahead - 1)]
                    if k + lookahead < count {
                        prepare(UnsafeBufferPointer(rebasing: text[Int(starts[k + lookahead])..<Int(ends[k + lookahead])]),
                                into: ring + (k & (lookahead - 1)))
                    }
                    let start = starts[k]
                    let end = ends[k]
                    defer { position += 1 }
                    if failure != nil { continue }
                    let token = UnsafeBufferPointer(rebasing: text[Int(start)..<Int(end)])
                    var id: Int32?
                    var shortKey: ShortTokenCache.Key?
                    if token.count <= ShortTokenCache.maximumUnits {
                        id = shortCache.lookup(ready.key)
                        shortKey = ready.key
                    }
                    if id == nil {
                        let hash = shortKey == nil ? ready.hash : TermCache.hash(token)
                        id = cache.lookup(token, hash: hash)
                        if id == nil {
                            do throws(AnalysisError) {
                                try termOf(token, stem: true)
                            } catch {
                                failure = error
                                continue
                            }
                            if termBytes.isEmpty || termBytes.count > Analyzer.maximumTermLength {
                                id = -1
                            } else {
                                id = termBytes.withUnsafeBufferPointer { Int32(vocabulary.id(of: $0).id) }
                            }
                            cache.insert(token, hash: hash, term: id!)
                        }
                        if let shortKey { shortCache.insert(shortKey, term: id!) }
                    }
                    let termID = id!
                    if termID < 0 { continue }
                    body(position, termID, start, end)
                }
            }
        }
        if let failure { throw failure }
        return Int(position)
    }

    /// Steps 3 to 6 on one token, leaving the UTF-8 term in `termBytes`.
    /// With `stem: false` step 6 is skipped (prefix queries match the folded, unstemmed form).
    private func termOf(_ token: UnsafeBufferPointer<UInt16>, stem: Bool) throws(AnalysisError) {
        try caseFolder.fold(token, into: &folded)
        try diacriticFolder.fold(&folded)
        ApostropheMapper.map(&folded)
        scalars.removeAll(keepingCapacity: true)
        var i = 0
        let n = folded.count
        while i < n {
            let unit = folded[i]
            if unit & 0xF800 != 0xD800 {
                scalars.append(Unicode.Scalar(unit)!)
                i += 1
            } else if unit & 0xFC00 == 0xD800, i + 1 < n, folded[i + 1] & 0xFC00 == 0xDC00 {
                let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(folded[i + 1]) - 0xDC00)
                scalars.append(Unicode.Scalar(value)!)
                i += 2
            } else {
                scalars.append("\u{FFFD}")  // an unpaired surrogate
                i += 1
            }
        }
        if stem { stemmer.stem(&scalars) }
        termBytes.removeAll(keepingCapacity: true)
        for scalar in scalars {
            let v = scalar.value
            if v < 0x80 {
                termBytes.append(UInt8(v))
            } else {
                UTF8.encode(scalar) { termBytes.append($0) }
            }
        }
    }

    /// The folded (steps 3 to 5) but unstemmed form of `word`, as used by prefix queries.
    public func foldedForm(of word: String) throws(AnalysisError) -> String {
        let units = Array(word.utf16)
        try units.withUnsafeBufferPointer { (buffer) throws(AnalysisError) in
            try termOf(buffer, stem: false)
        }
        return String(decoding: termBytes, as: UTF8.self)
    }

    /// Analyzes a string into owned tokens (surface text, term, position).
    public func tokens(of text: String) throws(AnalysisError) -> [Token] {
        let units = Array(text.utf16)
        var result: [Token] = []
        try units.withUnsafeBufferPointer { (buffer) throws(AnalysisError) in
            try analyze(buffer) { token in
                let range = Int(token.start)..<Int(token.end)
                result.append(Token(
                    position: Int(token.position),
                    text: String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF16.self),
                    term: String(decoding: token.term, as: UTF8.self),
                    range: range))
            }
        }
        return result
    }
}
