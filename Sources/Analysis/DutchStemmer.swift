/// Snowball 3.x `dutch` stemmer: the Kraaij-Pohlmann algorithm.
///
/// This is a hand-written Swift transcription of `algorithms/dutch.sbl` from
/// snowballstem/snowball as of Snowball 3.x, where `dutch` means the stemmer
/// developed by Wessel Kraaij and Renée Pohlmann (Snowball 3.0 made it the
/// default; the older Porter-style algorithm lives on as `dutch_porter` and is
/// *not* what this file implements). It reproduces the reference output of the
/// snowball-data `dutch/` vocabulary word for word.
///
/// ## Characters and groupings
///
/// The word is handled as a sequence of Unicode scalars (the reference
/// vocabulary is NFC, lower case). Accented vowels are not folded first; the
/// algorithm has its own groupings:
///
/// - `A` = a ä á à â, `E` = e ë é è ê, `I` = i ï í ì î, `O` = o ö ó ò ô,
///   `U` = u ü ú ù û
/// - `AIOU` = A + I + O + U, `AEIOU` = A + E + I + O + U
/// - `v` (vowel) = AEIOU + `y`; `v_WX` = v + `w` + `x`
/// - the digraph `ij` counts as a vowel in several places (`'ij' or v`).
///
/// ## Regions
///
/// `measure` computes two positions, each scanned forward as
/// *(non-vowels)\* (vowel or `ij`)+ one non-vowel*:
///
/// - `p1` is the position after the first such group (the end of the word if
///   there is none), so R1 is the part of the word after it;
/// - `p2` is found the same way starting at `p1`; R2 is the part after it.
///
/// `R1`/`R2` succeed when the cursor is at or after `p1`/`p2`. Unlike the
/// Porter algorithm there is no "at least 3 characters" adjustment. The regions
/// are measured once at the start, and measured again after a `ge` prefix or
/// infix has been removed.
///
/// ## Overall flow (`stem`)
///
/// 1. `measure`; then, working backwards from the end of the word, try
///    `Step_1` (plural and other inflectional endings), `Step_2` (diminutive
///    and adjectival `-e` endings), `Step_3` (derivational suffixes like
///    `-heid`, `-ing`, `-atie`) and `Step_4` (adjectival suffixes like `-baar`,
///    `-ig`, `-achtig`). Each one that succeeds sets `stemmed`.
/// 2. `Lose_prefix` removes a leading `ge` (past participle), with a few
///    exceptions; if it does, the regions are re-measured and `Step_1c`
///    removes a final participle `-d`/`-t`.
/// 3. `Lose_infix` removes a `ge` inside the word (`opgelopen`), again followed
///    by re-measuring and `Step_1c`.
/// 4. `Step_7` reduces final `-kt`/`-ft`/`-pt`, and if anything has been
///    removed so far, `Step_6` undoubles a final double consonant and turns a
///    final `v`/`z` into `f`/`s`.
///
/// Removing a suffix can leave a closed syllable whose vowel was long
/// (`lopen` → `lop`); `lengthen_V` doubles that vowel again (`loop`).
///
/// The implementation follows Snowball's execution model closely (a cursor
/// `c`, a slice `bra`..`ket`, backward mode working right to left with the
/// backward limit at 0), so each routine below can be read side by side with
/// the `.sbl` source. It works in place on the caller's array and never grows
/// it beyond its original length, so the hot path does not allocate.
public struct DutchStemmer: Sendable {

    public init() {}

    /// Stems `word` in place. The array's storage is reused; no allocation
    /// takes place as long as the caller's array is uniquely referenced.
    public func stem(_ word: inout [Unicode.Scalar]) {
        if word.isEmpty { return }
        let newCount = word.withUnsafeMutableBufferPointer { buffer -> Int in
            var m = Machine(buffer)
            m.stem()
            return m.l
        }
        while word.count > newCount { word.removeLast() }
    }

    /// Convenience wrapper: stems a `String` and returns the stem.
    public func stem(_ word: String) -> String {
        var scalars = Array(word.unicodeScalars)
        stem(&scalars)
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }
}

// MARK: - Groupings

/// Bit flags for the groupings of the `.sbl` file.
private enum G {
    static let a: UInt8 = 1
    static let e: UInt8 = 2
    static let i: UInt8 = 4
    static let o: UInt8 = 8
    static let u: UInt8 = 16
    static let y: UInt8 = 32
    static let wx: UInt8 = 64

    /// `AIOU`
    static let aiou: UInt8 = a | i | o | u
    /// `AEIOU`
    static let aeiou: UInt8 = a | e | i | o | u
    /// `v` = AEIOU + 'y'
    static let v: UInt8 = aeiou | y
    /// `v_WX` = v + 'wx'
    static let vWX: UInt8 = v | wx
}

