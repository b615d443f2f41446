import Wire

/// The client side of Open WebUI mode: asks the Open WebUI at a URL who a token belongs to, what a user may do with
/// a note, saves merged note content back, and lists a user's channels.
///
/// In Open WebUI mode Open WebUI is the source of truth for users, notes, grants and channels (issue 13); Tandem
/// only holds the live Yjs state. Every answer comes from Open WebUI 0.12.4's own REST routes, called with the
/// user's own token, so its access rules (owner, admin, `access_grants` for users, groups and `*`, the
/// `features.notes` permission) are applied by Open WebUI itself and never re-implemented here. Token → user
/// answers are cached for ``Configuration/userTTL`` (refusals for ``Configuration/negativeTTL``) and concurrent
/// look-ups of one token share one request. Errors separate "refuse" from "retry later"
/// (``OpenWebUIHostError/isRetryable``). Routes, caching and errors: Docs/openwebui.md ("The requests in detail").
public actor OpenWebUIHost {
    /// Where Open WebUI is and how long answers are trusted.
    public struct Configuration: Sendable {
        /// Open WebUI's base URL (`--openwebui`, `TANDEM_OPENWEBUI_URL`), e.g. `http://127.0.0.1:8080`.
        public var url: HTTPURL
        /// How long a verified user is reused without asking again. Default 10 s (Open WebUI itself re-checks
        /// sockets every 30 s, so a revoked token is noticed within TTL + the caller's re-check period).
        public var userTTL: Duration
        /// How long a refused token stays refused without asking again. Default 2 s.
        public var negativeTTL: Duration
        /// Most tokens remembered. Default 10,000.
        public var maxCachedTokens: Int
        /// Longest token accepted; longer ones are refused without asking. Default 8 KiB (tokens are ~200 bytes).
        public var maxTokenLength: Int
        /// The HTTP client's timeouts, pool and response limits (16 MiB bodies by default).
        public var client: HTTPClient.Configuration
        /// JSON limits for answers (depth 512: ProseMirror JSON nests; bytes bounded by the client's body limit).
        public var json: JSONParser.Limits

        /// Creates a configuration; see the properties for defaults.
        public init(
            url: HTTPURL, userTTL: Duration = .seconds(10), negativeTTL: Duration = .seconds(2),
            maxCachedTokens: Int = 10_000, maxTokenLength: Int = 8 << 10,
            client: HTTPClient.Configuration = .init(), json: JSONParser.Limits = .init(maxDepth: 512)
        ) {
            self.url = url
            self.userTTL = userTTL
            self.negativeTTL = negativeTTL
            self.maxCachedTokens = maxCachedTokens
            self.maxTokenLength = maxTokenLength
            self.client = client
            self.json = json
        }
    }

    /// The settings.
    public let configuration: Configuration
    /// The HTTP client (shared with other upstream users if one was passed in).
    public nonisolated let client: HTTPClient
    private var users: TTLCache<String, Result<OpenWebUIUser, OpenWebUIHostError>>
    private var inFlight: [String: Task<Result<OpenWebUIUser, OpenWebUIHostError>, Never>] = [:]
    /// Requests sent to Open WebUI, by route kind (`auths`, `note`, `save`, `channels`), for tests and metrics.
    public internal(set) var requestCounts: [String: Int] = [:]

    /// Creates a host client; `client` may be shared with other upstream users.
    public init(configuration: Configuration, client: HTTPClient? = nil) {
        self.configuration = configuration
        self.client = client ?? HTTPClient(configuration: configuration.client)
        self.users = TTLCache(capacity: configuration.maxCachedTokens)
    }

    /// The verified user behind `token` (`GET /api/v1/auths/` with `Authorization: Bearer`).
    ///
    /// - Throws: ``OpenWebUIHostError/invalidToken(_:)`` to refuse (401/403, role `pending`, empty or oversized
    ///   token), ``OpenWebUIHostError/unavailable(_:)`` to retry later.
    public func user(token: String, now: ContinuousClock.Instant = .now) async throws(OpenWebUIHostError)
        -> OpenWebUIUser
    {
        guard !token.isEmpty, token.utf8.count <= self.configuration.maxTokenLength else {
            throw .invalidToken("empty or oversized token")
        }
        if let cached = self.users.value(for: token, now: now) { return try cached.get() }
        if let running = self.inFlight[token] { return try await running.value.get() }
        let task = Task { await self.fetchUser(token: token) }
        self.inFlight[token] = task
        let result = await task.value
        self.inFlight[token] = nil
        switch result {
        case .success: self.users.set(result, for: token, ttl: self.configuration.userTTL, now: now)
        case .failure(.invalidToken): self.users.set(result, for: token, ttl: self.configuration.negativeTTL, now: now)
        case .failure: break  // never cache "could not ask"
        }
        return try result.get()
    }

    /// Forgets the cached answer for `token` (after a logout or a refused action).
    public func invalidate(token: String) {
        self.users.remove(token)
    }

    /// Forgets every cached answer.
    public func invalidateAll() {
        self.users.removeAll()
    }

    private func fetchUser(token: String) async -> Result<OpenWebUIUser, OpenWebUIHostError> {
        do {
            let (status, body) = try await self.request(.get, "/api/v1/auths/", token: token, kind: "auths")
            switch status {
            case 200:
                guard let user = OpenWebUIUser(json: body) else { return .failure(.unavailable("unreadable user")) }
                guard user.isVerified else { return .failure(.invalidToken("user \(user.id) is \(user.role)")) }
                return .success(user)
            case 401, 403:
                return .failure(.invalidToken("\(status) \(Self.detail(body))"))
            default:
                return .failure(Self.unexpected(status, body))
            }
        } catch {
            return .failure(error)
        }
    }
}
