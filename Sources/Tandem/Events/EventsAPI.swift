import Foundation
import Wire

/// The events API for host backends (Docs/events.md): emit to a user, a room or a session, call one session and
/// wait for its answer, list a user's live sessions, and read a user's durable outbox.
///
/// Authenticated by `Authorization: Bearer <service token>` (`--service-token`, compared in constant time) or an
/// admin JWT. Errors are `{"detail": message}`: 400 malformed, 401 no or bad credentials, 403 not an admin, 404 no
/// such session, 413 body too large, 504 the call timed out, 507 the user's outbox is full.
public struct EventsAPI: Sendable {
    public let dispatcher: EventDispatcher
    public let authenticator: TokenAuthenticator
    public let connections: UserConnections
    /// SHA-256 of the service token; nil when none is configured (admin JWTs only).
    let serviceTokenHash: [UInt8]?
    /// The largest request body (default 1 MiB).
    public var maxBodyBytes = 1 << 20
    /// The longest `timeout_ms` of a call (default 60 s; `SocketIOConfiguration.callTimeout`).
    public var maxCallTimeout: Duration = .seconds(60)
    /// The longest event name (default 256 bytes).
    public var maxEventNameBytes = 256
    /// Reads a user's sids on every host (the Redis bus's shared `session_pool`); nil without a bus, when
    /// `GET /api/v1/events/sessions` lists only this host's connections.
    public var sharedSessions: (@Sendable (String) async -> [(sid: String, lastSeenAt: Int64?)]?)?
    /// The live `/ws/notify` connections of this node, which `call` can target by id.
    var notifySessions: NotifyRegistry?
    /// Cluster mode: this node's id, and the call of a `/ws/notify` connection on another node (its id names it).
    var nodeID: String?
    var remoteNotifyCall: (@Sendable (_ node: String, _ id: String, _ event: String, _ data: JSONValue, _ timeout: Duration) async -> Result<JSONValue, NotifyCallError>)?
    /// Reads a user's plain connections on the other nodes of a cluster; nil outside cluster mode.
    var remoteConnections: (@Sendable (String) async -> [ClusterConnections.Listed]?)?

    public init(dispatcher: EventDispatcher, authenticator: TokenAuthenticator, connections: UserConnections, serviceToken: String?) {
        self.dispatcher = dispatcher
        self.authenticator = authenticator
        self.connections = connections
        self.serviceTokenHash = serviceToken.flatMap { $0.isEmpty ? nil : SHA256.hash(Array($0.utf8)) }
    }

    /// Adds the routes to `router`.
    public func install(on router: inout Router) {
        let api = self
        router.post("/api/v1/events/emit") { request in try await api.emit(request) }
        router.post("/api/v1/events/call") { request in try await api.call(request) }
        router.get("/api/v1/events/sessions") { request in try await api.sessions(request) }
        router.get("/api/v1/events/outbox") { request in try await api.outbox(request) }
    }

