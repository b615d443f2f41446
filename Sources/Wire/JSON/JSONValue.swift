/// A JSON value (RFC 8259) with exact numbers and ordered objects.
///
/// Socket.IO payloads are JSON, and Open WebUI sends Yjs bytes as JSON int arrays, so Tandem needs a JSON model that
/// is pure (no Foundation), keeps integers exact (`.int(Int64)` whenever the literal has no fraction or exponent and
/// fits), keeps doubles as doubles, and keeps key order. Parse with ``JSONValue/init(parsing:limits:)`` or
/// ``JSONParser``; serialize with ``serialized(options:)``.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer literal (no fraction, no exponent) that fits Int64.
    case int(Int64)
    /// Any other number; always finite.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an int, or a double with an exact Int64 value (python's `1.0 == 1`).
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value): return Self.exactInt64(value)
        default: return nil
        }
    }

    /// The number as a Double, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// `value` as Int64 when it is integral and in range, without libm (`Int64(exactly:)` pulls in `trunc`, which the
    /// pure modules cannot link on Linux without Foundation).
    static func exactInt64(_ value: Double) -> Int64? {
        guard value >= -9_223_372_036_854_775_808.0, value < 9_223_372_036_854_775_808.0 else { return nil }
        let truncated = Int64(value)
        return Double(truncated) == value ? truncated : nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The element at `position` of an array; nil when out of range or not an array (never traps).
    public subscript(position: Int) -> JSONValue? {
        guard case .array(let array) = self, array.indices.contains(position) else { return nil }
        return array[position]
    }

    /// Semantic equality: ignores object key order, and compares an int with a double as doubles (as JS does).
    public func isEquivalent(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let lhs), .object(let rhs)):
            return lhs.isEquivalent(to: rhs)
        case (.array(let lhs), .array(let rhs)):
            guard lhs.count == rhs.count else { return false }
            return zip(lhs, rhs).allSatisfy { $0.isEquivalent(to: $1) }
        case (.int(let lhs), .double(let rhs)), (.double(let rhs), .int(let lhs)):
            return Double(lhs) == rhs
        default:
            return self == other
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONValue: CustomStringConvertible {
    /// The compact serialization (handy in logs and test failures).
    public var description: String { self.serialized() }
}
