/// A lib0 `Any` value: what `Y.Map`, `Y.Array` (ContentAny), subdocument options and v2 embeds/formats carry.
///
/// Numbers keep the wire tag they were read with (`integer` = tag 125, `float32` = 124, `float64` = 123) so that
/// decoding then encoding gives identical bytes; ``number(_:)`` picks the tag the way lib0 `writeAny` does for a
/// JavaScript number. Objects keep their entries in wire order. Spec: yjs-format.md §1 (`Any`), lib0 `encoding.js`.
public indirect enum YAny: Equatable, Sendable {
    /// JavaScript `undefined` (tag 127).
    case undefined
    /// `null` (tag 126).
    case null
    /// A boolean (tags 120 = true, 121 = false).
    case bool(Bool)
    /// An integer written as a varInt (tag 125). lib0 writes JavaScript integers with |x| ≤ 2^31 − 1 this way.
    case integer(Int64)
    /// JavaScript `-0`, written as tag 125 with a negative-zero varInt (`7D 40`).
    case negativeZero
    /// A number written as a big-endian float32 (tag 124).
    case float32(Float)
    /// A number written as a big-endian float64 (tag 123).
    case float64(Double)
    /// A JavaScript `BigInt`, written as a big-endian int64 (tag 122).
    case bigint(Int64)
    /// A string (tag 119).
    case string(String)
    /// A `Uint8Array` (tag 116).
    case bytes([UInt8])
    /// An array (tag 117).
    case array([YAny])
    /// An object (tag 118): entries in wire order.
    case object([(key: String, value: YAny)])

    /// Default limit on nesting of arrays and objects while decoding; deep nesting is a named threat in Yjs's
    /// threat model, and each level costs stack.
    public static let defaultMaxDepth = 100

    /// The value lib0 `writeAny` produces for the JavaScript number `x`: tag 125 for integers with |x| ≤ 2^31 − 1
    /// (including −0), else float32 when lossless (NaN and ±∞ too), else float64.
    public static func number(_ x: Double) -> YAny {
        if x.magnitude <= 2_147_483_647, Double(Int64(x)) == x {
            if x == 0 && x.sign == .minus { return .negativeZero }
            return .integer(Int64(x))
        }
        if x.isNaN || Double(Float(x)) == x { return .float32(Float(x)) }
        return .float64(x)
    }

    /// The value as a JavaScript number, if it is one.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .negativeZero: return -0.0
        case .float32(let f): return Double(f)
        case .float64(let d): return d
        default: return nil
        }
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public static func == (lhs: YAny, rhs: YAny) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.null, .null), (.negativeZero, .negativeZero): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.float32(let a), .float32(let b)): return a.bitPattern == b.bitPattern
        case (.float64(let a), .float64(let b)): return a.bitPattern == b.bitPattern
        case (.bigint(let a), .bigint(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where x.key != y.key || x.value != y.value { return false }
            return true
        default: return false
        }
    }
}

extension YAny {
    /// Reads a lib0 `Any` (tag byte first).
    ///
    /// - Parameter maxDepth: nesting limit for arrays and objects (``defaultMaxDepth``).
    /// - Throws: ``DecodingError`` on truncation, unknown tags, invalid UTF-8, counts beyond the input, or depth.
    public init(from reader: inout ByteReader, maxDepth: Int = YAny.defaultMaxDepth) throws(DecodingError) {
        self = try YAny.read(&reader, depth: maxDepth, limit: maxDepth)
    }

    static func read(_ reader: inout ByteReader, depth: Int, limit: Int) throws(DecodingError) -> YAny {
        let tagOffset = reader.offset
        let tag = try reader.readUInt8()
        switch tag {
        case 127: return .undefined
        case 126: return .null
        case 125:
            let (magnitude, negative) = try reader.readVarIntWithSign()
            if negative && magnitude == 0 { return .negativeZero }
            return .integer(negative ? -Int64(magnitude) : Int64(magnitude))
        case 124: return .float32(try reader.readFloat32())
        case 123: return .float64(try reader.readFloat64())
        case 122: return .bigint(try reader.readBigInt64())
        case 121: return .bool(false)
        case 120: return .bool(true)
        case 119: return .string(try reader.readVarString())
        case 118:
            guard depth > 0 else { throw DecodingError(.depthExceeded(limit: limit), offset: tagOffset, context: "Any") }
            let n = try reader.readCount(minimumElementSize: 2, "Any object")
            var entries: [(key: String, value: YAny)] = []
            entries.reserveCapacity(n)
            for _ in 0 ..< n {
                let key = try reader.readVarString()
                entries.append((key, try YAny.read(&reader, depth: depth - 1, limit: limit)))
            }
            return .object(entries)
        case 117:
            guard depth > 0 else { throw DecodingError(.depthExceeded(limit: limit), offset: tagOffset, context: "Any") }
            let n = try reader.readCount(minimumElementSize: 1, "Any array")
            var items: [YAny] = []
            items.reserveCapacity(n)
            for _ in 0 ..< n { items.append(try YAny.read(&reader, depth: depth - 1, limit: limit)) }
            return .array(items)
        case 116: return .bytes(Array(try reader.readVarBytes()))
        default: throw DecodingError(.unknownAnyTag(tag), offset: tagOffset, context: "Any")
        }
    }

