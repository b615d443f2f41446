import Wire

/// Handles one plain HTTP request. May suspend as long as it likes (long-polling holds a request ~25 s); other
/// connections are unaffected. Throw ``HTTPError`` to answer with its response; any other error gives 500.
public typealias HTTPHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// Creates the session of an accepted WebSocket upgrade.
///
/// Called after the handshake validated and before the 101 response is sent: throw ``HTTPError`` to refuse the
/// upgrade with that response (e.g. 401, 404). Messages sent through the outbound handle from inside the factory are
/// queued behind the 101 response.
public typealias WebSocketSessionFactory =
    @Sendable (HTTPRequest, WebSocketOutbound) async throws -> any WebSocketSession

/// An error a handler throws to answer with a specific HTTP response.
public struct HTTPError: Error, Sendable {
    /// The response sent to the client.
    public var response: HTTPResponse

    /// Answers with `response`.
    public init(_ response: HTTPResponse) {
        self.response = response
    }

    /// Answers with a short plain-text error for `status`.
    public init(_ status: HTTPStatus, message: String? = nil) {
        self.response = message.map { .text($0 + "\n", status: status) } ?? .error(status)
    }
}

/// How a route's path is compared with the request path (before `?`, not percent-decoded).
public enum PathMatch: Sendable, Hashable {
    /// The path must be equal.
    case exact
    /// The path must start with the route's path (`/yjs/` matches `/yjs/doc-1`).
    case prefix
}

/// The server's routing table: plain HTTP routes by method and path, WebSocket routes by path.
///
/// Resolution: exact routes first, then the longest matching prefix. A path that matches only with another method
/// gives 405; nothing gives 404. Upgrade requests (`Upgrade: websocket`) go to WebSocket routes, all others to HTTP
/// routes, so `/socket.io/` can serve both long-polling and WebSocket. See Docs/server.md.
public struct Router: Sendable {
    struct HTTPRoute: Sendable {
        let method: HTTPMethod?
        let path: String
        let match: PathMatch
        let handler: HTTPHandler
    }

    struct WebSocketRoute: Sendable {
        let path: String
        let match: PathMatch
        let factory: WebSocketSessionFactory
    }

    private(set) var httpRoutes: [HTTPRoute] = []
    private(set) var webSocketRoutes: [WebSocketRoute] = []

    /// An empty router (the server adds `/healthz` and `/metrics` unless they are registered).
    public init() {}

    /// Adds an HTTP route; `method: nil` accepts every method.
    public mutating func http(
        _ method: HTTPMethod?, _ path: String, match: PathMatch = .exact, handler: @escaping HTTPHandler
    ) {
        self.httpRoutes.append(HTTPRoute(method: method, path: path, match: match, handler: handler))
    }

    /// Adds a `GET` route (which also answers `HEAD`, without the body).
    public mutating func get(_ path: String, match: PathMatch = .exact, handler: @escaping HTTPHandler) {
        self.http(.get, path, match: match, handler: handler)
    }

    /// Adds a `POST` route.
    public mutating func post(_ path: String, match: PathMatch = .exact, handler: @escaping HTTPHandler) {
        self.http(.post, path, match: match, handler: handler)
    }

    /// Adds a WebSocket route; by default every path under `path` matches.
    public mutating func webSocket(
        _ path: String, match: PathMatch = .prefix, factory: @escaping WebSocketSessionFactory
    ) {
        self.webSocketRoutes.append(WebSocketRoute(path: path, match: match, factory: factory))
    }

    /// Whether some HTTP route is registered for exactly this method and path.
    public func hasHTTPRoute(_ method: HTTPMethod, _ path: String) -> Bool {
        self.httpRoutes.contains { $0.method == method && $0.path == path }
    }

    /// The outcome of resolving an HTTP request.
    enum HTTPResolution {
        case handler(HTTPHandler)
        case methodNotAllowed
        case notFound
    }

    func resolveHTTP(method: HTTPMethod, path: String) -> HTTPResolution {
        let candidates = self.httpRoutes.filter { Self.matches($0.path, $0.match, path) }
        guard !candidates.isEmpty else { return .notFound }
        let effective = method == .head ? HTTPMethod.get : method
        let allowed = candidates.filter { $0.method == nil || $0.method == effective || $0.method == method }
        guard let best = allowed.max(by: { Self.rank($0.path, $0.match) < Self.rank($1.path, $1.match) }) else {
            return .methodNotAllowed
        }
        return .handler(best.handler)
    }

    func resolveWebSocket(path: String) -> WebSocketSessionFactory? {
        self.webSocketRoutes
            .filter { Self.matches($0.path, $0.match, path) }
            .max { Self.rank($0.path, $0.match) < Self.rank($1.path, $1.match) }?
            .factory
    }

    private static func matches(_ routePath: String, _ match: PathMatch, _ path: String) -> Bool {
        switch match {
        case .exact: return path == routePath
        case .prefix: return path.hasPrefix(routePath)
        }
    }

    /// Exact routes outrank prefixes; longer prefixes outrank shorter ones.
    private static func rank(_ routePath: String, _ match: PathMatch) -> Int {
        match == .exact ? Int.max : routePath.utf8.count
    }
}
