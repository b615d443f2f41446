import Foundation
import Wire

/// Channel REST routes with Bearer JWT, close to Open WebUI's `/api/v1/channels/...` (Docs/channels.md).
///
/// | route | access | answer |
/// |---|---|---|
/// | `POST /api/v1/channels/create` `{name, user_ids?}` | any user | the channel |
/// | `GET /api/v1/channels/` | any user | the user's channels, by name |
/// | `GET /api/v1/channels/{id}` | member or admin | the channel |
/// | `POST /api/v1/channels/{id}/members/add` `{user_ids}` | owner or admin | the channel |
/// | `POST /api/v1/channels/{id}/members/remove` `{user_ids}` | owner or admin | the channel |
/// | `POST /api/v1/channels/{id}/read` | member | `true` (stores `last_read_at`) |
/// | `POST /api/v1/channels/{id}/messages/post` `{content, parent_id?}` | member | the message |
/// | `GET /api/v1/channels/{id}/messages?skip=&limit=` | member or admin | messages, newest first |
/// | `POST /api/v1/channels/{id}/messages/{mid}/update` `{content}` | author or admin | the message |
/// | `DELETE /api/v1/channels/{id}/messages/{mid}/delete` | author or admin | `true` |
///
/// Changes go through ``ChannelService``, so they emit the same `events:channel` events as the socket path.
/// Errors are `{"detail": message}` with the ``ChannelError/status``.
public struct ChannelsAPI: Sendable {
    public let service: ChannelService
    public let authenticator: TokenAuthenticator
    /// Largest request body accepted (default 1 MiB; message content has its own, smaller limit).
    public var maxBodyBytes: Int = 1 << 20
    /// Most user ids in one create or members request (default 1,000).
    public var maxUserIDsPerRequest = 1_000
    /// The wall clock in nanoseconds since 1970 (injectable for tests).
    let now: @Sendable () -> Int64

    public init(
        service: ChannelService, authenticator: TokenAuthenticator,
        now: @escaping @Sendable () -> Int64 = { NoteStore.nanosecondsNow() }
    ) {
        self.service = service
        self.authenticator = authenticator
        self.now = now
    }

    /// Adds the routes to `router`.
    public func install(on router: inout Router) {
        let api = self
        router.post("/api/v1/channels/create") { request in try await api.create(request) }
        router.get("/api/v1/channels/") { request in try await api.list(request) }
        router.get("/api/v1/channels") { request in try await api.list(request) }
        router.http(nil, "/api/v1/channels/", match: .prefix) { request in try await api.route(request) }
    }

    func user(_ request: HTTPRequest) throws -> AuthenticatedUser {
        guard let user = authenticator.user(authorization: request.headers["authorization"]) else {
            throw APIError.unauthorized
        }
        return user
    }

    func body(_ request: HTTPRequest) throws -> JSONObject {
        guard request.body.count <= maxBodyBytes else {
            throw APIError.make(.payloadTooLarge, "body larger than \(maxBodyBytes) bytes")
        }
        guard !request.body.isEmpty else { return [:] }
        guard let value = try? JSONValue(parsing: request.body), let object = value.objectValue else {
            throw APIError.make(.badRequest, "expected a JSON object")
        }
        return object
    }

    func userIDs(_ form: JSONObject, required: Bool) throws -> [String] {
        guard let value = form["user_ids"] ?? form["member_ids"] else {
            if required { throw APIError.make(.badRequest, "user_ids (an array of strings) is required") }
            return []
        }
        guard let array = value.arrayValue, array.count <= maxUserIDsPerRequest else {
            throw APIError.make(.badRequest, "user_ids must be an array of at most \(maxUserIDsPerRequest) strings")
        }
        var ids: [String] = []
        for element in array {
            guard let id = element.stringValue, !id.isEmpty, id.utf8.count <= 256 else {
                throw APIError.make(.badRequest, "user_ids must hold non-empty strings")
            }
            ids.append(id)
        }
        return ids
    }

    func create(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try user(request)
        let form = try body(request)
        guard let name = form["name"]?.stringValue else {
            throw APIError.make(.badRequest, "name (a string) is required")
        }
        let ids = try userIDs(form, required: false)
        let channel = try await answer { () async throws(ChannelError) in
            try await service.createChannel(name: name, memberIDs: ids, by: user, now: now())
        }
        return .json(channel.json.serialized())
    }

