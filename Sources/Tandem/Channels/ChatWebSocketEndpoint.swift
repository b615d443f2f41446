import Foundation
import Wire

/// `/ws/chat/<channel_id>?token=<jwt>`: a channel's chat as plain JSON WebSocket messages, for clients that do not
/// speak Socket.IO, on the same ``ChannelService`` (so REST, Socket.IO and this endpoint see each other's messages)
/// and the same `channel:<id>` room (Docs/events.md).
///
/// In: `join {limit?}`, `message {content, parent_id?}`, `edit {message_id, content}`, `delete {message_id}`,
/// `typing {typing?}`, `leave`; any may carry `request_id`, echoed in its `error`. Out: `session_state {channel,
/// messages (newest first), online}` on connect and on `join`, then `user_message`, `message_edited`,
/// `message_deleted` `{message, user}`, `user_typing {user, typing}`, `user_joined` / `user_left {user, online}`,
/// `error {message, request?, request_id?}`. Refusals close with an ``AuthOutcome`` code.
public struct ChatWebSocketEndpoint: Sendable {
    public var pathPrefix = "/ws/chat/"
    public let service: ChannelService
    public let presence: ChannelPresence
    public let verifier: JWTVerifier?
    public let connections: UserConnections
    /// Confirms users with the host application (Open WebUI mode); nil: the token alone decides.
    public var userSource: (any TokenUserSource)?
    /// The largest incoming message (default 64 KiB; larger ones get `error`), checked before parsing.
    public var maxMessageBytes = 64 << 10

    public init(service: ChannelService, presence: ChannelPresence, jwtSecret: String?, connections: UserConnections) {
        self.service = service
        self.presence = presence
        self.verifier = jwtSecret.map { JWTVerifier(secret: $0) }
        self.connections = connections
    }

    /// Adds the WebSocket route to `router`.
    public func install(on router: inout Router) {
        let endpoint = self
        router.webSocket(pathPrefix) { request, outbound in
            await endpoint.open(request: request, outbound: outbound)
        }
    }

    func open(request: HTTPRequest, outbound: WebSocketOutbound) async -> any WebSocketSession {
        let user: AuthenticatedUser
        switch await AuthOutcome.check(
            token: request.query["token"], verifier: verifier, now: Date().timeIntervalSince1970, confirmingWith: userSource)
        {
        case .success(let verified): user = verified
        case .failure(let outcome): return NotifyEndpoint.refuse(outbound, outcome)
        }
        let encoded = String(request.path.dropFirst(pathPrefix.count))
        guard !encoded.isEmpty, !encoded.contains("/"), let channelID = HTTPRequest.percentDecode(encoded),
            channelID.utf8.count <= 256
        else { return NotifyEndpoint.refuse(outbound, .notFound) }
        do {
            let channel = try await service.channel(channelID, for: user)
            guard channel.isMember(user.id) else { return NotifyEndpoint.refuse(outbound, .forbidden) }
        } catch {
            return NotifyEndpoint.refuse(outbound, error == .notMember ? .forbidden : .notFound)
        }
        let id = "chat-\(outbound.connectionID)"
        guard await connections.admit(.init(id: id, userID: user.id, kind: "chat", target: channelID)) else {
            return NotifyEndpoint.refuse(outbound, .tooManyConnections)
        }
        let session = ChatSession(id: id, channelID: channelID, user: user, endpoint: self, outbound: outbound)
        session.watchAuthentication(AuthWatch.start(user: user, source: userSource) { NotifyEndpoint.end(outbound, $0) })
        await session.start()
        return session
    }
}

/// One `/ws/chat/<id>` connection.
final class ChatSession: WebSocketSession, Sendable {
    let id: String
    let channelID: String
    let user: AuthenticatedUser
    let endpoint: ChatWebSocketEndpoint
    let outbound: WebSocketOutbound
    /// Room events arriving before `session_state` was sent wait in `buffered`.
    private let state = Locked<(ready: Bool, buffered: [String], tap: Int?, left: Bool)>((false, [], nil, false))
    /// The watch of this connection's token (``AuthWatch``: expiry, host re-check), cancelled when it closes.
    private let authWatch = Locked<Task<Void, Never>?>(nil)

    init(id: String, channelID: String, user: AuthenticatedUser, endpoint: ChatWebSocketEndpoint, outbound: WebSocketOutbound) {
        self.id = id
        self.channelID = channelID
        self.user = user
        self.endpoint = endpoint
        self.outbound = outbound
    }

    func start() async {
        let tap = await endpoint.service.server?.addRoomTap(room: ChannelService.room(channelID)) { [weak self] event, arguments in
            self?.roomEvent(event, arguments)
        }
        state.withLock { $0.tap = tap }
        await endpoint.presence.add(channelID, user: user, key: id)
        await sendState(limit: nil)
        let buffered = state.withLock { state -> [String] in
            state.ready = true
            defer { state.buffered = [] }
            return state.buffered
        }
        for text in buffered { outbound.send(text: text) }
    }