@inline(__always)
private func groups(_ s: Unicode.Scalar) -> UInt8 {
    switch s.value {
    case 0x61, 0xE4, 0xE1, 0xE0, 0xE2: return G.a  // a ä á à â
    case 0x65, 0xEB, 0xE9, 0xE8, 0xEA: return G.e  // e ë é è ê
    case 0x69, 0xEF, 0xED, 0xEC, 0xEE: return G.i  // i ï í ì î
    case 0x6F, 0xF6, 0xF3, 0xF2, 0xF4: return G.o  // o ö ó ò ô
    case 0x75, 0xFC, 0xFA, 0xF9, 0xFB: return G.u  // u ü ú ù û
    case 0x79: return G.y  // y
    case 0x77, 0x78: return G.wx  // w x
    default: return 0
    }
}

private let eDiaeresis: Unicode.Scalar = "\u{EB}"  // ë
private let eAcute: Unicode.Scalar = "\u{E9}"  // é
private let iDiaeresis: Unicode.Scalar = "\u{EF}"  // ï

// MARK: - Snowball machine

/// The state of one stemming run: the string, the cursor `c`, the slice
/// `bra`..`ket`, the backward limit `lb` (always 0 here), the regions and the
/// two booleans of the `.sbl` file.
///
/// The string is the caller's own storage: `p[0..<l]` is the current word.
/// No step makes the word longer than it was at the start (every routine that
/// inserts, `attach` and `lengthen_V`, first deleted at least as much), so the
/// word always fits in the original buffer; `resize` checks this.
private struct Machine {
    let p: UnsafeMutableBufferPointer<Unicode.Scalar>
    /// The forward limit: the end of the current word.
    var l: Int
    var c = 0
    var lb = 0
    var bra = 0
    var ket = 0
    var p1 = 0
    var p2 = 0
    var stemmed = false
    var geRemoved = false

    init(_ buffer: UnsafeMutableBufferPointer<Unicode.Scalar>) {
        p = buffer
        l = buffer.count
    }

    // MARK: Primitive tests (forward)

    @inline(__always)
    func isIn(_ i: Int, _ mask: UInt8) -> Bool { groups(p[i]) & mask != 0 }

    /// Grouping test forward: `mask` (in = true) or `non-mask` (in = false).
    @inline(__always)
    mutating func grpF(_ mask: UInt8, _ inside: Bool) -> Bool {
        guard c < l, isIn(c, mask) == inside else { return false }
        c += 1
        return true
    }

    /// Does the (ASCII) literal `s` occur at `start`, within `lb..<l`?
    @inline(__always)
    func matches(_ s: StaticString, from start: Int) -> Bool {
        s.withUTF8Buffer { b in
            guard start >= lb, start + b.count <= l else { return false }
            for k in 0..<b.count where p[start + k].value != UInt32(b[k]) { return false }
            return true
        }
    }

    /// Literal (ASCII) string match forward.
    @inline(__always)
    mutating func eqF(_ s: StaticString) -> Bool {
        let n = s.withUTF8Buffer { $0.count }
        guard matches(s, from: c) else { return false }
        c += n
        return true
    }

    /// `('ij' or v)` forward.
    @inline(__always)
    mutating func ijOrV() -> Bool {
        guard c < l else { return false }
        if p[c] == "i" && c + 1 < l && p[c + 1] == "j" {
            c += 2
            return true
        }
        return grpF(G.v, true)
    }

    // MARK: Primitive tests (backward)

    /// Grouping test backward: `mask` (in = true) or `non-mask` (in = false).
    @inline(__always)
    mutating func grpB(_ mask: UInt8, _ inside: Bool) -> Bool {
        guard c > lb, isIn(c - 1, mask) == inside else { return false }
        c -= 1
        return true
    }

    /// Does the (ASCII) literal `s` end at position `at`?
    @inline(__always)
    func endsWith(_ s: StaticString, at: Int) -> Bool {
        matches(s, from: at - s.withUTF8Buffer { $0.count })
    }

    /// Literal (ASCII) string match backward.
    @inline(__always)
    mutating func eqB(_ s: StaticString) -> Bool {
        guard endsWith(s, at: c) else { return false }
        c -= s.withUTF8Buffer { $0.count }
        return true
    }

    // MARK: String modification

    /// Snowball's `replace_s`: makes room for `n` scalars in place of
    /// `cb..<ck` and adjusts the cursor. The caller fills `cb..<cb+n`.
    /// Returns the length adjustment.
    @inline(__always)
    mutating func resize(_ cb: Int, _ ck: Int, _ n: Int) -> Int {
        let adj = n - (ck - cb)
        if adj < 0 {
            var i = ck
            while i < l {
                p[i + adj] = p[i]
                i += 1
            }
        } else if adj > 0 {
            precondition(l + adj <= p.count, "DutchStemmer: the word outgrew its buffer")
            var i = l - 1
            while i >= ck {
                p[i + adj] = p[i]
                i -= 1
            }
        }
        l += adj
        if c >= ck {
            c += adj
        } else if c > cb {
            c = cb
        }
        return adj
    }

