/// Step 5 of the analysis chain: U+2019, U+2018 and U+02BC become U+0027, so that
/// `auto’s` and `auto's` give the same term.
public enum ApostropheMapper {
    /// Maps the apostrophe look-alikes of `text` in place.
    public static func map(_ text: inout [UInt16]) {
        for i in text.indices {
            switch text[i] {
            case 0x2019, 0x2018, 0x02BC: text[i] = 0x27
            default: break
            }
        }
    }
}
