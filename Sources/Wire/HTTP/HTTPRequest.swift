/// An HTTP method token (RFC 9110 §9), open so unknown methods can be represented and answered with 405/404.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The method name, case-sensitive as on the wire.
    public let rawValue: String

    /// Wraps a method name.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let options = HTTPMethod(rawValue: "OPTIONS")

    public var description: String { self.rawValue }
}

/// A complete HTTP/1.1 request: head, body and the remote address the server saw.
///
/// `path` is the target up to `?`, still percent-encoded (so an encoded `/` cannot change routing); use
/// ``HTTPRequest/percentDecode(_:plusAsSpace:)`` for path segments. `query` is decoded (`+` is a space).
public struct HTTPRequest: Sendable, Hashable {
    /// The request method.
    public var method: HTTPMethod
    /// The raw request target, e.g. `/socket.io/?EIO=4&transport=polling`.
    public var target: String
    /// The HTTP minor version (0 for HTTP/1.0, 1 for HTTP/1.1).
    public var minorVersion: Int
    /// The header fields in order.
    public var headers: HTTPHeaders
    /// The body (empty without `Content-Length`).
    public var body: [UInt8]
    /// The peer address as `ip:port`, filled in by the server (empty in tests).
    public var remoteAddress: String

    /// Creates a request.
    public init(
        method: HTTPMethod, target: String, minorVersion: Int = 1, headers: HTTPHeaders = [:], body: [UInt8] = [],
        remoteAddress: String = ""
    ) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The target's path, up to `?` (not percent-decoded).
    public var path: String {
        guard let mark = self.target.firstIndex(of: "?") else { return self.target }
        return String(self.target[..<mark])
    }

    /// The raw query string after `?`, or "".
    public var rawQuery: String {
        guard let mark = self.target.firstIndex(of: "?") else { return "" }
        return String(self.target[self.target.index(after: mark)...])
    }

    /// The decoded query parameters in order (`a=1&b=x+y` gives `[("a","1"), ("b","x y")]`); undecodable pairs are
    /// skipped.
    public var queryItems: [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        for pair in self.rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.percentDecode(parts[0], plusAsSpace: true),
                let value = Self.percentDecode(parts.count > 1 ? parts[1] : "", plusAsSpace: true)
            else { continue }
            items.append((name: name, value: value))
        }
        return items
    }

    /// The decoded query parameters as a dictionary (the first value wins).
    public var query: [String: String] {
        var result: [String: String] = [:]
        for item in self.queryItems where result[item.name] == nil {
            result[item.name] = item.value
        }
        return result
    }

    /// Whether the connection stays open after the response (RFC 9112 §9.3).
    public var keepAlive: Bool {
        if self.headers.contains(token: "close", in: "Connection") { return false }
        if self.minorVersion == 0 { return self.headers.contains(token: "keep-alive", in: "Connection") }
        return true
    }

    /// Decodes `%XX` escapes (and `+` as a space if asked); nil on a bad escape or invalid UTF-8.
    public static func percentDecode(_ text: some StringProtocol, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        guard UTF8Validator.isValid(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