    /// `<- s` with an ASCII literal: replace the slice, `ket` follows.
    @inline(__always)
    mutating func sliceFrom(_ s: StaticString) {
        s.withUTF8Buffer { b in
            _ = resize(bra, ket, b.count)
            for k in 0..<b.count { p[bra + k] = Unicode.Scalar(b[k]) }
            ket = bra + b.count
        }
    }

    /// `<- s` where `s` is one to three scalars (used for the non-ASCII
    /// replacements and for copying a scalar of the word).
    @inline(__always)
    mutating func sliceFromScalars(_ a: Unicode.Scalar, _ b: Unicode.Scalar? = nil, _ d: Unicode.Scalar? = nil) {
        let n = 1 + (b == nil ? 0 : 1) + (d == nil ? 0 : 1)
        _ = resize(bra, ket, n)
        p[bra] = a
        if let b { p[bra + 1] = b }
        if let d { p[bra + 2] = d }
        ket = bra + n
    }

    /// `delete`
    @inline(__always)
    mutating func sliceDel() { sliceFrom("") }

    /// Snowball's `insert_s` at the cursor, adjusting `bra`/`ket`.
    @inline(__always)
    mutating func insertAtCursor(_ s: StaticString) {
        let at = c
        s.withUTF8Buffer { b in
            let adj = resize(at, at, b.count)
            for k in 0..<b.count { p[at + k] = Unicode.Scalar(b[k]) }
            if at <= bra { bra += adj }
            if at <= ket { ket += adj }
        }
    }

    /// `insert ch` in backward mode, `ch` being one scalar: the cursor stays
    /// where it was (before the inserted text).
    @inline(__always)
    mutating func insertB(_ ch: Unicode.Scalar) {
        let at = c
        let adj = resize(at, at, 1)
        p[at] = ch
        if at <= bra { bra += adj }
        if at <= ket { ket += adj }
        c = at
    }

    /// `attach s` in backward mode: the cursor ends up after the inserted
    /// text.
    @inline(__always)
    mutating func attachB(_ s: StaticString) {
        insertAtCursor(s)  // replace_s already moves c past the insertion
    }

    // MARK: Backward-mode conditions

    /// `R1`: `$p1 <= cursor`
    @inline(__always)
    func r1() -> Bool { p1 <= c }

    /// `R2`: `$p2 <= cursor`
    @inline(__always)
    func r2() -> Bool { p2 <= c }

    /// `V`: `test (v or 'ij')` — a vowel, or the digraph `ij`, precedes.
    @inline(__always)
    func vowelBefore() -> Bool {
        (c > lb && isIn(c - 1, G.v)) || endsWith("ij", at: c)
    }

    /// `VX`: `test (next (v or 'ij'))` — the same, one character further
    /// back.
    @inline(__always)
    func vowelBeforeNext() -> Bool {
        guard c > lb else { return false }
        let x = c - 1
        return (x > lb && isIn(x - 1, G.v)) || endsWith("ij", at: x)
    }

    /// `C`: `test (not 'ij' non-v)` — a consonant precedes, and it is not the
    /// `j` of `ij`.
    @inline(__always)
    func consonantBefore() -> Bool {
        if endsWith("ij", at: c) { return false }
        return c > lb && !isIn(c - 1, G.v)
    }

    // MARK: - Routines, in the order of the .sbl file

    /// `lengthen_V`: after a suffix has been removed, if the word now ends in
    /// consonant + single vowel + consonant (the last one not `w`/`x`), double
    /// the vowel to keep it long (`lop` → `loop`). For `e`-like vowels more
    /// context is checked; `eë` and `ië` are rewritten to `eëe` and `iee`.
    /// Always succeeds (`do`).
    mutating func lengthenV() {
        let saved = l - c
        defer { c = l - saved }

        guard grpB(G.vWX, false) else { return }  // non-v_WX
        ket = c
        // [substring] among (...)
        guard c > lb else { return }
        let last = p[c - 1]
        if last == eDiaeresis, c - 2 >= lb, p[c - 2] == "e" || p[c - 2] == "i" {
            let first = p[c - 2]
            c -= 2
            bra = c
            if first == "e" {
                // 'e{e"}' (<-'e{e"}e')
                sliceFromScalars("e", eDiaeresis, "e")
            } else {
                // 'i{e"}' (<-'iee')
                sliceFrom("iee")
            }
            return
        }
        let g = groups(last)
        if g & (G.a | G.o | G.u) != 0 {
            // 'a' 'ä' 'á' 'à' 'â' 'o' ... 'u' ...:
            //   (test (non-AEIOU or atlimit) ->ch insert ch)
            c -= 1
            bra = c
            guard c == lb || !isIn(c - 1, G.aeiou) else { return }
            insertB(last)
        } else if g & G.e != 0 && last != eDiaeresis {
            // 'e' 'é' 'è' 'ê':
            //   (test (non-AEIOU or atlimit
            //          not (AIOU or (E atlimit))
            //          not (next AIOU non-AEIOU))
            //    ->ch insert ch)
            c -= 1
            bra = c
            var x = c
            if x > lb && !isIn(x - 1, G.aeiou) {
                x -= 1
            } else if x != lb {
                return
            }
            // not (AIOU or (E atlimit))
            if x > lb && isIn(x - 1, G.aiou) { return }
            if x > lb && isIn(x - 1, G.e) && x - 1 == lb { return }
            // not (next AIOU non-AEIOU)
            if x > lb {
                let y = x - 1
                if y > lb && isIn(y - 1, G.aiou) {
                    let z = y - 1
                    if z > lb && !isIn(z - 1, G.aeiou) { return }
                }
            }
            insertB(last)
        }
    }

