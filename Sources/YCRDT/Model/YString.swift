/// String content as well-formed UTF-8 bytes with its length in UTF-16 code units.
///
/// Yjs measures text in UTF-16 units (clocks advance by `str.length`), while the wire carries UTF-8. Keeping the
/// decoded bytes (a slice of the input, no copy) makes decoding, encoding and the UTF-16 length O(1) per item;
/// splitting walks the bytes once. Splitting inside a surrogate pair replaces both halves with U+FFFD, exactly as
/// Yjs `ContentString.splice` does (yjs#248), so lengths and clocks are unchanged. Spec: yjs-format.md §2.6.
public struct YString: Hashable, Sendable, CustomStringConvertible {
    /// The UTF-8 bytes (always well-formed).
    public let utf8: ArraySlice<UInt8>
    /// The length in UTF-16 code units.
    public let utf16Count: Int

    /// Wraps bytes already validated as UTF-8 with their UTF-16 length.
    @inlinable public init(validatedUTF8 utf8: ArraySlice<UInt8>, utf16Count: Int) {
        self.utf8 = utf8
        self.utf16Count = utf16Count
    }

    /// Creates string content from a Swift string.
    public init(_ string: String) {
        self.utf8 = Array(string.utf8)[...]
        self.utf16Count = string.utf16.count
    }

    /// The content as a Swift string.
    public var string: String { String(decoding: self.utf8, as: UTF8.self) }
    public var description: String { self.string }

    /// Whether every character is ASCII (then UTF-8 and UTF-16 offsets coincide).
    @inlinable public var isASCII: Bool { self.utf8.count == self.utf16Count }

    /// Byte offset of the UTF-16 offset `offset`, and whether it falls inside a surrogate pair (then the returned
    /// byte offset is the start of that 4-byte sequence).
    @usableFromInline func byteOffset(utf16 offset: Int) -> (byte: Int, splitsPair: Bool) {
        if self.isASCII { return (offset, false) }
        var units = 0
        var i = self.utf8.startIndex
        while i < self.utf8.endIndex && units < offset {
            let b = self.utf8[i]
            let width = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            let u = width == 4 ? 2 : 1
            if units + u > offset { return (i - self.utf8.startIndex, true) }
            units += u
            i += width
        }
        return (i - self.utf8.startIndex, false)
    }

    /// Splits at a UTF-16 offset (0 < offset < utf16Count) into left and right parts.
    /// A split inside a surrogate pair turns both halves into U+FFFD (Yjs `ContentString.splice`).
    public func split(at offset: Int) -> (YString, YString) {
        let (byte, splitsPair) = self.byteOffset(utf16: offset)
        let s = self.utf8.startIndex
        if !splitsPair {
            return (
                YString(validatedUTF8: self.utf8[s ..< s + byte], utf16Count: offset),
                YString(validatedUTF8: self.utf8[(s + byte)...], utf16Count: self.utf16Count - offset)
            )
        }
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        let left = Array(self.utf8[s ..< s + byte]) + replacement
        let right = replacement + Array(self.utf8[(s + byte + 4)...])
        return (
            YString(validatedUTF8: left[...], utf16Count: offset),
            YString(validatedUTF8: right[...], utf16Count: self.utf16Count - offset)
        )
    }

    /// The part from UTF-16 offset `offset` on (Yjs `str.slice(offset)` after a splice).
    public func dropFirst(_ offset: Int) -> YString {
        guard offset > 0 else { return self }
        guard offset < self.utf16Count else { return YString(validatedUTF8: [], utf16Count: 0) }
        return self.split(at: offset).1
    }

    /// Concatenation (for merging adjacent string items).
    public static func + (lhs: YString, rhs: YString) -> YString {
        YString(validatedUTF8: (Array(lhs.utf8) + Array(rhs.utf8))[...], utf16Count: lhs.utf16Count + rhs.utf16Count)
    }

    public static func == (lhs: YString, rhs: YString) -> Bool { lhs.utf8.elementsEqual(rhs.utf8) }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.utf16Count)
        for b in self.utf8 { hasher.combine(b) }
    }
}
