import Foundation
import Wire

/// `/ws/notify?token=<jwt>[&after=<id>]`: every event addressed to the user (emits to `user:<id>`) as plain JSON
/// text messages, for clients that do not speak Socket.IO (Docs/events.md).
///
/// Out: `{"type":"event","event","data"}`, durable ones with `"id"` (and `"created_at"`); first the pending durable
/// events after `after` (which also acknowledges everything up to it), then live ones, in id order without
/// duplicates. In: `{"type":"ack","id"}` (cumulative). Refusals close with an ``AuthOutcome`` code after an
/// `error` message. The events API can call a connection (``NotifySession/call(_:data:timeout:)``): out
/// `{"type":"call","id","event","data"}`, in `{"type":"answer","id","data"}`.
public struct NotifyEndpoint: Sendable {
    public var path = "/ws/notify"
    public let dispatcher: EventDispatcher
    public let verifier: JWTVerifier?
    public let connections: UserConnections
    /// Confirms users with the host application (Open WebUI mode); nil: the token alone decides.
    public var userSource: (any TokenUserSource)?
    /// The most calls of the events API waiting at once on one connection (default 64; more: HTTP 429).
    public var maxPendingCalls = 64
    /// The start of connection ids: `notify-` (ids `notify-<n>`); with a Redis bus `notify-<host id>-`, so an emit
    /// to one connection id never reaches another host's connection of the same number, and a call finds its node.
    public var idPrefix = "notify-"
    /// The live connections, for calls of the events API.
    let registry = NotifyRegistry()

    public init(dispatcher: EventDispatcher, jwtSecret: String?, connections: UserConnections) {
        self.dispatcher = dispatcher
        self.verifier = jwtSecret.map { JWTVerifier(secret: $0) }
        self.connections = connections
    }

    /// Adds the WebSocket route to `router`.
    public func install(on router: inout Router) {
        let endpoint = self
        router.webSocket(path, match: .exact) { request, outbound in
            await endpoint.open(request: request, outbound: outbound)
        }
    }

    func open(request: HTTPRequest, outbound: WebSocketOutbound) async -> any WebSocketSession {
        let user: AuthenticatedUser
        switch await AuthOutcome.check(
            token: request.query["token"], verifier: verifier, now: dispatcher.wallClock(), confirmingWith: userSource)
        {
        case .success(let verified): user = verified
        case .failure(let outcome): return Self.refuse(outbound, outcome)
        }
        let id = "\(idPrefix)\(outbound.connectionID)"
        guard await connections.admit(.init(id: id, userID: user.id, kind: "notify", target: nil)) else {
            return Self.refuse(outbound, .tooManyConnections)
        }
        let after = request.query["after"].flatMap { Int64($0) }.map { max(0, $0) } ?? 0
        let session = NotifySession(
            id: id, userID: user.id, outbound: outbound, dispatcher: dispatcher, connections: connections,
            registry: registry, maxPendingCalls: maxPendingCalls)
        registry.add(session)
        session.watchAuthentication(AuthWatch.start(user: user, source: userSource, wallClock: dispatcher.wallClock) {
            Self.end(outbound, $0)
        })
        await session.start(after: after)
        return session
    }

    /// Sends the outcome's `error` message, closes with its code, and returns a session that ignores the rest.
    static func refuse(_ outbound: WebSocketOutbound, _ outcome: AuthOutcome) -> any WebSocketSession {
        end(outbound, outcome)
        return ClosureWebSocketSession(received: { _ in })
    }

    /// Ends a plain connection with an auth outcome: its `error` message, then the close with its code (at connect,
    /// or later from ``AuthWatch``).
    static func end(_ outbound: WebSocketOutbound, _ outcome: AuthOutcome) {
        outbound.send(text: outcome.plainErrorMessage)
        outbound.close(code: outcome.closeCode, reason: outcome.message)
    }
}

/// One `/ws/notify` connection.
final class NotifySession: WebSocketSession, Sendable {
    let id: String
    let userID: String
    let outbound: WebSocketOutbound
    let dispatcher: EventDispatcher
    let connections: UserConnections
    let registry: NotifyRegistry?
    /// Calls of the events API waiting for this connection's answer.
    private let calls: Locked<NotifyCalls>
    /// The watch of this connection's token (``AuthWatch``: expiry, host re-check), cancelled when it closes.
    private let authWatch = Locked<Task<Void, Never>?>(nil)
    /// While replaying, live durable events wait in `buffered`; `lastID` is the highest durable id sent.
    private let state = Locked<(replaying: Bool, buffered: [JSONValue], lastID: Int64, taps: [(Int, SocketIORoom)])>((true, [], 0, []))

    init(
        id: String, userID: String, outbound: WebSocketOutbound, dispatcher: EventDispatcher, connections: UserConnections,
        registry: NotifyRegistry? = nil, maxPendingCalls: Int = 64
    ) {
        self.id = id
        self.userID = userID
        self.outbound = outbound
        self.dispatcher = dispatcher
        self.connections = connections
        self.registry = registry
        self.calls = Locked(NotifyCalls(maxPending: maxPendingCalls))
    }