    /// `Step_1`: inflectional endings — `'s`, `-s`, `-ies`, `-es`, `-és`,
    /// `-aus`, `-en`, `-nde`.
    mutating func step1() -> Bool {
        ket = c
        let c0: Int
        enum S { case apostropheS, s, ies, es, eAcuteS, aus, en, nde }
        let which: S
        if endsWith("ies", at: c) {
            which = .ies; c0 = c - 3
        } else if endsWith("aus", at: c) {
            which = .aus; c0 = c - 3
        } else if endsWith("nde", at: c) {
            which = .nde; c0 = c - 3
        } else if endsWith("'s", at: c) {
            which = .apostropheS; c0 = c - 2
        } else if endsWith("es", at: c) {
            which = .es; c0 = c - 2
        } else if c - 2 >= lb, p[c - 2] == eAcute, p[c - 1] == "s" {
            which = .eAcuteS; c0 = c - 2
        } else if endsWith("en", at: c) {
            which = .en; c0 = c - 2
        } else if endsWith("s", at: c) {
            which = .s; c0 = c - 1
        } else {
            return false
        }
        c = c0
        bra = c0

        switch which {
        case .apostropheS:
            // '{'}s' (delete)
            sliceDel()
            return true
        case .s:
            // 's' (R1 not ('t' R1) C delete)
            guard r1() else { return false }
            if endsWith("t", at: c0) && p1 <= c0 - 1 { return false }
            guard consonantBefore() else { return false }
            sliceDel()
            return true
        case .ies:
            // 'ies' (R1 <-'ie')
            guard r1() else { return false }
            sliceFrom("ie")
            return true
        case .es:
            // 'es' ((test ('ar' R1 C) delete lengthen_V) or
            //       (test ('er' R1 C) delete) or
            //       (R1 C <-'e'))
            if endsWith("ar", at: c0) {
                c = c0 - 2
                let ok = r1() && consonantBefore()
                c = c0
                if ok {
                    sliceDel()
                    lengthenV()
                    return true
                }
            }
            if endsWith("er", at: c0) {
                c = c0 - 2
                let ok = r1() && consonantBefore()
                c = c0
                if ok {
                    sliceDel()
                    return true
                }
            }
            guard r1(), consonantBefore() else { return false }
            sliceFrom("e")
            return true
        case .eAcuteS:
            // '{e'}s' (R1 <-'{e'}')
            guard r1() else { return false }
            sliceFromScalars(eAcute)
            return true
        case .aus:
            // 'aus' (R1 V <-'au')
            guard r1(), vowelBefore() else { return false }
            sliceFrom("au")
            return true
        case .en:
            // 'en' (('hed' R1 ] <-'heid') or
            //       ('nd' delete) or
            //       ('d' R1 C ] delete) or
            //       ('i' or 'j' V delete) or
            //       (R1 C delete lengthen_V))
            if eqB("hed") {
                if r1() {
                    bra = c
                    sliceFrom("heid")
                    return true
                }
                c = c0
            }
            if endsWith("nd", at: c0) {
                sliceDel()
                return true
            }
            if eqB("d") {
                if r1() && consonantBefore() {
                    bra = c
                    sliceDel()
                    return true
                }
                c = c0
            }
            if c0 > lb && (p[c0 - 1] == "i" || p[c0 - 1] == "j") {
                c = c0 - 1
                if vowelBefore() {
                    sliceDel()
                    return true
                }
                c = c0
            }
            guard r1(), consonantBefore() else { return false }
            sliceDel()
            lengthenV()
            return true
        case .nde:
            // 'nde' (<-'nd')
            sliceFrom("nd")
            return true
        }
    }