    private func sendState(limit: Int?) async {
        let channel = try? await endpoint.service.channel(channelID, for: user)
        let messages = (try? await endpoint.service.messages(channelID, for: user, skip: 0, limit: limit)) ?? []
        let online = await endpoint.presence.onlineUsers(channelID)
        let message: JSONValue = [
            "type": "session_state", "channel": channel?.json ?? .null, "messages": .array(messages.map(\.json)),
            "online": .array(online.map(\.json)),
        ]
        outbound.send(text: message.serialized())
    }

    /// Translates an emit to the channel room into this protocol's message.
    private func roomEvent(_ event: String, _ arguments: [JSONValue]) {
        guard let payload = arguments.first, let text = Self.translate(event, payload) else { return }
        let send = state.withLock { state -> Bool in
            if state.left { return false }
            guard state.ready else {
                state.buffered.append(text)
                return false
            }
            return true
        }
        if send { outbound.send(text: text) }
    }

    static func translate(_ event: String, _ payload: JSONValue) -> String? {
        let message: JSONValue
        switch event {
        case "events:channel":
            let user = payload["user"] ?? .null
            switch payload["data"]?["type"]?.stringValue {
            case "message": message = ["type": "user_message", "message": payload["data"]?["data"] ?? .null, "user": user]
            case "message:update": message = ["type": "message_edited", "message": payload["data"]?["data"] ?? .null, "user": user]
            case "message:delete": message = ["type": "message_deleted", "message": payload["data"]?["data"] ?? .null, "user": user]
            case "typing":
                message = ["type": "user_typing", "user": user, "typing": payload["data"]?["data"]?["typing"] ?? true]
            default: return nil
            }
        case ChannelPresence.eventName:
            let type = payload["type"]?.stringValue == "joined" ? "user_joined" : "user_left"
            message = ["type": .string(type), "user": payload["user"] ?? .null, "online": payload["online"] ?? .array([])]
        default:
            return nil
        }
        return message.serialized()
    }

    func received(_ message: WebSocketMessage) async {
        guard case .text(let text) = message else { return error("messages are JSON text", request: nil, requestID: nil) }
        guard text.utf8.count <= endpoint.maxMessageBytes else {
            return error("message larger than \(endpoint.maxMessageBytes) bytes", request: nil, requestID: nil)
        }
        guard let value = try? JSONValue(parsing: Array(text.utf8)), value.objectValue != nil,
            let type = value["type"]?.stringValue
        else { return error("messages are JSON objects with a type", request: nil, requestID: nil) }
        let requestID = value["request_id"]
        let service = endpoint.service
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
        do throws(ChannelError) {
            switch type {
            case "join":
                await sendState(limit: value["limit"]?.intValue.map { Int(clamping: $0) })
            case "message":
                guard let content = value["content"]?.stringValue else { throw .invalid("message needs content") }
                _ = try await service.post(channelID, content: content, parentID: value["parent_id"]?.stringValue, by: user, now: now)
            case "edit":
                guard let mid = value["message_id"]?.stringValue, let content = value["content"]?.stringValue else {
                    throw .invalid("edit needs message_id and content")
                }
                _ = try await service.edit(channelID, messageID: mid, content: content, by: user, now: now)
            case "delete":
                guard let mid = value["message_id"]?.stringValue else { throw .invalid("delete needs message_id") }
                _ = try await service.delete(channelID, messageID: mid, by: user)
            case "typing":
                await service.typing(
                    channelID, messageID: nil, typing: value["typing"]?.boolValue ?? true, sid: nil, user: user, now: .now)
            case "leave":
                await leave()
                outbound.close(code: .normalClosure, reason: "left")
            default:
                throw .invalid("unknown type: \(type.prefix(64))")
            }
        } catch {
            self.error(error.description, request: type, requestID: requestID)
        }
    }

    private func error(_ message: String, request: String?, requestID: JSONValue?) {
        var object: JSONObject = ["type": "error", "message": .string(message)]
        if let request { object["request"] = .string(String(request.prefix(64))) }
        if let requestID { object["request_id"] = requestID }
        outbound.send(text: JSONValue.object(object).serialized())
    }

    private func leave() async {
        let tap = state.withLock { state -> Int?? in
            guard !state.left else { return nil }
            state.left = true
            defer { state.tap = nil }
            return .some(state.tap)
        }
        guard let tap else { return }
        endpoint.connections.unregister(id)
        if let tap { await endpoint.service.server?.removeRoomTap(tap, room: ChannelService.room(channelID)) }
        await endpoint.presence.remove(channelID, userID: user.id, key: id)
    }

    /// Keeps `task` (an ``AuthWatch``) until the connection closes.
    func watchAuthentication(_ task: Task<Void, Never>?) {
        authWatch.withLock { $0 = task }
    }

    func closed(code: WebSocketCloseCode) async {
        authWatch.withLock { $0?.cancel() }
        await leave()
    }
}
