/// `JSON.parse` and `JSON.stringify` as JavaScript performs them, over ``YAny``.
///
/// Yjs v1 writes embeds and format values as `JSON.stringify` text and v2 writes them as lib0 `Any`
/// (yjs-format.md §3.1, y-crdt#254); converting between the formats, and re-encoding legacy ContentJSON the way
/// Yjs's doc-less tools do, needs both directions with JavaScript's exact number formatting and key order.
public enum JavaScriptJSON {
    /// Default nesting limit for ``parse(_:maxDepth:)``.
    public static let defaultMaxDepth = 100

    /// Parses JSON text like `JSON.parse`: numbers become ``YAny/number(_:)``, object keys take JavaScript property
    /// order, and a lone surrogate escape becomes U+FFFD (what lib0 would write for it). Returns `nil` on
    /// malformed input or nesting deeper than `maxDepth`.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) -> YAny? {
        var parser = Parser(bytes: Array(text.utf8), maxDepth: maxDepth)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.i == parser.bytes.count ? value : nil
    }

    /// Serialises like `JSON.stringify`: `undefined` becomes `null` in arrays and is omitted from objects (a
    /// top-level `undefined` gives `"null"`), NaN and ±∞ give `null`, numbers use JavaScript's shortest form, a
    /// `Uint8Array` becomes an object of indices, and a BigInt (which JavaScript refuses) is written as its digits.
    public static func stringify(_ value: YAny) -> String {
        var out: [UInt8] = []
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func write(_ value: YAny, to out: inout [UInt8]) {
        switch value {
        case .undefined, .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: numberString(Double(i)).utf8)
        case .negativeZero: out.append(UInt8(ascii: "0"))
        case .float32(let f): out.append(contentsOf: numberString(Double(f)).utf8)
        case .float64(let d): out.append(contentsOf: numberString(d).utf8)
        case .bigint(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): writeString(s, to: &out)
        case .bytes(let b):
            out.append(UInt8(ascii: "{"))
            for (i, byte) in b.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(String(i), to: &out)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: String(byte).utf8)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let entries):
            out.append(UInt8(ascii: "{"))
            var first = true
            for entry in entries {
                if case .undefined = entry.value { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(entry.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0 ..< 0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// JavaScript's `Number.prototype.toString()` for finite numbers (ECMA-262 Number::toString), `"null"` otherwise
    /// (as JSON.stringify writes NaN and ±∞).
    public static func numberString(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == 0 { return "0" }
        // Shortest round-trip digits from Swift's description, then re-laid out the JavaScript way.
        let text = x.magnitude.description
        var digits: [UInt8] = []
        var pointPosition: Int? = nil
        var exponent = 0
        var iter = text.utf8.makeIterator()
        var count = 0
        while let c = iter.next() {
            if c == UInt8(ascii: ".") { pointPosition = count; continue }
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                var rest: [UInt8] = []
                while let d = iter.next() { rest.append(d) }
                exponent = Int(String(decoding: rest, as: UTF8.self)) ?? 0
                break
            }
            digits.append(c)
            count += 1
        }
        // value = 0.d1d2… × 10^n  where n = pointPosition + exponent
        var n = (pointPosition ?? count) + exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            n -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        var out: [UInt8] = x < 0 ? [UInt8(ascii: "-")] : []
        if k <= n && n <= 21 {
            out += digits
            out += [UInt8](repeating: UInt8(ascii: "0"), count: n - k)
        } else if 0 < n && n <= 21 {
            out += digits[0 ..< n]
            out.append(UInt8(ascii: "."))
            out += digits[n...]
        } else if -6 < n && n <= 0 {
            out += [UInt8(ascii: "0"), UInt8(ascii: ".")]
            out += [UInt8](repeating: UInt8(ascii: "0"), count: -n)
            out += digits
        } else {
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out += digits[1...]
            }
            out.append(UInt8(ascii: "e"))
            out.append(n - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            out += Array(String((n - 1).magnitude).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    struct Parser {
        let bytes: [UInt8]
        let maxDepth: Int
        var i = 0

        init(bytes: [UInt8], maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        mutating func skipWhitespace() {
            while self.i < self.bytes.count {
                let c = self.bytes[self.i]
                guard c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D else { return }
                self.i += 1
            }
        }

        mutating func literal(_ word: String, _ value: YAny) -> YAny? {
            let w = Array(word.utf8)
            guard self.i + w.count <= self.bytes.count, Array(self.bytes[self.i ..< self.i + w.count]) == w else { return nil }
            self.i += w.count
            return value
        }

        mutating func value(depth: Int) -> YAny? {
            self.skipWhitespace()
            guard self.i < self.bytes.count else { return nil }
            switch self.bytes[self.i] {
            case UInt8(ascii: "n"): return self.literal("null", .null)
            case UInt8(ascii: "t"): return self.literal("true", .bool(true))
            case UInt8(ascii: "f"): return self.literal("false", .bool(false))
            case UInt8(ascii: "\""): return self.string().map { .string($0) }
            case UInt8(ascii: "["):
                guard depth < self.maxDepth else { return nil }
                self.i += 1
                var items: [YAny] = []
                self.skipWhitespace()
                if self.i < self.bytes.count, self.bytes[self.i] == UInt8(ascii: "]") {
                    self.i += 1
                    return .array(items)
                }
                while true {
                    guard let v = self.value(depth: depth + 1) else { return nil }
                    items.append(v)
                    self.skipWhitespace()
                    guard self.i < self.bytes.count else { return nil }
                    let c = self.bytes[self.i]
                    self.i += 1
                    if c == UInt8(ascii: "]") { return .array(items) }
                    guard c == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "{"):
                guard depth < self.maxDepth else { return nil }
                self.i += 1
                var entries: [(key: String, value: YAny)] = []
                self.skipWhitespace()
                if self.i < self.bytes.count, self.bytes[self.i] == UInt8(ascii: "}") {
                    self.i += 1
                    return .object(entries)
                }
                while true {
                    self.skipWhitespace()
                    guard self.i < self.bytes.count, self.bytes[self.i] == UInt8(ascii: "\""), let key = self.string() else { return nil }
                    self.skipWhitespace()
                    guard self.i < self.bytes.count, self.bytes[self.i] == UInt8(ascii: ":") else { return nil }
                    self.i += 1
                    guard let v = self.value(depth: depth + 1) else { return nil }
                    entries.append((key, v))
                    self.skipWhitespace()
                    guard self.i < self.bytes.count else { return nil }
                    let c = self.bytes[self.i]
                    self.i += 1
                    if c == UInt8(ascii: "}") { return .object(JSObjectOrder.normalize(entries)) }
                    guard c == UInt8(ascii: ",") else { return nil }
                }
            default: return self.number()
            }
        }

        mutating func number() -> YAny? {
            let start = self.i
            func digit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
            if self.i < self.bytes.count, self.bytes[self.i] == UInt8(ascii: "-") { self.i += 1 }
            guard self.i < self.bytes.count, digit(self.bytes[self.i]) else { return nil }
            if self.bytes[self.i] == 48 {
                self.i += 1
            } else {
                while self.i < self.bytes.count, digit(self.bytes[self.i]) { self.i += 1 }
            }
            if self.i < self.bytes.count, self.bytes[self.i] == UInt8(ascii: ".") {
                self.i += 1
                guard self.i < self.bytes.count, digit(self.bytes[self.i]) else { return nil }
                while self.i < self.bytes.count, digit(self.bytes[self.i]) { self.i += 1 }
            }
            if self.i < self.bytes.count, self.bytes[self.i] | 0x20 == UInt8(ascii: "e") {
                self.i += 1
                if self.i < self.bytes.count, self.bytes[self.i] == UInt8(ascii: "+") || self.bytes[self.i] == UInt8(ascii: "-") { self.i += 1 }
                guard self.i < self.bytes.count, digit(self.bytes[self.i]) else { return nil }
                while self.i < self.bytes.count, digit(self.bytes[self.i]) { self.i += 1 }
            }
            let text = String(decoding: self.bytes[start ..< self.i], as: UTF8.self)
            guard let d = Double(text) else { return nil }
            return .number(d)
        }

        mutating func hex4() -> UInt16? {
            guard self.i + 4 <= self.bytes.count else { return nil }
            var v: UInt16 = 0
            for _ in 0 ..< 4 {
                let c = self.bytes[self.i]
                self.i += 1
                let d: UInt8
                switch c {
                case 48 ... 57: d = c - 48
                case 65 ... 70: d = c - 55
                case 97 ... 102: d = c - 87
                default: return nil
                }
                v = v << 4 | UInt16(d)
            }
            return v
        }

        mutating func string() -> String? {
            self.i += 1
            var units: [UInt16] = []
            var plain: [UInt8] = []
            func flushPlain(_ units: inout [UInt16], _ plain: inout [UInt8]) {
                units.append(contentsOf: String(decoding: plain, as: UTF8.self).utf16)
                plain.removeAll(keepingCapacity: true)
            }
            while self.i < self.bytes.count {
                let c = self.bytes[self.i]
                self.i += 1
                if c == UInt8(ascii: "\"") {
                    if units.isEmpty { return String(decoding: plain, as: UTF8.self) }
                    flushPlain(&units, &plain)
                    return String(decoding: units, as: UTF16.self)
                }
                if c < 0x20 { return nil }
                if c != UInt8(ascii: "\\") {
                    plain.append(c)
                    continue
                }
                guard self.i < self.bytes.count else { return nil }
                let e = self.bytes[self.i]
                self.i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): plain.append(e)
                case UInt8(ascii: "b"): plain.append(8)
                case UInt8(ascii: "f"): plain.append(12)
                case UInt8(ascii: "n"): plain.append(10)
                case UInt8(ascii: "r"): plain.append(13)
                case UInt8(ascii: "t"): plain.append(9)
                case UInt8(ascii: "u"):
                    guard let u = self.hex4() else { return nil }
                    flushPlain(&units, &plain)
                    units.append(u)
                default: return nil
                }
            }
            return nil
        }
    }
}