    /// `Step_2`: diminutives (`-je` and its variants `-tje`, `-etje`, `-pje`,
    /// `-kje`, `'tje`) and `-e` endings of adjectives and nouns (`-ge`,
    /// `-lijke`, `-ische`, `-de`, `-te`, `-se`, `-re`, `-le`, `-ene`,
    /// `-ieve`).
    mutating func step2() -> Bool {
        ket = c
        let c0: Int
        enum S { case je, ge, lijke, ische, de, te, se, re, le, ene, ieve }
        let which: S
        if endsWith("lijke", at: c) {
            which = .lijke; c0 = c - 5
        } else if endsWith("ische", at: c) {
            which = .ische; c0 = c - 5
        } else if endsWith("ieve", at: c) {
            which = .ieve; c0 = c - 4
        } else if endsWith("ene", at: c) {
            which = .ene; c0 = c - 3
        } else if c - 2 >= lb && p[c - 1] == "e" {
            switch p[c - 2] {
            case "j": which = .je
            case "g": which = .ge
            case "d": which = .de
            case "t": which = .te
            case "s": which = .se
            case "r": which = .re
            case "l": which = .le
            default: return false
            }
            c0 = c - 2
        } else {
            return false
        }
        c = c0
        bra = c0

        switch which {
        case .je:
            // 'je' (('{'}t' ] delete) or
            //       ('et'   ] R1 C delete) or
            //       ('rnt'  ] <-'rn') or
            //       ('t'    ] R1 VX delete) or
            //       ('ink'  ] <-'ing') or
            //       ('mp'   ] <-'m') or
            //       ('{'}'  ] R1 delete) or
            //       (] R1 C delete))
            if eqB("'t") {
                bra = c
                sliceDel()
                return true
            }
            if eqB("et") {
                bra = c
                if r1() && consonantBefore() {
                    sliceDel()
                    return true
                }
                c = c0
            }
            if eqB("rnt") {
                bra = c
                sliceFrom("rn")
                return true
            }
            if eqB("t") {
                bra = c
                if r1() && vowelBeforeNext() {
                    sliceDel()
                    return true
                }
                c = c0
            }
            if eqB("ink") {
                bra = c
                sliceFrom("ing")
                return true
            }
            if eqB("mp") {
                bra = c
                sliceFrom("m")
                return true
            }
            if eqB("'") {
                bra = c
                if r1() {
                    sliceDel()
                    return true
                }
                c = c0
            }
            bra = c
            guard r1(), consonantBefore() else { return false }
            sliceDel()
            return true
        case .ge:
            // 'ge' (R1 <-'g')
            guard r1() else { return false }
            sliceFrom("g")
        case .lijke:
            // 'lijke' (R1 <-'lijk')
            guard r1() else { return false }
            sliceFrom("lijk")
        case .ische:
            // 'ische' (R1 <-'isch')
            guard r1() else { return false }
            sliceFrom("isch")
        case .de:
            // 'de' (R1 C delete)
            guard r1(), consonantBefore() else { return false }
            sliceDel()
        case .te:
            // 'te' (R1 <-'t')
            guard r1() else { return false }
            sliceFrom("t")
        case .se:
            // 'se' (R1 <-'s')
            guard r1() else { return false }
            sliceFrom("s")
        case .re:
            // 're' (R1 <-'r')
            guard r1() else { return false }
            sliceFrom("r")
        case .le:
            // 'le' (R1 delete attach 'l' lengthen_V)
            guard r1() else { return false }
            sliceDel()
            attachB("l")
            lengthenV()
        case .ene:
            // 'ene' (R1 C delete attach 'en' lengthen_V)
            guard r1(), consonantBefore() else { return false }
            sliceDel()
            attachB("en")
            lengthenV()
        case .ieve:
            // 'ieve' (R1 C <-'ief')
            guard r1(), consonantBefore() else { return false }
            sliceFrom("ief")
        }
        return true
    }

