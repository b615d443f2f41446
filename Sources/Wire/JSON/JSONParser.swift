/// A strict RFC 8259 JSON parser over UTF-8 bytes, with limits, that never traps.
///
/// Socket.IO packets carry JSON after a short textual prefix (`42/ns,17[...]`), so the parser reads from an offset
/// within a byte buffer, and every error offset refers to that buffer. Limits are checked before any work that they
/// bound: the input size up front, the depth on every `[` and `{`.
///
/// Number rules: a literal without fraction or exponent that fits Int64 becomes `.int`; anything else becomes a
/// `.double` (correctly rounded); a literal whose magnitude overflows Double is refused (`numberOutOfRange`).
/// Strings: escapes incl. surrogate pairs; a lone surrogate escape (accepted by JS and Python) becomes U+FFFD since a
/// Swift String cannot hold it. Raw control characters and invalid UTF-8 are refused. No BOM, no comments, no NaN.
public struct JSONParser {
    /// Parser limits; each is checked before the work it bounds.
    public struct Limits: Sendable, Equatable {
        /// Deepest nesting of arrays and objects. Default 256 (Open WebUI's ProseMirror JSON stays far below;
        /// python's json module recurses to about 1000).
        public var maxDepth: Int
        /// Largest input accepted, in bytes. Default 64 MiB, above Tandem's 10 MB Engine.IO maxPayload default.
        public var maxInputBytes: Int

        public init(maxDepth: Int = 256, maxInputBytes: Int = 64 << 20) {
            self.maxDepth = maxDepth
            self.maxInputBytes = maxInputBytes
        }

        /// The defaults.
        public static let `default` = Limits()
    }

    private let input: [UInt8]
    private var position: Int
    private let limits: Limits
    private var depth = 0

    private init(input: [UInt8], position: Int, limits: Limits) {
        self.input = input
        self.position = position
        self.limits = limits
    }