    func list(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try user(request)
        let channels = try await answer { () async throws(ChannelError) in try await service.channels(of: user) }
        return .json(JSONValue.array(channels.map(\.json)).serialized())
    }

    func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        let user = try user(request)
        let parts = request.path.dropFirst("/api/v1/channels/".count)
            .split(separator: "/", omittingEmptySubsequences: false)
        guard let first = parts.first, let id = HTTPRequest.percentDecode(first), !id.isEmpty else {
            throw APIError.make(.notFound, "no such route")
        }
        let rest = parts.dropFirst().map(String.init)
        switch (request.method, rest) {
        case (.get, []), (.get, [""]):
            let channel = try await answer { () async throws(ChannelError) in try await service.channel(id, for: user) }
            return .json(channel.json.serialized())
        case (.post, ["members", "add"]), (.post, ["members", "remove"]):
            let ids = try userIDs(try body(request), required: true)
            let adding = rest[1] == "add"
            let channel = try await answer { () async throws(ChannelError) in
                try await service.changeMembers(
                    id, add: adding ? ids : [], remove: adding ? [] : ids, by: user, now: now())
            }
            return .json(channel.json.serialized())
        case (.post, ["read"]):
            try await answer { () async throws(ChannelError) in try await service.markRead(id, by: user, now: now()) }
            return .json("true")
        case (.post, ["messages", "post"]):
            return try await post(id, user, try body(request))
        case (.get, ["messages"]), (.get, ["messages", ""]):
            return try await page(id, user, request.query)
        case (.post, let path) where path.count == 3 && path[0] == "messages" && path[2] == "update":
            let messageID = HTTPRequest.percentDecode(path[1]) ?? path[1]
            guard let content = try body(request)["content"]?.stringValue else {
                throw APIError.make(.badRequest, "content (a string) is required")
            }
            let message = try await answer { () async throws(ChannelError) in
                try await service.edit(id, messageID: messageID, content: content, by: user, now: now())
            }
            return .json(message.json.serialized())
        case (.delete, let path) where path.count == 3 && path[0] == "messages" && path[2] == "delete":
            let messageID = HTTPRequest.percentDecode(path[1]) ?? path[1]
            try await answer { () async throws(ChannelError) in
                try await service.delete(id, messageID: messageID, by: user)
            }
            return .json("true")
        default:
            throw APIError.make(.notFound, "no such route")
        }
    }

    func post(_ id: String, _ user: AuthenticatedUser, _ form: JSONObject) async throws -> HTTPResponse {
        guard let content = form["content"]?.stringValue else {
            throw APIError.make(.badRequest, "content (a string) is required")
        }
        let parentID = form["parent_id"]?.stringValue
        guard parentID != nil || form["parent_id"]?.isNull ?? true else {
            throw APIError.make(.badRequest, "parent_id must be a string or null")
        }
        let message = try await answer { () async throws(ChannelError) in
            try await service.post(id, content: content, parentID: parentID, by: user, now: now())
        }
        return .json(message.json.serialized())
    }

    func page(_ id: String, _ user: AuthenticatedUser, _ query: [String: String]) async throws -> HTTPResponse {
        func number(_ name: String) throws -> Int? {
            guard let text = query[name] else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw APIError.make(.badRequest, "\(name) must be a non-negative integer")
            }
            return value
        }
        let skip = try number("skip") ?? 0
        let limit = try number("limit")
        let messages = try await answer { () async throws(ChannelError) in
            try await service.messages(id, for: user, skip: skip, limit: limit)
        }
        return .json(JSONValue.array(messages.map(\.json)).serialized())
    }

    /// Runs a channel operation, turning a ``ChannelError`` into its `{"detail"}` HTTP answer.
    @discardableResult
    func answer<T>(_ operation: () async throws(ChannelError) -> T) async throws -> T {
        do {
            return try await operation()
        } catch {
            throw APIError.make(error.httpStatus, error.description)
        }
    }
}

extension ChannelError {
    /// The HTTP status of ``status`` with its reason phrase.
    var httpStatus: HTTPStatus {
        switch self {
        case .channelNotFound, .messageNotFound: return .notFound
        case .notMember, .notAllowed: return .forbidden
        case .invalid: return .badRequest
        case .storage: return .internalServerError
        }
    }
}