    /// `Step_3`: derivational suffixes — `-atie`, `-iteit`, `-heid`, `-sel`,
    /// `-ster`, `-rder`, `-ing`, `-isme`, `-erij`, `-arij`, `-fie`, `-gie`,
    /// `-tst`, `-dst`.
    mutating func step3() -> Bool {
        ket = c
        enum S { case atie, iteit, heidSelSter, rder, ingIsmeErij, arij, fie, gie, tst, dst }
        let which: S
        let n: Int
        if endsWith("iteit", at: c) {
            which = .iteit; n = 5
        } else if endsWith("atie", at: c) {
            which = .atie; n = 4
        } else if endsWith("heid", at: c) || endsWith("ster", at: c) {
            which = .heidSelSter; n = 4
        } else if endsWith("rder", at: c) {
            which = .rder; n = 4
        } else if endsWith("isme", at: c) || endsWith("erij", at: c) {
            which = .ingIsmeErij; n = 4
        } else if endsWith("arij", at: c) {
            which = .arij; n = 4
        } else if endsWith("sel", at: c) {
            which = .heidSelSter; n = 3
        } else if endsWith("ing", at: c) {
            which = .ingIsmeErij; n = 3
        } else if endsWith("fie", at: c) {
            which = .fie; n = 3
        } else if endsWith("gie", at: c) {
            which = .gie; n = 3
        } else if endsWith("tst", at: c) {
            which = .tst; n = 3
        } else if endsWith("dst", at: c) {
            which = .dst; n = 3
        } else {
            return false
        }
        c -= n
        bra = c

        switch which {
        case .atie:
            // 'atie' (R1 <-'eer')
            guard r1() else { return false }
            sliceFrom("eer")
        case .iteit:
            // 'iteit' (R1 delete lengthen_V)
            guard r1() else { return false }
            sliceDel()
            lengthenV()
        case .heidSelSter:
            // 'heid' 'sel' 'ster' (R1 delete)
            guard r1() else { return false }
            sliceDel()
        case .rder:
            // 'rder' (<-'r')
            sliceFrom("r")
        case .ingIsmeErij:
            // 'ing' 'isme' 'erij'
            //   (('ild' <- 'er') or (R1 delete lengthen_V))
            // Exception added to avoid conflating `schilderij` (painting)
            // and `schild` (shield). (As in the .sbl, the exception is
            // shared by all three suffixes of this group.)
            if endsWith("ild", at: c) {
                sliceFrom("er")
                return true
            }
            guard r1() else { return false }
            sliceDel()
            lengthenV()
        case .arij:
            // 'arij' (R1 C <-'aar')
            guard r1(), consonantBefore() else { return false }
            sliceFrom("aar")
        case .fie:
            // 'fie' (R2 delete attach 'f' lengthen_V)
            guard r2() else { return false }
            sliceDel()
            attachB("f")
            lengthenV()
        case .gie:
            // 'gie' (R2 delete attach 'g' lengthen_V)
            guard r2() else { return false }
            sliceDel()
            attachB("g")
            lengthenV()
        case .tst:
            // 'tst' (R1 C <-'t')
            guard r1(), consonantBefore() else { return false }
            sliceFrom("t")
        case .dst:
            // 'dst' (R1 C <-'d')
            guard r1(), consonantBefore() else { return false }
            sliceFrom("d")
        }
        return true
    }

    /// `Step_4`: adjectival suffixes. First among: `-ioneel`, `-atief`,
    /// `-baar`, `-naar`, `-laar`, `-raar`, `-tant`, `-lijker`, `-lijkst`,
    /// `-achtig(er|st)`, `-erig(er|st)`, `-end`; if that fails, the second
    /// among: `-ig`, `-iger`, `-igst`.
    mutating func step4() -> Bool {
        let start = c
        if step4First() { return true }
        c = start  // `or` restores the cursor
        return step4Second()
    }

    private mutating func step4First() -> Bool {
        ket = c
        enum S { case ioneel, atief, baar, naar, laar, raar, tant, lijk, achtig, erigEnd }
        let which: S
        let n: Int
        if endsWith("achtigst", at: c) || endsWith("achtiger", at: c) {
            which = .achtig; n = 8
        } else if endsWith("ioneel", at: c) {
            which = .ioneel; n = 6
        } else if endsWith("lijker", at: c) || endsWith("lijkst", at: c) {
            which = .lijk; n = 6
        } else if endsWith("achtig", at: c) {
            which = .achtig; n = 6
        } else if endsWith("eriger", at: c) || endsWith("erigst", at: c) {
            which = .erigEnd; n = 6
        } else if endsWith("atief", at: c) {
            which = .atief; n = 5
        } else if endsWith("baar", at: c) {
            which = .baar; n = 4
        } else if endsWith("naar", at: c) {
            which = .naar; n = 4
        } else if endsWith("laar", at: c) {
            which = .laar; n = 4
        } else if endsWith("raar", at: c) {
            which = .raar; n = 4
        } else if endsWith("tant", at: c) {
            which = .tant; n = 4
        } else if endsWith("erig", at: c) {
            which = .erigEnd; n = 4
        } else if endsWith("end", at: c) {
            which = .erigEnd; n = 3
        } else {
            return false
        }
        c -= n
        bra = c

        switch which {
        case .ioneel:
            // 'ioneel' (R1 <-'ie')
            guard r1() else { return false }
            sliceFrom("ie")
        case .atief:
            // 'atief' (R1 <-'eer')
            guard r1() else { return false }
            sliceFrom("eer")
        case .baar:
            // 'baar' (R1 delete)
            guard r1() else { return false }
            sliceDel()
        case .naar:
            // 'naar' (R1 V <-'n')
            guard r1(), vowelBefore() else { return false }
            sliceFrom("n")
        case .laar:
            // 'laar' (R1 V <-'l')
            guard r1(), vowelBefore() else { return false }
            sliceFrom("l")
        case .raar:
            // 'raar' (R1 V <-'r')
            guard r1(), vowelBefore() else { return false }
            sliceFrom("r")
        case .tant:
            // 'tant' (R1 <-'teer')
            guard r1() else { return false }
            sliceFrom("teer")
        case .lijk:
            // 'lijker' 'lijkst' (R1 <-'lijk')
            guard r1() else { return false }
            sliceFrom("lijk")
        case .achtig:
            // 'achtig' 'achtiger' 'achtigst' (R1 delete)
            guard r1() else { return false }
            sliceDel()
        case .erigEnd:
            // 'eriger' 'erigst' 'erig' 'end' (R1 C delete lengthen_V)
            guard r1(), consonantBefore() else { return false }
            sliceDel()
            lengthenV()
        }
        return true
    }

