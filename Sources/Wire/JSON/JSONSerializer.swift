/// Serializes ``JSONValue``s compactly, byte-compatible with what python-socketio and JS emit.
///
/// Output uses the compact separators `,` and `:` (python-socketio calls `json.dumps(..., separators=(',', ':'))`, JS
/// `JSON.stringify` has no spaces). Strings escape `"`, `\`, `\b \f \n \r \t` and other control characters as
/// lowercase `\u00xx`, like both; non-ASCII stays raw UTF-8 (JS) unless ``Options/asciiOnly`` asks for Python's
/// default `\uXXXX` escaping. Integers print as integers. Doubles print with the shortest digits that round-trip,
/// laid out like Python's `repr` (`1.0`, `1e-05`, `1e+16`) by default, so a double stays a double when re-parsed, or
/// like JS `Number.prototype.toString` (`1`, `1e-7`, `1e+21`) on request. Non-finite doubles print as `null` (JS).
public struct JSONSerializer {
    /// How doubles are laid out.
    public enum NumberStyle: Sendable, Equatable {
        /// Python `repr`/`json.dumps`: integral doubles keep `.0`; exponent below 1e-4 and from 1e16.
        case python
        /// ECMAScript Number::toString: no `.0`; exponent below 1e-6 and from 1e21.
        case javascript
    }

    /// Serialization options.
    public struct Options: Sendable, Equatable {
        /// Escape every non-ASCII character as `\uXXXX` (surrogate pairs above U+FFFF), like Python's default.
        public var asciiOnly: Bool
        /// Layout of doubles.
        public var numberStyle: NumberStyle

        public init(asciiOnly: Bool = false, numberStyle: NumberStyle = .python) {
            self.asciiOnly = asciiOnly
            self.numberStyle = numberStyle
        }

        /// Raw UTF-8, Python number layout.
        public static let `default` = Options()
    }

    private let options: Options
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// A serializer writing into a fresh buffer.
    public init(options: Options = .default, reservingCapacity capacity: Int = 0) {
        self.options = options
        self.bytes.reserveCapacity(capacity)
    }

    /// Appends raw, already-serialized bytes (for packet prefixes such as `42/ns,`).
    public mutating func appendRaw(_ text: String) {
        self.bytes.append(contentsOf: text.utf8)
    }

