/// One `name: value` header line (RFC 9110 §5.1, RFC 9112 §5), shared by the response parser and the encoder.
///
/// The request parser predates this helper and keeps its own copy; both accept exactly token names and values
/// without control characters other than HTAB.
enum HTTPFieldLine {
    /// The name and the value (without surrounding whitespace), or nil when the line is malformed.
    static func parse(_ line: ArraySlice<UInt8>) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return nil }
        let name = line[line.startIndex..<colon]
        // Token characters only: this also rejects obs-fold (leading whitespace) and space before the colon.
        guard name.allSatisfy(isToken) else { return nil }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        guard isValidValue(value) else { return nil }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// RFC 9110 §5.6.2 `tchar`.
    static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// Whether a field value holds only HTAB, SP, visible characters and obs-text (no CR, LF, NUL or DEL).
    static func isValidValue<Bytes: Collection<UInt8>>(_ value: Bytes) -> Bool {
        value.allSatisfy { ($0 >= 0x20 || $0 == 0x09) && $0 != 0x7F }
    }
}