    private mutating func step4Second() -> Bool {
        ket = c
        let n: Int
        if endsWith("iger", at: c) || endsWith("igst", at: c) {
            n = 4
        } else if endsWith("ig", at: c) {
            n = 2
        } else {
            return false
        }
        c -= n
        bra = c
        // 'iger' 'igst' 'ig' (R1 not ('inn' atlimit) C delete lengthen_V)
        guard r1() else { return false }
        // Exception added to avoid conflating `innig` (intimate) and `in` (in).
        if endsWith("inn", at: c) && c - 3 == lb { return false }
        guard consonantBefore() else { return false }
        sliceDel()
        lengthenV()
        return true
    }

    /// `Step_7`: `-kt` → `-k`, `-ft` → `-f`, `-pt` → `-p`.
    mutating func step7() -> Bool {
        guard c - 2 >= lb, p[c - 1] == "t" else { return false }
        let x = p[c - 2]
        guard x == "k" || x == "f" || x == "p" else { return false }
        ket = c
        c -= 2
        bra = c
        sliceFromScalars(x)
        return true
    }

    /// `Step_6`: undouble a final double consonant (`bb` → `b`, …, `zz` →
    /// `z`), and otherwise turn a final `v` into `f` and `z` into `s`.
    mutating func step6() -> Bool {
        guard c > lb else { return false }
        let last = p[c - 1]
        ket = c
        if c - 2 >= lb && p[c - 2] == last {
            switch last {
            case "b", "c", "d", "f", "g", "h", "j", "k", "l", "m",
                 "n", "p", "q", "r", "s", "t", "v", "w", "x", "z":
                c -= 2
                bra = c
                if last == "n" {
                    // 'nn': Exception added to avoid conflating `innen`
                    // (to collect/cash) and `in` (in).
                    if endsWith("i", at: c) && c - 1 == lb { return false }
                }
                sliceFromScalars(last)
                return true
            default:
                break
            }
        }
        switch last {
        case "v":
            c -= 1
            bra = c
            sliceFrom("f")
            return true
        case "z":
            c -= 1
            bra = c
            sliceFrom("s")
            return true
        default:
            return false
        }
    }

    /// `Step_1c`: after a `ge` prefix or infix has been removed, drop the
    /// participle's final `-d` or `-t` (in R1, after a consonant), except
    /// after `n`/`h` in R1.
    mutating func step1c() -> Bool {
        guard c > lb else { return false }
        let last = p[c - 1]
        guard last == "d" || last == "t" else { return false }
        ket = c
        c -= 1
        bra = c
        guard r1(), consonantBefore() else { return false }
        if last == "d" {
            // 'd' (not ('n' R1) ('in' atlimit <-'n') or delete)
            if endsWith("n", at: c) && p1 <= c - 1 { return false }
            // Exception added to avoid conflating `geïnd` (collected/cashed)
            // and `in` (in). Instead we conflate `geïnd` with `innen`.
            if endsWith("in", at: c) && c - 2 == lb {
                sliceFrom("n")
            } else {
                sliceDel()
            }
        } else {
            // 't' (not ('h' R1) not ('en' atlimit) delete)
            if endsWith("h", at: c) && p1 <= c - 1 { return false }
            // Exception added to avoid conflating `geënt` (grafted) and `en`
            // (and).
            if endsWith("en", at: c) && c - 2 == lb { return false }
            sliceDel()
        }
        return true
    }

    /// The `test (gopast ('ij' or v) repeat ('ij' or v) not atlimit)` shared
    /// by `Lose_prefix` and `Lose_infix`: what follows the `ge` must contain
    /// a vowel (or `ij`) that is followed by a consonant. Cursor unchanged.
    private mutating func vowelThenConsonantFollows() -> Bool {
        let saved = c
        defer { c = saved }
        while !ijOrV() {  // gopast ('ij' or v)
            if c >= l { return false }
            c += 1
        }
        while ijOrV() {}  // repeat ('ij' or v)
        return c < l  // not atlimit
    }