    /// Appends this value as a lib0 `Any`.
    public func encode(to writer: inout ByteWriter) {
        switch self {
        case .undefined: writer.write(127)
        case .null: writer.write(126)
        case .integer(let i):
            writer.write(125)
            writer.writeVarInt(i)
        case .negativeZero:
            writer.write(125)
            writer.writeVarInt(magnitude: 0, negative: true)
        case .float32(let f):
            writer.write(124)
            writer.writeFloat32(f)
        case .float64(let d):
            writer.write(123)
            writer.writeFloat64(d)
        case .bigint(let i):
            writer.write(122)
            writer.writeBigInt64(i)
        case .bool(let b): writer.write(b ? 120 : 121)
        case .string(let s):
            writer.write(119)
            writer.writeVarString(s)
        case .object(let entries):
            writer.write(118)
            writer.writeVarUInt(entries.count)
            for entry in entries {
                writer.writeVarString(entry.key)
                entry.value.encode(to: &writer)
            }
        case .array(let items):
            writer.write(117)
            writer.writeVarUInt(items.count)
            for item in items { item.encode(to: &writer) }
        case .bytes(let b):
            writer.write(116)
            writer.writeVarBytes(b)
        }
    }

    /// This value as JavaScript would hold it after `readAny`, re-encoded by `writeAny`: numbers take the tag
    /// lib0 chooses, and object keys follow JavaScript property order (integer-like keys first, ascending; a
    /// repeated key keeps its first position and its last value). Yjs's doc-less merge, diff and format
    /// conversion re-encode values this way.
    public var javaScriptNormalized: YAny {
        switch self {
        case .integer(let i):
            if i.magnitude <= 2_147_483_647 { return self }
            return .number(Double(i))
        case .float32(let f): return .number(Double(f))
        case .float64(let d): return .number(d)
        case .array(let items): return .array(items.map(\.javaScriptNormalized))
        case .object(let entries): return .object(JSObjectOrder.normalize(entries.map { ($0.key, $0.value.javaScriptNormalized) }))
        default: return self
        }
    }
}

/// JavaScript's own-property order for plain objects: array-index keys ascending, then string keys in insertion order.
enum JSObjectOrder {
    /// Whether `key` is a canonical array index ("0", "1", … up to 2^32 − 2, no leading zeros).
    static func arrayIndex(_ key: String) -> UInt32? {
        let utf8 = key.utf8
        guard !utf8.isEmpty, utf8.count <= 10 else { return nil }
        if utf8.count > 1 && utf8.first == UInt8(ascii: "0") { return nil }
        var value: UInt64 = 0
        for c in utf8 {
            guard c >= 48 && c <= 57 else { return nil }
            value = value * 10 + UInt64(c - 48)
        }
        return value < 4_294_967_295 ? UInt32(value) : nil
    }

    static func normalize(_ entries: [(key: String, value: YAny)]) -> [(key: String, value: YAny)] {
        var out: [(key: String, value: YAny)] = []
        var needsWork = false
        var seen = Set<String>()
        for e in entries {
            if arrayIndex(e.key) != nil || !seen.insert(e.key).inserted { needsWork = true; break }
        }
        if !needsWork { return entries }
        var index: [String: Int] = [:]
        for e in entries {
            if let i = index[e.key] { out[i].value = e.value } else {
                index[e.key] = out.count
                out.append(e)
            }
        }
        let numeric = out.filter { arrayIndex($0.key) != nil }.sorted { (arrayIndex($0.key) ?? 0) < (arrayIndex($1.key) ?? 0) }
        let strings = out.filter { arrayIndex($0.key) == nil }
        return numeric + strings
    }
}
