import Wire
import YCRDT

extension JSONValue {
    /// The JSON form of a lib0 `Any` value, as `JSON.stringify` would write it: `undefined` becomes `null`, bigints
    /// become numbers, byte arrays become arrays of ints (lib0 has no JSON form for them).
    public init(_ value: YAny) {
        switch value {
        case .undefined, .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .integer(let number), .bigint(let number): self = .int(number)
        case .negativeZero: self = .int(0)
        case .float32(let number): self = JSONValue.number(Double(number))
        case .float64(let number): self = JSONValue.number(number)
        case .string(let text): self = .string(text)
        case .bytes(let bytes): self = .byteArray(bytes)
        case .array(let items): self = .array(items.map(JSONValue.init))
        case .object(let entries): self = .object(JSONObject(entries.map { ($0.key, JSONValue($0.value)) }))
        }
    }

    /// A finite double as `.int` when it is integral (JSON has one number type), otherwise `.double`; NaN and
    /// infinities become `null`, as `JSON.stringify` writes them.
    static func number(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        if let exact = Int64(exactly: value) { return .int(exact) }
        return .double(value)
    }

    /// The lib0 `Any` form of this JSON value, numbers as lib0 `writeAny` would tag them.
    public var yAny: YAny {
        switch self {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .number(Double(number))
        case .double(let number): return .number(number)
        case .string(let text): return .string(text)
        case .array(let items): return .array(items.map(\.yAny))
        case .object(let object): return .object(object.map { (key: $0.0, value: $0.1.yAny) })
        }
    }
}