    /// Accepts the service token or an admin JWT.
    func authorize(_ request: HTTPRequest) throws {
        let header = request.headers["authorization"]
        if let serviceTokenHash, let header {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                // Hashing first makes the comparison constant-time whatever the lengths.
                let given = SHA256.hash(Array(parts[1].trimmingCharacters(in: .whitespaces).utf8))
                if HMACSHA256.constantTimeEquals(given, serviceTokenHash) { return }
            }
        }
        guard let user = authenticator.user(authorization: header) else { throw APIError.unauthorized }
        guard user.isAdmin else { throw APIError.make(.forbidden, "admin role or service token required") }
    }

    func body(_ request: HTTPRequest) throws -> JSONObject {
        guard request.body.count <= maxBodyBytes else {
            throw APIError.make(.payloadTooLarge, "body larger than \(maxBodyBytes) bytes")
        }
        guard let value = try? JSONValue(parsing: request.body), let object = value.objectValue else {
            throw APIError.make(.badRequest, "body must be a JSON object")
        }
        return object
    }

    func eventName(_ body: JSONObject) throws -> String {
        guard let event = body["event"]?.stringValue, !event.isEmpty, event.utf8.count <= maxEventNameBytes else {
            throw APIError.make(.badRequest, "event must be a non-empty string of at most \(maxEventNameBytes) bytes")
        }
        guard event != EventDispatcher.durableEventName else {
            throw APIError.make(.badRequest, "\(event) is reserved: send with durable: true instead")
        }
        return event
    }

    static func target(_ body: JSONObject) throws -> EventTarget {
        guard let to = body["to"]?.objectValue, to.keys.count == 1 else {
            throw APIError.make(.badRequest, "to must be an object with exactly one of user, room, session")
        }
        if let user = to["user"]?.stringValue, !user.isEmpty { return .user(user) }
        if let room = to["room"]?.stringValue, !room.isEmpty { return .room(room) }
        if let sid = to["session"]?.stringValue, !sid.isEmpty { return .session(sid) }
        throw APIError.make(.badRequest, "to.user, to.room or to.session must be a non-empty string")
    }

    func emit(_ request: HTTPRequest) async throws -> HTTPResponse {
        try authorize(request)
        let body = try body(request)
        let event = try eventName(body)
        let target = try Self.target(body)
        let data = body["data"] ?? .null
        guard body["durable"]?.boolValue == true else {
            let receivers = await dispatcher.emit(event, data: data, to: target)
            return Self.answer(["ok": true, "receivers": .int(Int64(receivers))])
        }
        guard case .user(let userID) = target else {
            throw APIError.make(.badRequest, "durable events go to a user (to.user)")
        }
        do {
            let (entry, receivers) = try await dispatcher.emitDurable(event, data: data, toUser: userID)
            return Self.answer(["ok": true, "receivers": .int(Int64(receivers)), "id": .int(entry.id), "status": "pending"])
        } catch {
            switch error {
            case .full(let limit):
                throw APIError.make(HTTPStatus(code: 507, reason: "Insufficient Storage"), "outbox full: \(limit) pending events")
            case .tooLarge(let limit):
                throw APIError.make(.payloadTooLarge, "durable data larger than \(limit) bytes")
            case .storage(let why):
                throw APIError.make(.serviceUnavailable, "outbox unavailable: \(why)")
            }
        }
    }

    func call(_ request: HTTPRequest) async throws -> HTTPResponse {
        try authorize(request)
        let body = try body(request)
        let event = try eventName(body)
        guard let sid = body["sid"]?.stringValue, !sid.isEmpty else {
            throw APIError.make(.badRequest, "sid must be a non-empty string")
        }
        var timeout = maxCallTimeout
        if let value = body["timeout_ms"] {
            guard let ms = value.intValue, ms > 0 else { throw APIError.make(.badRequest, "timeout_ms must be a positive integer") }
            timeout = min(.milliseconds(ms), maxCallTimeout)
        }
        let started = ContinuousClock.now
        if sid.hasPrefix(Self.notifyPrefix), let notifySessions {
            let data = body["data"] ?? .null
            if let session = notifySessions.session(sid) {
                let result = await session.call(event, data: data, timeout: timeout)
                return try callAnswer(result, sid: sid, node: nil, timeout: timeout, started: started)
            }
            if let remoteNotifyCall, let holder = Self.node(ofNotifyID: sid), holder != nodeID {
                let result = await remoteNotifyCall(holder, sid, event, data, timeout)
                return try callAnswer(result, sid: sid, node: holder, timeout: timeout, started: started)
            }
            return try callAnswer(.failure(.notFound), sid: sid, node: nil, timeout: timeout, started: started)
        }
        do {
            let answer = try await dispatcher.server.call(event, [body["data"] ?? .null], to: sid, timeout: timeout)
            dispatcher.metrics.called(.answered, since: started)
            return Self.answer(["ok": true, "data": answer.first ?? .null, "arguments": .array(answer)])
        } catch {
            switch error {
            case .notConnected:
                dispatcher.metrics.called(.notConnected, since: started)
                throw APIError.make(.notFound, "no such session: \(sid)")
            case .timedOut:
                dispatcher.metrics.called(.timeout, since: started)
                throw APIError.make(HTTPStatus(code: 504, reason: "Gateway Timeout"), "no answer within \(timeout)")
            case .disconnected:
                dispatcher.metrics.called(.disconnected, since: started)
                throw APIError.make(HTTPStatus(code: 502, reason: "Bad Gateway"), "session disconnected before answering")
            }
        }
    }

    /// The id prefix of `/ws/notify` connections.
    static let notifyPrefix = "notify-"

    /// The host of a notify connection id `notify-<host id>-<n>` (with a Redis bus); nil for `notify-<n>`.
    static func node(ofNotifyID id: String) -> String? {
        let rest = id.dropFirst(notifyPrefix.count)
        guard let dash = rest.lastIndex(of: "-") else { return nil }
        let node = rest[..<dash]
        let number = rest[rest.index(after: dash)...]
        guard !node.isEmpty, !number.isEmpty, number.allSatisfy(\.isASCII), number.allSatisfy(\.isNumber) else { return nil }
        return String(node)
    }

    /// The HTTP answer to a call of a `/ws/notify` connection (of this node, or of `node`).
    func callAnswer(
        _ result: Result<JSONValue, NotifyCallError>, sid: String, node: String?, timeout: Duration,
        started: ContinuousClock.Instant
    ) throws -> HTTPResponse {
        switch result {
        case .success(let answer):
            dispatcher.metrics.called(.answered, since: started)
            return Self.answer(["ok": true, "data": answer, "arguments": [answer]])
        case .failure(.timedOut):
            dispatcher.metrics.called(.timeout, since: started)
            throw APIError.make(HTTPStatus(code: 504, reason: "Gateway Timeout"), "no answer within \(timeout)")
        case .failure(.disconnected):
            dispatcher.metrics.called(.disconnected, since: started)
            throw APIError.make(HTTPStatus(code: 502, reason: "Bad Gateway"), "session disconnected before answering")
        case .failure(.busy(let limit)):
            throw APIError.make(.tooManyRequests, "\(limit) calls already wait for this connection")
        case .failure(.notFound):
            dispatcher.metrics.called(.notConnected, since: started)
            let place = node.map { "on node \($0)" } ?? "on this node"
            throw APIError.make(.notFound, "no such notify connection \(place): \(sid)")
        case .failure(.unreachable):
            dispatcher.metrics.called(.notConnected, since: started)
            throw APIError.make(.notFound, "node \(node ?? "?") did not receive the call (gone, or Redis unreachable)")
        }
    }

    func sessions(_ request: HTTPRequest) async throws -> HTTPResponse {
        try authorize(request)
        guard let userID = request.query["user"], !userID.isEmpty else { throw APIError.make(.badRequest, "user is required") }
        var seen = Set<String>()
        var list: [JSONValue] = []
        for entry in connections.entries(ofUser: userID) {
            seen.insert(entry.id)
            list.append([
                "id": .string(entry.id), "protocol": .string(entry.kind), "target": entry.target.map(JSONValue.string) ?? .null,
                "host": "local",
            ])
        }
        // Sockets that authenticated after CONNECT (`user-join`) are not in the table.
        for sid in await dispatcher.server.sids(ofUser: userID) where !seen.contains(sid) {
            seen.insert(sid)
            list.append(["id": .string(sid), "protocol": "socketio", "target": .null, "host": "local"])
        }
        var answer: JSONObject = ["user": .string(userID)]
        // Both Redis reads at once, so a slow Redis delays the answer by one timeout, not two.
        async let sharedRead = sharedSessions?(userID)
        async let remoteRead = remoteConnections?(userID)
        let (shared, remote) = await (sharedRead, remoteRead)
        if sharedSessions != nil {
            // Socket.IO sessions of other hosts on the bus (other Tandem nodes, Open WebUI workers): callable and
            // reachable through the bus like local ones.
            if let shared = shared ?? nil {
                for (sid, lastSeenAt) in shared where !seen.contains(sid) {
                    seen.insert(sid)
                    list.append([
                        "id": .string(sid), "protocol": "socketio", "target": .null, "host": "remote",
                        "last_seen_at": lastSeenAt.map(JSONValue.int) ?? .null,
                    ])
                }
                answer["shared_pool"] = "ok"
            } else {
                answer["shared_pool"] = "unavailable"
            }
        }
        if remoteConnections != nil {
            // Plain connections (`/ws/notify`, `/ws/chat`, y-websocket) of the other nodes of the cluster.
            if let remote = remote ?? nil {
                // The table also holds the other nodes' Socket.IO sockets (for the per-user limit): those already
                // listed from the session pool are not listed twice.
                for entry in remote where entry.kind != "socketio" || !seen.contains(entry.id) {
                    list.append([
                        "id": .string(entry.id), "protocol": .string(entry.kind),
                        "target": entry.target.map(JSONValue.string) ?? .null, "host": "remote", "node": .string(entry.node),
                    ])
                }
                answer["cluster_connections"] = "ok"
            } else {
                answer["cluster_connections"] = "unavailable"
            }
        }
        answer["sessions"] = .array(list)
        return Self.answer(.object(answer))
    }

    func outbox(_ request: HTTPRequest) async throws -> HTTPResponse {
        try authorize(request)
        guard let userID = request.query["user"], !userID.isEmpty else { throw APIError.make(.badRequest, "user is required") }
        guard let outbox = dispatcher.outbox else { throw APIError.make(.notFound, "no outbox: the server has no data directory") }
        var entries: [OutboxEntry]
        do {
            entries = try await outbox.entries(userID: userID, now: dispatcher.wallClock())
        } catch .storage(let why) {
            throw APIError.make(.serviceUnavailable, "outbox unavailable: \(why)")
        } catch {
            throw APIError.make(.serviceUnavailable, "outbox unavailable")
        }
        if let status = request.query["status"] { entries = entries.filter { $0.status == status } }
        return Self.answer([
            "user": .string(userID), "events": .array(entries.map(\.json)),
            "pending": .int(Int64(entries.filter { $0.deliveredAt == nil }.count)),
        ])
    }

    static func answer(_ value: JSONValue) -> HTTPResponse {
        var response = HTTPResponse.json(value.serialized())
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
