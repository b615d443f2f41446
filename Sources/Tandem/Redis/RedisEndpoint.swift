/// Where and how to connect to Redis, parsed from the URL forms redis-py accepts.
///
/// Open WebUI configures Redis with `REDIS_URL` / `WEBSOCKET_REDIS_URL` and hands them to redis-py's `from_url`, so
/// the same strings must work here: `redis://[[username]:password@]host[:port][/db]`, `unix://[[username]:password@]
/// /path/to/socket[?db=N]`, and the query parameters `db`, `username`, `password`. User and password are
/// percent-decoded. As in redis-py, userinfo without a colon is a username, and AUTH is sent only with a password.
/// `rediss://` is refused (no TLS in Tandem); Sentinel and Cluster URLs are refused as unsupported schemes.
public struct RedisEndpoint: Sendable, Equatable {
    /// The socket to open.
    public enum Address: Sendable, Equatable {
        /// TCP host (name, IPv4, or IPv6 without brackets) and port.
        case tcp(host: String, port: Int)
        /// A Unix domain socket path.
        case unix(path: String)
    }

    /// The socket to open.
    public var address: Address
    /// The ACL user for `AUTH username password` (Redis 6+); nil for the `default` user.
    public var username: String?
    /// The password; nil sends no AUTH.
    public var password: String?
    /// The database index for SELECT (0 sends none).
    public var database: Int

    /// The default Redis port.
    public static let defaultPort = 6379

    public init(address: Address, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` or `unix://` URL.
    /// - Throws: ``RedisError/invalidURL(_:)`` or ``RedisError/tlsUnsupported``.
    public init(url: String) throws(RedisError) {
        guard let schemeEnd = url.range(of: "://") else { throw .invalidURL("missing scheme (redis://host:port/db)") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = Substring(url[schemeEnd.upperBound...])
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        self.init(address: .tcp(host: "localhost", port: Self.defaultPort))
        switch scheme {
        case "redis", "valkey":
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<slash]
            let path = rest[slash...]
            let hostPort = try self.takeUserInfo(authority)
            self.address = try Self.tcpAddress(hostPort)
            let databaseText = path.drop { $0 == "/" }
            if !databaseText.isEmpty {
                guard let database = Int(databaseText), database >= 0 else { throw .invalidURL("database is not a number") }
                self.database = database
            }
        case "unix":
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let userInfo = rest[..<slash]
            if !userInfo.isEmpty {
                guard userInfo.last == "@" else { throw .invalidURL("unix:// URL needs an absolute socket path") }
                _ = try self.takeUserInfo(userInfo)
            }
            let path = rest[slash...]
            guard !path.isEmpty else { throw .invalidURL("unix:// URL without a socket path") }
            self.address = .unix(path: try Self.percentDecoded(path))
        case "rediss", "valkeys":
            throw .tlsUnsupported
        default:
            throw .invalidURL("unsupported scheme \(scheme) (use redis:// or unix://)")
        }
        for parameter in query.split(separator: "&") {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts.first ?? ""
            let value = try Self.percentDecoded(parts.dropFirst().first ?? "")
            switch name {
            case "db":
                guard let database = Int(value), database >= 0 else { throw .invalidURL("db is not a number") }
                self.database = database
            case "password": self.password = value
            case "username": self.username = value
            default: continue  // redis-py connection options (socket_timeout, …) have Configuration equivalents
            }
        }
    }

    /// Strips `userinfo@` from an authority, recording user and password; returns what follows it.
    private mutating func takeUserInfo(_ authority: Substring) throws(RedisError) -> Substring {
        guard let at = authority.lastIndex(of: "@") else { return authority }
        let userInfo = authority[..<at]
        if let colon = userInfo.firstIndex(of: ":") {
            let user = try Self.percentDecoded(userInfo[..<colon])
            self.username = user.isEmpty ? nil : user
            self.password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
        } else if !userInfo.isEmpty {
            self.username = try Self.percentDecoded(userInfo)
        }
        return authority[authority.index(after: at)...]
    }

    private static func tcpAddress(_ hostPort: Substring) throws(RedisError) -> Address {
        var host: Substring
        var portText: Substring = ""
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .invalidURL("unclosed [ in IPv6 host") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw .invalidURL("garbage after IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        if host.isEmpty { host = "localhost" }
        var port = defaultPort
        if !portText.isEmpty {
            guard let number = Int(portText), (1...65535).contains(number) else { throw .invalidURL("bad port") }
            port = number
        }
        return .tcp(host: String(host), port: port)
    }

    /// `%XX` decoding; a malformed escape is an error rather than a guess.
    static func percentDecoded(_ text: Substring) throws(RedisError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                throw .invalidURL("bad percent escape")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
