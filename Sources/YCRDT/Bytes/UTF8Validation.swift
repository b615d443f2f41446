/// Strict UTF-8 validation with UTF-16 length, matching a fatal JavaScript `TextDecoder`.
///
/// Yjs counts string lengths (and therefore clocks) in UTF-16 code units, so validation and counting happen in one
/// pass: a 4-byte sequence is two UTF-16 units, every other scalar one.
public enum UTF8Validation {
    /// Returns the UTF-16 length of `bytes`, or `nil` if they are not well-formed UTF-8 (overlongs, surrogates,
    /// values above U+10FFFF and truncated sequences are rejected).
    @inlinable public static func utf16Count<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
        var i = bytes.startIndex
        let end = bytes.endIndex
        var count = 0
        while i < end {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                count += 1
                continue
            }
            if b0 < 0xC2 { return nil }
            if b0 < 0xE0 {
                guard i + 1 < end, bytes[i + 1] & 0xC0 == 0x80 else { return nil }
                i += 2
                count += 1
            } else if b0 < 0xF0 {
                guard i + 2 < end else { return nil }
                let b1 = bytes[i + 1], b2 = bytes[i + 2]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return nil }
                if b0 == 0xE0 && b1 < 0xA0 { return nil }
                if b0 == 0xED && b1 >= 0xA0 { return nil }
                i += 3
                count += 1
            } else if b0 < 0xF5 {
                guard i + 3 < end else { return nil }
                let b1 = bytes[i + 1], b2 = bytes[i + 2], b3 = bytes[i + 3]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { return nil }
                if b0 == 0xF0 && b1 < 0x90 { return nil }
                if b0 == 0xF4 && b1 >= 0x90 { return nil }
                i += 4
                count += 2
            } else {
                return nil
            }
        }
        return count
    }
}
