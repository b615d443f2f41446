/// The server side of the WebSocket opening handshake (RFC 6455 §4.2).
public enum WebSocketHandshake {
    /// The GUID appended to the client's key before hashing (RFC 6455 §1.3).
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Why an upgrade request was refused, with the response to send.
    public enum Failure: Error, Hashable, Sendable {
        /// Not a GET request (§4.2.1 item 1).
        case methodNotGet
        /// HTTP/1.0 (§4.2.1 item 1 requires HTTP/1.1 or higher).
        case httpVersionTooOld
        /// No `Host` header (§4.2.1 item 2).
        case missingHost
        /// `Upgrade` does not list `websocket` (§4.2.1 item 3).
        case missingUpgrade
        /// `Connection` does not list `Upgrade` (§4.2.1 item 4).
        case missingConnectionUpgrade
        /// `Sec-WebSocket-Key` missing or not 16 bytes in Base64 (§4.2.1 item 5).
        case invalidKey
        /// `Sec-WebSocket-Version` is not 13 (§4.2.1 item 6); answered with 426 and the supported version.
        case unsupportedVersion

        /// The HTTP response that refuses the upgrade.
        public var response: HTTPResponse {
            switch self {
            case .unsupportedVersion:
                return .error(.upgradeRequired, headers: ["Sec-WebSocket-Version": "13"])
            case .missingUpgrade:
                return .error(.upgradeRequired, headers: ["Upgrade": "websocket"])
            default:
                return .error(.badRequest)
            }
        }
    }

    /// Whether the request asks for a WebSocket upgrade (its `Upgrade` header lists `websocket`).
    public static func isUpgradeRequest(_ request: HTTPRequest) -> Bool {
        request.headers.contains(token: "websocket", in: "Upgrade")
    }

    /// `Sec-WebSocket-Accept` for a client key: Base64(SHA-1(key + GUID)) (§4.2.2 item 5.4).
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + self.guid).utf8)))
    }

    /// Validates an upgrade request and returns the 101 response, optionally selecting a subprotocol.
    ///
    /// - Throws: ``Failure`` naming the first requirement of §4.2.1 that the request misses.
    public static func accept(
        _ request: HTTPRequest, subprotocol: String? = nil, extraHeaders: HTTPHeaders = [:]
    ) throws(Failure) -> HTTPResponse {
        guard request.method == .get else { throw .methodNotGet }
        guard request.minorVersion >= 1 else { throw .httpVersionTooOld }
        guard request.headers["Host"] != nil else { throw .missingHost }
        guard self.isUpgradeRequest(request) else { throw .missingUpgrade }
        guard request.headers.contains(token: "upgrade", in: "Connection") else { throw .missingConnectionUpgrade }
        guard request.headers["Sec-WebSocket-Version"] == "13" else { throw .unsupportedVersion }
        guard let key = request.headers["Sec-WebSocket-Key"], Base64.decode(key)?.count == 16 else {
            throw .invalidKey
        }
        var headers: HTTPHeaders = [
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Accept": self.acceptValue(forKey: key),
        ]
        if let subprotocol { headers.add("Sec-WebSocket-Protocol", subprotocol) }
        for field in extraHeaders { headers.add(field.name, field.value) }
        return HTTPResponse(status: .switchingProtocols, headers: headers)
    }
}
