/// Encodes ``RESPValue``s in RESP2/RESP3 wire form.
///
/// Clients only ever send commands (``RESPCommand``); encoding arbitrary values serves tests, fake servers and
/// captures. Simple strings and errors cannot hold CR or LF on the wire, so those bytes are replaced by spaces rather
/// than producing a stream that would desynchronise the reader. Doubles print in Swift's shortest round-trip form,
/// with `inf`, `-inf` and `nan` as RESP3 spells them.
public enum RESPEncoder {
    static let crlf: [UInt8] = [13, 10]

    /// The wire form of `value`.
    public static func encode(_ value: RESPValue) -> [UInt8] {
        var bytes: [UInt8] = []
        self.append(value, to: &bytes)
        return bytes
    }

    /// Appends the wire form of `value` to `buffer`.
    public static func append(_ value: RESPValue, to buffer: inout [UInt8]) {
        switch value {
        case .simpleString(let text): self.appendLine(UInt8(ascii: "+"), text, to: &buffer)
        case .error(let text): self.appendLine(UInt8(ascii: "-"), text, to: &buffer)
        case .integer(let number): self.appendHeader(UInt8(ascii: ":"), number, to: &buffer)
        case .bulkString(nil): self.appendHeader(UInt8(ascii: "$"), -1, to: &buffer)
        case .bulkString(let bytes?): self.appendBulk(UInt8(ascii: "$"), bytes, to: &buffer)
        case .bulkError(let bytes): self.appendBulk(UInt8(ascii: "!"), bytes, to: &buffer)
        case .verbatimString(let format, let text):
            let prefix = Array(format.utf8.prefix(3)) + [UInt8](repeating: UInt8(ascii: " "), count: max(0, 3 - format.utf8.count))
            self.appendBulk(UInt8(ascii: "="), prefix + [UInt8(ascii: ":")] + text, to: &buffer)
        case .array(nil): self.appendHeader(UInt8(ascii: "*"), -1, to: &buffer)
        case .array(let elements?): self.appendAggregate(UInt8(ascii: "*"), elements, to: &buffer)
        case .set(let elements): self.appendAggregate(UInt8(ascii: "~"), elements, to: &buffer)
        case .push(let elements): self.appendAggregate(UInt8(ascii: ">"), elements, to: &buffer)
        case .map(let pairs):
            self.appendHeader(UInt8(ascii: "%"), Int64(pairs.count), to: &buffer)
            for pair in pairs {
                self.append(pair.key, to: &buffer)
                self.append(pair.value, to: &buffer)
            }
        case .null: self.appendLine(UInt8(ascii: "_"), "", to: &buffer)
        case .boolean(let flag): self.appendLine(UInt8(ascii: "#"), flag ? "t" : "f", to: &buffer)
        case .double(let number): self.appendLine(UInt8(ascii: ","), self.doubleText(number), to: &buffer)
        case .bigNumber(let digits): self.appendLine(UInt8(ascii: "("), digits, to: &buffer)
        }
    }

    static func appendHeader(_ type: UInt8, _ number: Int64, to buffer: inout [UInt8]) {
        buffer.append(type)
        buffer.append(contentsOf: String(number).utf8)
        buffer.append(contentsOf: self.crlf)
    }

    private static func appendLine(_ type: UInt8, _ text: String, to buffer: inout [UInt8]) {
        buffer.append(type)
        for byte in text.utf8 { buffer.append(byte == 13 || byte == 10 ? UInt8(ascii: " ") : byte) }
        buffer.append(contentsOf: self.crlf)
    }

    private static func appendBulk(_ type: UInt8, _ bytes: [UInt8], to buffer: inout [UInt8]) {
        self.appendHeader(type, Int64(bytes.count), to: &buffer)
        buffer.append(contentsOf: bytes)
        buffer.append(contentsOf: self.crlf)
    }

    private static func appendAggregate(_ type: UInt8, _ elements: [RESPValue], to buffer: inout [UInt8]) {
        self.appendHeader(type, Int64(elements.count), to: &buffer)
        for element in elements { self.append(element, to: &buffer) }
    }

    private static func doubleText(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        return "\(number)"
    }
}