    /// Parses exactly one JSON value from `bytes[offset...]`, surrounded by optional whitespace.
    /// - Throws: ``JSONError`` with the offset into `bytes`.
    public static func parse(
        _ bytes: [UInt8], from offset: Int = 0, limits: Limits = .default
    ) throws(JSONError) -> JSONValue {
        let size = bytes.count - offset
        guard offset >= 0, size >= 0 else { throw JSONError(.unexpectedEnd, offset: max(0, offset)) }
        guard size <= limits.maxInputBytes else {
            throw JSONError(.inputTooLarge(size: size, limit: limits.maxInputBytes), offset: offset)
        }
        var parser = JSONParser(input: bytes, position: offset, limits: limits)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw JSONError(.trailingBytes, offset: parser.position) }
        return value
    }

    /// Parses exactly one JSON value from a string.
    public static func parse(_ text: String, limits: Limits = .default) throws(JSONError) -> JSONValue {
        try self.parse(Array(text.utf8), limits: limits)
    }

    // MARK: - Values

    private var current: UInt8? {
        self.position < self.input.count ? self.input[self.position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            self.position += 1
        }
    }

    private func unexpected() -> JSONError {
        if let byte = self.current { return JSONError(.unexpectedByte(byte), offset: self.position) }
        return JSONError(.unexpectedEnd, offset: self.position)
    }

    private mutating func parseValue() throws(JSONError) -> JSONValue {
        guard let byte = self.current else { throw JSONError(.unexpectedEnd, offset: self.position) }
        switch byte {
        case UInt8(ascii: "{"): return try self.parseObject()
        case UInt8(ascii: "["): return try self.parseArray()
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): try self.expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try self.expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try self.expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
        default: throw self.unexpected()
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for offset in 0..<count {
            guard self.current == start[offset] else { throw self.unexpected() }
            self.position += 1
        }
    }

    private mutating func enterContainer() throws(JSONError) {
        self.depth += 1
        guard self.depth <= self.limits.maxDepth else {
            throw JSONError(.depthExceeded(limit: self.limits.maxDepth), offset: self.position)
        }
        self.position += 1
        self.skipWhitespace()
    }

    private mutating func parseArray() throws(JSONError) -> JSONValue {
        try self.enterContainer()
        if let bytes = self.parseCompactByteArray() {
            self.depth -= 1
            return .array(bytes)
        }
        var elements: [JSONValue] = []
        if self.current == UInt8(ascii: "]") {
            self.position += 1
            self.depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try self.parseValue())
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","):
                self.position += 1
                self.skipWhitespace()
            case UInt8(ascii: "]"):
                self.position += 1
                self.depth -= 1
                return .array(elements)
            default:
                throw self.unexpected()
            }
        }
    }

    /// Fast path for the compact int arrays Open WebUI sends for Yjs bytes (`[1,3,227]`, no spaces, 0–255):
    /// one tight loop instead of the generic value parser. Returns nil, with the position restored, as soon as the
    /// input is anything else, and the generic path parses it (and reports errors) instead.
    private mutating func parseCompactByteArray() -> [JSONValue]? {
        let start = self.position
        let input = self.input
        var index = start
        var elements: [JSONValue] = []
        while index < input.count {
            let first = input[index]
            guard first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { break }
            var value = Int(first &- UInt8(ascii: "0"))
            index += 1
            if first != UInt8(ascii: "0") {
                var digits = 1
                while index < input.count, input[index] >= UInt8(ascii: "0"), input[index] <= UInt8(ascii: "9"),
                    digits < 3
                {
                    value = value * 10 + Int(input[index] &- UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
            }
            guard value <= 255, index < input.count else { break }
            elements.append(.int(Int64(value)))
            if input[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if input[index] == UInt8(ascii: "]") {
                self.position = index + 1
                return elements
            }
            break
        }
        self.position = start
        return nil
    }

    private mutating func parseObject() throws(JSONError) -> JSONValue {
        try self.enterContainer()
        var object = JSONObject()
        if self.current == UInt8(ascii: "}") {
            self.position += 1
            self.depth -= 1
            return .object(object)
        }
        while true {
            guard self.current == UInt8(ascii: "\"") else { throw self.unexpected() }
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw self.unexpected() }
            self.position += 1
            self.skipWhitespace()
            object[key] = try self.parseValue()
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","):
                self.position += 1
                self.skipWhitespace()
            case UInt8(ascii: "}"):
                self.position += 1
                self.depth -= 1
                return .object(object)
            default:
                throw self.unexpected()
            }
        }
    }

    // MARK: - Numbers

    private mutating func skipDigits() -> Int {
        let start = self.position
        while let byte = self.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { self.position += 1 }
        return self.position - start
    }

    private mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = self.position
        let negative = self.current == UInt8(ascii: "-")
        if negative { self.position += 1 }
        let integerStart = self.position
        if self.current == UInt8(ascii: "0") {
            self.position += 1
        } else if self.skipDigits() == 0 {
            throw JSONError(.invalidNumber, offset: self.position)
        }
        let integerEnd = self.position
        var integral = true
        if self.current == UInt8(ascii: ".") {
            integral = false
            self.position += 1
            guard self.skipDigits() > 0 else { throw JSONError(.invalidNumber, offset: self.position) }
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            integral = false
            self.position += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.position += 1 }
            guard self.skipDigits() > 0 else { throw JSONError(.invalidNumber, offset: self.position) }
        }
        if integral, integerEnd - integerStart <= 19 {
            // Accumulate negatively so that Int64.min fits; overflow falls through to Double.
            var value: Int64 = 0
            var overflow = false
            for index in integerStart..<integerEnd {
                let digit = Int64(self.input[index] &- UInt8(ascii: "0"))
                let (scaled, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = scaled.subtractingReportingOverflow(digit)
                if o1 || o2 { overflow = true; break }
                value = next
            }
            if !overflow {
                if negative { return .int(value) }
                if value != Int64.min { return .int(-value) }
            }
        }
        let literal = String(decoding: self.input[start..<self.position], as: UTF8.self)
        guard let double = Double(literal) else { throw JSONError(.invalidNumber, offset: start) }
        guard double.isFinite else { throw JSONError(.numberOutOfRange, offset: start) }
        return .double(double)
    }

    // MARK: - Strings

    private mutating func parseString() throws(JSONError) -> String {
        self.position += 1  // opening quote
        let start = self.position
        // Fast path: no escapes.
        while let byte = self.current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 {
            self.position += 1
        }
        guard let stop = self.current else { throw JSONError(.unexpectedEnd, offset: self.position) }
        if stop == UInt8(ascii: "\"") {
            let string = try self.validatedString(start..<self.position, offset: start)
            self.position += 1
            return string
        }
        var buffer = Array(self.input[start..<self.position])
        while true {
            guard let byte = self.current else { throw JSONError(.unexpectedEnd, offset: self.position) }
            switch byte {
            case UInt8(ascii: "\""):
                self.position += 1
                guard let string = String(validating: buffer, as: UTF8.self) else {
                    throw JSONError(.invalidUTF8, offset: start)
                }
                return string
            case UInt8(ascii: "\\"):
                try self.parseEscape(into: &buffer)
            case 0..<0x20:
                throw JSONError(.controlCharacterInString, offset: self.position)
            default:
                buffer.append(byte)
                self.position += 1
            }
        }
    }

    private func validatedString(_ range: Range<Int>, offset: Int) throws(JSONError) -> String {
        if range.isEmpty { return "" }
        guard let string = String(validating: self.input[range], as: UTF8.self) else {
            throw JSONError(.invalidUTF8, offset: offset)
        }
        return string
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONError) {
        let escapeStart = self.position
        self.position += 1
        guard let byte = self.current else { throw JSONError(.unexpectedEnd, offset: self.position) }
        self.position += 1
        switch byte {
        case UInt8(ascii: "\""): buffer.append(0x22)
        case UInt8(ascii: "\\"): buffer.append(0x5C)
        case UInt8(ascii: "/"): buffer.append(0x2F)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try self.readHex4(escapeStart: escapeStart)
            var scalar = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate must be followed by an escaped low surrogate to form one scalar.
                if self.position + 1 < self.input.count, self.input[self.position] == UInt8(ascii: "\\"),
                    self.input[self.position + 1] == UInt8(ascii: "u")
                {
                    let save = self.position
                    self.position += 2
                    let low = try self.readHex4(escapeStart: save)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else {
                        self.position = save  // re-read the second escape on its own
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(unit) {
                scalar = 0xFFFD
            }
            Self.appendUTF8(Unicode.Scalar(scalar) ?? "\u{FFFD}", to: &buffer)
        default:
            throw JSONError(.invalidEscape, offset: escapeStart)
        }
    }

    private mutating func readHex4(escapeStart: Int) throws(JSONError) -> UInt16 {
        guard self.position + 4 <= self.input.count else { throw JSONError(.unexpectedEnd, offset: self.input.count) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = self.input[self.position]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw JSONError(.invalidEscape, offset: escapeStart)
            }
            value = value << 4 | UInt16(nibble)
            self.position += 1
        }
        return value
    }

    /// Appends the UTF-8 encoding of `scalar` (shared with the serializer).
    static func appendUTF8(_ scalar: Unicode.Scalar, to buffer: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            buffer.append(UInt8(truncatingIfNeeded: value))
        case 0x80..<0x800:
            buffer.append(0xC0 | UInt8(truncatingIfNeeded: value >> 6))
            buffer.append(0x80 | UInt8(truncatingIfNeeded: value & 0x3F))
        case 0x800..<0x10000:
            buffer.append(0xE0 | UInt8(truncatingIfNeeded: value >> 12))
            buffer.append(0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F))
            buffer.append(0x80 | UInt8(truncatingIfNeeded: value & 0x3F))
        default:
            buffer.append(0xF0 | UInt8(truncatingIfNeeded: value >> 18))
            buffer.append(0x80 | UInt8(truncatingIfNeeded: (value >> 12) & 0x3F))
            buffer.append(0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F))
            buffer.append(0x80 | UInt8(truncatingIfNeeded: value & 0x3F))
        }
    }
}

extension JSONValue {
    /// Parses one JSON value from `text` (RFC 8259, strict) with the given limits.
    /// - Throws: ``JSONError``.
    public init(parsing text: String, limits: JSONParser.Limits = .default) throws(JSONError) {
        self = try JSONParser.parse(text, limits: limits)
    }

    /// Parses one JSON value from UTF-8 `bytes` with the given limits.
    /// - Throws: ``JSONError``.
    public init(parsing bytes: [UInt8], limits: JSONParser.Limits = .default) throws(JSONError) {
        self = try JSONParser.parse(bytes, limits: limits)
    }
}
