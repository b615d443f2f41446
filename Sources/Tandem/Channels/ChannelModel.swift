import Wire

/// A chat channel: its members and when each last read it.
public struct Channel: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The creator; only the owner or an admin adds and removes members.
    public var ownerID: String
    /// Member user id → last-read time (nanoseconds since 1970; 0 when never read). Keyed by the ids' bytes
    /// (``ByteKey``): `café` in NFC and NFD are two users, and membership of one never admits the other.
    public var members: [ByteKey: Int64]
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, name: String, ownerID: String, members: [ByteKey: Int64], createdAt: Int64) {
        self.id = id
        self.name = name
        self.ownerID = ownerID
        self.members = members
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Whether `userID` belongs to the channel.
    public func isMember(_ userID: String) -> Bool { members[ByteKey(userID)] != nil }

    /// The channel as JSON (Open WebUI's `ChannelModel` fields, plus `member_ids`).
    public var json: JSONValue {
        let ids = members.keys.sorted().map(\.string)
        return .object([
            "id": .string(id), "name": .string(name), "user_id": .string(ownerID),
            "member_ids": .array(ids.map(JSONValue.string)), "created_at": .int(createdAt),
            "updated_at": .int(updatedAt),
        ])
    }

    /// The stored form: the public JSON plus every member's last-read time.
    var storedJSON: JSONValue {
        guard case .object(var object) = json else { return json }
        var reads = JSONObject()
        for id in members.keys.sorted() { reads[id.string] = .int(members[id] ?? 0) }
        object["last_read_at"] = .object(reads)
        return .object(object)
    }

    init?(stored: JSONValue) {
        guard let id = stored["id"]?.stringValue, let ownerID = stored["user_id"]?.stringValue,
            let createdAt = stored["created_at"]?.intValue
        else { return nil }
        var members: [ByteKey: Int64] = [:]
        for member in stored["member_ids"]?.arrayValue ?? [] {
            guard let memberID = member.stringValue else { return nil }
            members[ByteKey(memberID)] = stored["last_read_at"]?[memberID]?.intValue ?? 0
        }
        self.init(
            id: id, name: stored["name"]?.stringValue ?? "", ownerID: ownerID, members: members,
            createdAt: createdAt)
        self.updatedAt = stored["updated_at"]?.intValue ?? createdAt
    }
}

/// One chat message.
public struct ChannelMessage: Sendable, Equatable {
    public var id: String
    public var channelID: String
    public var userID: String
    public var content: String
    /// The thread's first message, when this is a reply.
    public var parentID: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, channelID: String, userID: String, content: String, parentID: String? = nil, createdAt: Int64
    ) {
        self.id = id
        self.channelID = channelID
        self.userID = userID
        self.content = content
        self.parentID = parentID
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// The message as Open WebUI's `MessageModel` JSON.
    public var json: JSONValue {
        .object([
            "id": .string(id), "channel_id": .string(channelID), "user_id": .string(userID),
            "content": .string(content), "parent_id": parentID.map(JSONValue.string) ?? .null,
            "created_at": .int(createdAt), "updated_at": .int(updatedAt),
        ])
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let channelID = json["channel_id"]?.stringValue,
            let userID = json["user_id"]?.stringValue, let content = json["content"]?.stringValue,
            let createdAt = json["created_at"]?.intValue
        else { return nil }
        self.init(
            id: id, channelID: channelID, userID: userID, content: content,
            parentID: json["parent_id"]?.stringValue, createdAt: createdAt)
        self.updatedAt = json["updated_at"]?.intValue ?? createdAt
    }
}

/// Why a channel operation was refused; each maps to an HTTP status and an `error` event message.
public enum ChannelError: Error, Equatable, Sendable, CustomStringConvertible {
    case channelNotFound(String)
    case messageNotFound(String)
    case notMember
    case notAllowed
    case invalid(String)
    case storage(String)

    /// The HTTP status for a REST answer.
    public var status: Int {
        switch self {
        case .channelNotFound, .messageNotFound: return 404
        case .notMember, .notAllowed: return 403
        case .invalid: return 400
        case .storage: return 500
        }
    }

    public var description: String {
        switch self {
        case .channelNotFound(let id): return "channel not found: \(id)"
        case .messageNotFound(let id): return "message not found: \(id)"
        case .notMember: return "not a member of this channel"
        case .notAllowed: return "only the author or an admin may do that"
        case .invalid(let reason): return reason
        case .storage(let reason): return "storage error: \(reason)"
        }
    }
}