    /// `do ([substring] among ('ë' (<-'e') 'ï' (<-'i')))` after removing
    /// `ge`: a diaeresis that only marked the syllable break after `ge` is
    /// dropped (`geëerd` → `eerd`).
    private mutating func dropDiaeresis() {
        let saved = c
        defer { c = saved }
        guard c < l else { return }
        let x = p[c]
        guard x == eDiaeresis || x == iDiaeresis else { return }
        bra = c
        c += 1
        ket = c
        sliceFromScalars(x == eDiaeresis ? "e" : "i")
    }

    /// `Lose_prefix`: remove a leading `ge` (past participle) when at least 3
    /// characters follow and they contain a vowel followed by a consonant,
    /// with these exceptions (the among after the `ge`):
    /// - `eft` (false): avoid conflating `geeft` and `effen`/`effende`/
    ///   `geeffende`.
    /// - `val` (false), `vali` (true): avoid conflating `gevallen`/`geval`
    ///   and `vallen`.
    /// - `vaa`, `vare` (false): avoid conflating `gevaren`/`gevaar` (danger),
    ///   `gevaarten` (huge objects) and `varen` (to sail).
    mutating func losePrefix() -> Bool {
        // ['ge']
        bra = c
        guard eqF("ge") else { return false }
        ket = c
        // test hop 3
        guard l - c >= 3 else { return false }
        guard vowelThenConsonantFollows() else { return false }
        // among ('eft' (false) 'val' (false) 'vali' (true)
        //        'vaa' 'vare' (false) '' (true))
        // (longest match first; the cursor moves past the matched string)
        if eqF("vali") {
            // 'vali' (true): `gevalideerd` etc. still lose their `ge`.
        } else if matches("eft", from: c) {
            // 'eft' (false): avoid conflating `geeft` and
            // `effen`/`effende`/`geeffende`.
            return false
        } else if matches("val", from: c) {
            // 'val' (false): avoid conflating `gevallen`/`geval` and
            // `vallen`.
            return false
        } else if matches("vaa", from: c) || matches("vare", from: c) {
            // 'vaa' 'vare' (false): avoid conflating `gevaren`/`gevaar`
            // (danger), `gevaarten` (huge objects) and `varen` (to sail).
            return false
        }
        // '' (true)
        geRemoved = true
        sliceDel()
        dropDiaeresis()
        return true
    }

    /// `Lose_infix`: remove the first `ge` found after the first character
    /// (`opgelopen` → `oplopen`), on the same conditions as `Lose_prefix`
    /// but without its exceptions.
    mutating func loseInfix() -> Bool {
        // next
        guard c < l else { return false }
        c += 1
        // gopast (['ge'])
        while true {
            bra = c
            if eqF("ge") {
                ket = c
                break
            }
            if c >= l { return false }
            c += 1
        }
        // test hop 3
        guard l - c >= 3 else { return false }
        guard vowelThenConsonantFollows() else { return false }
        geRemoved = true
        sliceDel()
        dropDiaeresis()
        return true
    }

    /// `measure`: set `p1` and `p2` (see the file's doc comment). Both
    /// default to the end of the word. Cursor unchanged.
    mutating func measure() {
        p1 = l
        p2 = l
        let saved = c
        defer { c = saved }
        // repeat non-v  atleast 1 ('ij' or v)  non-v  setmark p1
        while grpF(G.v, false) {}
        guard ijOrV() else { return }
        while ijOrV() {}
        guard grpF(G.v, false) else { return }
        p1 = c
        // repeat non-v  atleast 1 ('ij' or v)  non-v  setmark p2
        while grpF(G.v, false) {}
        guard ijOrV() else { return }
        while ijOrV() {}
        guard grpF(G.v, false) else { return }
        p2 = c
    }

    /// `stem`: the main routine.
    mutating func stem() {
        stemmed = false
        c = 0
        lb = 0
        measure()

        // backwards (do (Step_1 set stemmed) ... do (Step_4 set stemmed))
        c = l
        if step1() { stemmed = true }
        c = l
        if step2() { stemmed = true }
        c = l
        if step3() { stemmed = true }
        c = l
        if step4() { stemmed = true }
        c = 0

        // unset GE_removed  do (Lose_prefix and measure)
        geRemoved = false
        if losePrefix() {
            c = 0
            measure()
        }
        c = 0
        // backwards (do (GE_removed set stemmed Step_1c))
        if geRemoved {
            stemmed = true
            c = l
            _ = step1c()
        }
        c = 0

        // unset GE_removed  do (Lose_infix and measure)
        geRemoved = false
        if loseInfix() {
            c = 0
            measure()
        }
        c = 0
        // backwards (do (GE_removed set stemmed Step_1c))
        if geRemoved {
            stemmed = true
            c = l
            _ = step1c()
        }

        // backwards (do (Step_7 set stemmed) do (stemmed Step_6))
        c = l
        if step7() { stemmed = true }
        c = l
        if stemmed { _ = step6() }
    }
}