    func start(after: Int64) async {
        state.withLock { $0.lastID = after }
        var taps: [(Int, SocketIORoom)] = []
        for room in [EventTarget.user(userID).room, .session(id)] {
            let tap = await dispatcher.server.addRoomTap(room: room) { [weak self] event, arguments in
                self?.live(event, arguments)
            }
            taps.append((tap, room))
        }
        state.withLock { $0.taps = taps }
        if let outbox = dispatcher.outbox {
            let now = dispatcher.wallClock()
            if after > 0 { _ = try? await outbox.acknowledge(userID: userID, upTo: after, now: now) }
            for entry in (try? await outbox.pending(userID: userID, after: after, now: now)) ?? [] {
                sendDurable(EventDispatcher.wire(entry))
            }
        }
        let buffered = state.withLock { state -> [JSONValue] in
            state.replaying = false
            defer { state.buffered = [] }
            return state.buffered
        }
        for payload in buffered.sorted(by: { ($0["id"]?.intValue ?? 0) < ($1["id"]?.intValue ?? 0) }) { sendDurable(payload) }
    }

    /// An emit to the user's room or to this connection.
    private func live(_ event: String, _ arguments: [JSONValue]) {
        guard event == EventDispatcher.durableEventName, let payload = arguments.first else {
            var message: JSONObject = ["type": "event", "event": .string(event), "data": arguments.first ?? .null]
            if arguments.count > 1 { message["arguments"] = .array(arguments) }
            outbound.send(text: JSONValue.object(message).serialized())
            return
        }
        let buffer = state.withLock { state -> Bool in
            guard state.replaying else { return false }
            state.buffered.append(payload)
            return true
        }
        if !buffer { sendDurable(payload) }
    }

    /// Sends a durable event once: ids at or below the last one sent are skipped.
    private func sendDurable(_ payload: JSONValue) {
        guard let id = payload["id"]?.intValue else { return }
        let fresh = state.withLock { state -> Bool in
            guard id > state.lastID else { return false }
            state.lastID = id
            return true
        }
        guard fresh else { return }
        let message: JSONValue = [
            "type": "event", "id": .int(id), "event": payload["event"] ?? .null, "data": payload["data"] ?? .null,
            "created_at": payload["created_at"] ?? .null,
        ]
        outbound.send(text: message.serialized())
    }

    func received(_ message: WebSocketMessage) async {
        guard case .text(let text) = message, let value = try? JSONValue(parsing: Array(text.utf8)),
            let type = value["type"]?.stringValue
        else { return error("messages are JSON objects with a type") }
        switch type {
        case "ack":
            guard let id = value["id"]?.intValue else { return error("ack needs an integer id") }
            do {
                try await dispatcher.outbox?.acknowledge(userID: userID, upTo: id, now: dispatcher.wallClock())
            } catch {
                self.error("outbox unavailable: the ack was not recorded")
            }
        case "ping":
            outbound.send(text: #"{"type":"pong"}"#)
        case "answer":
            answered(value)
        default:
            error("unknown type: \(type.prefix(64))")
        }
    }

    /// Sends `{"type":"call","id","event","data"}` and waits for the client's `answer` with the same id, at most
    /// `timeout`; fails at once when the connection closes meanwhile.
    func call(_ event: String, data: JSONValue, timeout: Duration) async -> Result<JSONValue, NotifyCallError> {
        await withCheckedContinuation { waiter in
            switch calls.withLock({ $0.start(waiter) }) {
            case .refuse(let error):
                waiter.resume(returning: .failure(error))
            case .send(let callID):
                let message: JSONValue = ["type": "call", "id": .int(callID), "event": .string(event), "data": data]
                outbound.send(text: message.serialized())
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.calls.withLock { $0.finish(callID) }?.resume(returning: .failure(.timedOut))
                }
            }
        }
    }

    /// How many calls wait for an answer.
    var waitingCalls: Int { calls.withLock { $0.count } }

    /// An `answer` message: resumes its call; a malformed one or one for no waiting call gets an `error`.
    private func answered(_ value: JSONValue) {
        guard let callID = value["id"]?.intValue else { return error("answer needs the integer id of a call") }
        guard let waiter = calls.withLock({ $0.finish(callID) }) else {
            return error("no call waiting with id \(callID) (answered already, timed out, or never sent)")
        }
        waiter.resume(returning: .success(value["data"] ?? .null))
    }

    private func error(_ message: String) {
        outbound.send(text: JSONValue.object(["type": "error", "message": .string(message)]).serialized())
    }

    /// Keeps `task` (an ``AuthWatch``) until the connection closes.
    func watchAuthentication(_ task: Task<Void, Never>?) {
        authWatch.withLock { $0 = task }
    }

    func closed(code: WebSocketCloseCode) async {
        authWatch.withLock { $0?.cancel() }
        registry?.remove(id)
        for waiter in calls.withLock({ $0.close() }) { waiter.resume(returning: .failure(.disconnected)) }
        connections.unregister(id)
        let taps = state.withLock { state in
            defer { state.taps = [] }
            return state.taps
        }
        for (tap, room) in taps { await dispatcher.server.removeRoomTap(tap, room: room) }
    }
}
