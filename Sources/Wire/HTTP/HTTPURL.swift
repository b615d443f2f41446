/// An `http://host[:port][/base]` URL, the only kind of upstream Tandem's HTTP client talks to.
///
/// `--openwebui URL` names the Open WebUI that owns users and notes; it is normally on loopback or a private network
/// behind the same reverse proxy, so plain HTTP/1.1 is enough and Tandem carries no TLS stack (no package
/// dependencies, no FoundationNetworking). `https://` is refused with ``Error/httpsNotSupported`` rather than
/// silently sent in clear text; point Tandem at Open WebUI's internal `http://` address instead.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    /// Why a URL was refused.
    public enum Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        /// `https://`: Tandem has no TLS client.
        case httpsNotSupported
        /// Another scheme, or none.
        case unsupportedScheme(String)
        /// No host, a bad port, user info, a query or a fragment, or characters outside visible ASCII.
        case malformed(String)

        public var description: String {
            switch self {
            case .httpsNotSupported:
                return "https URLs are not supported (Tandem has no TLS client): use Open WebUI's internal http:// address"
            case .unsupportedScheme(let scheme): return "unsupported URL scheme \"\(scheme)\": only http:// is supported"
            case .malformed(let why): return "malformed URL: \(why)"
            }
        }
    }

    /// The host name or IP literal (IPv6 without brackets).
    public let host: String
    /// The TCP port (80 when the URL has none).
    public let port: Int
    /// The path prefix every request path is appended to, without a trailing slash ("" for the root).
    public let basePath: String

    /// Parses `text`; surrounding whitespace and one trailing slash are ignored.
    public init(parsing text: String) throws(Error) {
        var rest = Substring(text).trimmingASCIISpaces()
        guard let schemeEnd = rest.firstRange(of: "://") else { throw .malformed("missing scheme (http://host:port)") }
        let scheme = rest[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "http": break
        case "https": throw .httpsNotSupported
        default: throw .unsupportedScheme(String(scheme))
        }
        rest = rest[schemeEnd.upperBound...]
        guard rest.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .malformed("invalid characters") }
        guard !rest.contains("?"), !rest.contains("#") else { throw .malformed("query or fragment") }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        guard !authority.contains("@") else { throw .malformed("user info is not supported") }
        var hostPart = Substring(authority)
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw .malformed("unclosed IPv6 literal") }
            let after = hostPart[hostPart.index(after: close)...]
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .malformed("junk after IPv6 literal") }
                portPart = after.dropFirst()
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw .malformed("missing host") }
        var port = 80
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let value = Int(portPart), value >= 1, value <= 65535
            else {
                throw .malformed("bad port")
            }
            port = value
        }
        self.host = String(hostPart)
        self.port = port
        self.basePath = path
    }

    /// The `Host` header value: `host:port` (brackets around IPv6), port omitted when 80.
    public var hostHeader: String {
        let name = self.host.contains(":") ? "[\(self.host)]" : self.host
        return self.port == 80 ? name : "\(name):\(self.port)"
    }

    /// The request target for `path` (which starts with `/`) under ``basePath``.
    public func target(_ path: String) -> String {
        self.basePath + path
    }

    public var description: String { "http://\(self.hostHeader)\(self.basePath)" }
}