    /// Appends the serialization of `value`.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: self.appendRaw("null")
        case .bool(let flag): self.appendRaw(flag ? "true" : "false")
        case .int(let number): self.writeInt(number)
        case .double(let number): self.writeDouble(number)
        case .string(let string): self.writeString(string)
        case .array(let elements):
            self.bytes.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { self.bytes.append(UInt8(ascii: ",")) }
                first = false
                self.write(element)
            }
            self.bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            self.bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, element) in object {
                if !first { self.bytes.append(UInt8(ascii: ",")) }
                first = false
                self.writeString(key)
                self.bytes.append(UInt8(ascii: ":"))
                self.write(element)
            }
            self.bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `bytes` as a JSON array of integers 0–255 without building ``JSONValue``s (Yjs updates).
    public mutating func writeByteArray(_ values: [UInt8]) {
        self.bytes.reserveCapacity(self.bytes.count + values.count * 4 + 2)
        self.bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
            if value >= 100 { self.bytes.append(UInt8(ascii: "0") + value / 100) }
            if value >= 10 { self.bytes.append(UInt8(ascii: "0") + (value / 10) % 10) }
            self.bytes.append(UInt8(ascii: "0") + value % 10)
        }
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// Appends an integer.
    public mutating func writeInt(_ value: Int64) {
        if value >= 0, value < 1000 {
            // Common case (Yjs bytes, counts, ids): no String allocation.
            if value >= 100 { self.bytes.append(UInt8(ascii: "0") + UInt8(value / 100)) }
            if value >= 10 { self.bytes.append(UInt8(ascii: "0") + UInt8((value / 10) % 10)) }
            self.bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
            return
        }
        self.appendRaw(String(value))
    }

    /// Appends a double in the configured ``NumberStyle``; non-finite values become `null`.
    public mutating func writeDouble(_ value: Double) {
        guard value.isFinite else { return self.appendRaw("null") }
        if value == 0, self.options.numberStyle == .javascript { return self.appendRaw("0") }
        let (negative, digits, exponent) = Self.shortestDigits(value)
        if negative { self.bytes.append(UInt8(ascii: "-")) }
        // value = 0.d1d2…dn × 10^exponent
        let count = digits.count
        let useExponent: Bool
        switch self.options.numberStyle {
        case .python: useExponent = exponent - 1 < -4 || exponent - 1 >= 16
        case .javascript: useExponent = exponent <= -6 || exponent > 21
        }
        if useExponent {
            self.bytes.append(digits[0])
            if count > 1 {
                self.bytes.append(UInt8(ascii: "."))
                self.bytes.append(contentsOf: digits[1...])
            }
            let scientific = exponent - 1
            self.bytes.append(UInt8(ascii: "e"))
            self.bytes.append(scientific < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let magnitude = String(abs(scientific))
            if self.options.numberStyle == .python, magnitude.utf8.count < 2 { self.bytes.append(UInt8(ascii: "0")) }
            self.appendRaw(magnitude)
        } else if exponent <= 0 {
            self.appendRaw("0.")
            self.bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -exponent))
            self.bytes.append(contentsOf: digits)
        } else if exponent >= count {
            self.bytes.append(contentsOf: digits)
            self.bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent - count))
            if self.options.numberStyle == .python { self.appendRaw(".0") }
        } else {
            self.bytes.append(contentsOf: digits[0..<exponent])
            self.bytes.append(UInt8(ascii: "."))
            self.bytes.append(contentsOf: digits[exponent...])
        }
    }

    /// The shortest round-tripping decimal digits of a finite double (from Swift's `description`, which prints the
    /// shortest representation) as (sign, significant digits without leading/trailing zeros, exponent) such that
    /// |value| = 0.digits × 10^exponent. Zero is ("0", exponent 1).
    static func shortestDigits(_ value: Double) -> (negative: Bool, digits: [UInt8], exponent: Int) {
        let text = Array(value.description.utf8)
        var index = 0
        var negative = false
        if index < text.count, text[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var digits: [UInt8] = []
        var pointPosition: Int? = nil
        var exponentPart = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                exponentPart = Int(String(decoding: text[(index + 1)...], as: UTF8.self)) ?? 0
                break
            } else {
                digits.append(byte)
            }
            index += 1
        }
        var exponent = (pointPosition ?? digits.count) + exponentPart
        var leading = 0
        while leading < digits.count - 1, digits[leading] == UInt8(ascii: "0") {
            leading += 1
            exponent -= 1
        }
        digits.removeFirst(leading)
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if digits == [UInt8(ascii: "0")] { exponent = 1 }
        return (negative, digits, exponent)
    }

    /// Appends a quoted, escaped string.
    public mutating func writeString(_ string: String) {
        self.bytes.append(UInt8(ascii: "\""))
        if self.options.asciiOnly {
            for scalar in string.unicodeScalars {
                let value = scalar.value
                if value < 0x80 {
                    self.writeASCII(UInt8(truncatingIfNeeded: value), escapeDelete: true)
                } else if value < 0x10000 {
                    self.writeUnicodeEscape(UInt16(truncatingIfNeeded: value))
                } else {
                    let offset = value - 0x10000
                    self.writeUnicodeEscape(UInt16(truncatingIfNeeded: 0xD800 + (offset >> 10)))
                    self.writeUnicodeEscape(UInt16(truncatingIfNeeded: 0xDC00 + (offset & 0x3FF)))
                }
            }
        } else {
            for byte in string.utf8 {
                if byte >= 0x80 {
                    self.bytes.append(byte)
                } else {
                    self.writeASCII(byte, escapeDelete: false)
                }
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeASCII(_ byte: UInt8, escapeDelete: Bool) {
        switch byte {
        case 0x22: self.appendRaw("\\\"")
        case 0x5C: self.appendRaw("\\\\")
        case 0x08: self.appendRaw("\\b")
        case 0x0C: self.appendRaw("\\f")
        case 0x0A: self.appendRaw("\\n")
        case 0x0D: self.appendRaw("\\r")
        case 0x09: self.appendRaw("\\t")
        case 0..<0x20: self.writeUnicodeEscape(UInt16(byte))
        case 0x7F where escapeDelete: self.writeUnicodeEscape(0x7F)
        default: self.bytes.append(byte)
        }
    }

    private mutating func writeUnicodeEscape(_ unit: UInt16) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        self.appendRaw("\\u")
        for shift in stride(from: 12, through: 0, by: -4) {
            self.bytes.append(hex[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }
}

extension JSONValue {
    /// The compact serialization as UTF-8 bytes.
    public func serializedBytes(options: JSONSerializer.Options = .default) -> [UInt8] {
        var serializer = JSONSerializer(options: options)
        serializer.write(self)
        return serializer.bytes
    }

    /// The compact serialization as a String.
    public func serialized(options: JSONSerializer.Options = .default) -> String {
        String(decoding: self.serializedBytes(options: options), as: UTF8.self)
    }
}
