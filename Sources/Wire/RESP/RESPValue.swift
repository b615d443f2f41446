/// A Redis protocol value: the five RESP2 types plus the RESP3 types a RESP2 client can meet.
///
/// Tandem talks RESP2 (`HELLO` is never sent), so replies are simple strings, errors, integers, bulk strings and
/// arrays. The RESP3 types (`_ , # , ( ! = % ~ > |`) are decoded too because they cost a few lines and let the
/// decoder read a RESP3 capture or a proxy that upgrades the protocol (Redis serialization protocol specification,
/// https://redis.io/docs/latest/develop/reference/protocol-spec/).
///
/// Simple strings and errors are kept as `String`: Redis only ever puts ASCII there. Bulk strings are binary-safe
/// `[UInt8]`; a RESP2 null bulk string (`$-1`) is `.bulkString(nil)` and a null array (`*-1`) is `.array(nil)`.
public enum RESPValue: Sendable, Hashable {
    /// `+OK` (RESP2). Bytes that are not UTF-8 decode to U+FFFD.
    case simpleString(String)
    /// `-ERR message` (RESP2): the whole line, error code included.
    case error(String)
    /// `:42` (RESP2): a signed 64-bit integer.
    case integer(Int64)
    /// `$5 hello` (RESP2): binary-safe bytes, or nil for the null bulk string `$-1`.
    case bulkString([UInt8]?)
    /// `*2 …` (RESP2): the elements, or nil for the null array `*-1`.
    case array([RESPValue]?)
    /// `_` (RESP3 null).
    case null
    /// `#t` / `#f` (RESP3).
    case boolean(Bool)
    /// `,3.14` (RESP3), including `inf`, `-inf` and `nan`.
    case double(Double)
    /// `(3492890328409238509324850943850943825024385` (RESP3): the decimal digits, with an optional sign.
    case bigNumber(String)
    /// `!21 SYNTAX invalid syntax` (RESP3): a binary-safe error.
    case bulkError([UInt8])
    /// `=15 txt:Some string` (RESP3): a three-letter format and the text.
    case verbatimString(format: String, text: [UInt8])
    /// `%2 …` (RESP3): key/value pairs in wire order.
    case map([RESPPair])
    /// `~3 …` (RESP3): the members in wire order.
    case set([RESPValue])
    /// `>3 …` (RESP3): an out-of-band push, such as a pub/sub message under RESP3.
    case push([RESPValue])
}

/// One key/value entry of a RESP3 map (a struct because tuples are neither Hashable nor Sendable-checkable).
public struct RESPPair: Sendable, Hashable {
    public var key: RESPValue
    public var value: RESPValue

    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}

extension RESPValue {
    /// A bulk string holding the UTF-8 of `text` (what Redis returns for a stored string).
    public static func bulk(_ text: String) -> RESPValue {
        .bulkString(Array(text.utf8))
    }

    /// The bytes of a bulk, simple or verbatim string; nil for anything else (null included).
    public var bytesValue: [UInt8]? {
        switch self {
        case .bulkString(let bytes?): return bytes
        case .simpleString(let text): return Array(text.utf8)
        case .verbatimString(_, let text): return text
        default: return nil
        }
    }

    /// The text of a bulk, simple or verbatim string (invalid UTF-8 becomes U+FFFD); nil for anything else.
    public var stringValue: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes?), .verbatimString(_, let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    /// The integer of an integer reply, or of a bulk/simple string holding a decimal integer (as `GET` returns).
    public var intValue: Int64? {
        switch self {
        case .integer(let number): return number
        case .bulkString(let bytes?): return Int64(String(decoding: bytes, as: UTF8.self))
        case .simpleString(let text): return Int64(text)
        default: return nil
        }
    }

    /// The elements of an array, set or push; nil for a null array or anything else.
    public var arrayValue: [RESPValue]? {
        switch self {
        case .array(let elements?), .set(let elements), .push(let elements): return elements
        default: return nil
        }
    }

    /// The field/value pairs of a hash reply (`HGETALL`, the fields of `HSCAN`): a RESP3 map, or a RESP2 flat array
    /// read two by two (a trailing odd element is ignored); empty for anything else.
    public var hashPairs: [(field: RESPValue, value: RESPValue)] {
        if case .map(let pairs) = self { return pairs.map { (field: $0.key, value: $0.value) } }
        guard let flat = arrayValue else { return [] }
        return stride(from: 0, to: flat.count - flat.count % 2, by: 2).map { (field: flat[$0], value: flat[$0 + 1]) }
    }

    /// Whether this is a RESP2 null bulk string or null array, or the RESP3 null.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil), .null: return true
        default: return false
        }
    }

    /// The message of an error or bulk error reply; nil for anything else.
    public var errorMessage: String? {
        switch self {
        case .error(let message): return message
        case .bulkError(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    /// The error code: the first word of an error reply (`ERR`, `NOSCRIPT`, `WRONGPASS`, …).
    public var errorCode: String? {
        guard let message = self.errorMessage else { return nil }
        return String(message.prefix { $0 != " " })
    }
}
