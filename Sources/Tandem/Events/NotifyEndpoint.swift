import Foundation
import Synchronization
import Wire

/// `/ws/notify?token=<jwt>[&after=<id>]`: every event addressed to the user (emits to `user:<id>`) as plain JSON
/// text messages, for clients that do not speak Socket.IO (Docs/events.md).
///
/// Out: `{"type":"event","event","data"}`, durable ones with `"id"` (and `"created_at"`); first the pending durable
/// events after `after` (which also acknowledges everything up to it), then live ones, in id order without
/// duplicates. In: `{"type":"ack","id"}` (cumulative). Refusals close with an ``AuthOutcome`` code after an
/// `error` message.
public struct NotifyEndpoint: Sendable {
    public var path = "/ws/notify"
    public let dispatcher: EventDispatcher
    public let verifier: JWTVerifier?
    public let connections: UserConnections
    /// Confirms users with the host application (Open WebUI mode); nil: the token alone decides.
    public var userSource: (any TokenUserSource)?

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
        let user: TokenAuthenticator.User
        switch await AuthOutcome.check(
            token: request.query["token"], verifier: verifier, now: dispatcher.wallClock(), confirmingWith: userSource)
        {
        case .success(let verified): user = verified
        case .failure(let outcome): return Self.refuse(outbound, outcome)
        }
        let id = "notify-\(outbound.connectionID)"
        guard await connections.admit(.init(id: id, userID: user.id, kind: "notify", target: nil)) else {
            return Self.refuse(outbound, .tooManyConnections)
        }
        let after = request.query["after"].flatMap { Int64($0) }.map { max(0, $0) } ?? 0
        let session = NotifySession(id: id, userID: user.id, outbound: outbound, dispatcher: dispatcher, connections: connections)
        await session.start(after: after)
        return session
    }

    /// Sends the outcome's `error` message, closes with its code, and returns a session that ignores the rest.
    static func refuse(_ outbound: WebSocketOutbound, _ outcome: AuthOutcome) -> any WebSocketSession {
        outbound.send(text: outcome.plainErrorMessage)
        outbound.close(code: outcome.closeCode, reason: outcome.message)
        return ClosureWebSocketSession(received: { _ in })
    }
}

/// One `/ws/notify` connection.
final class NotifySession: WebSocketSession, Sendable {
    let id: String
    let userID: String
    let outbound: WebSocketOutbound
    let dispatcher: EventDispatcher
    let connections: UserConnections
    /// While replaying, live durable events wait in `buffered`; `lastID` is the highest durable id sent.
    private let state = Mutex<(replaying: Bool, buffered: [JSONValue], lastID: Int64, taps: [(Int, String)])>((true, [], 0, []))

    init(id: String, userID: String, outbound: WebSocketOutbound, dispatcher: EventDispatcher, connections: UserConnections) {
        self.id = id
        self.userID = userID
        self.outbound = outbound
        self.dispatcher = dispatcher
        self.connections = connections
    }

    func start(after: Int64) async {
        state.withLock { $0.lastID = after }
        var taps: [(Int, String)] = []
        for room in [EventTarget.user(userID).room, id] {
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
        default:
            error("unknown type: \(type.prefix(64))")
        }
    }

    private func error(_ message: String) {
        outbound.send(text: JSONValue.object(["type": "error", "message": .string(message)]).serialized())
    }

    func closed(code: WebSocketCloseCode) async {
        connections.unregister(id)
        let taps = state.withLock { state in
            defer { state.taps = [] }
            return state.taps
        }
        for (tap, room) in taps { await dispatcher.server.removeRoomTap(tap, room: room) }
    }
}
