import Foundation
import Wire

/// Emits Open WebUI's chat events: `events` `{chat_id, message_id?, data: {type, data}}` to the room `user:<id>`,
/// which every authenticated socket of that user is in (openwebui-protocol.md §2, §5 "Chat").
///
/// This is the server side of `get_event_emitter`: any component (a model pipeline, a tool, a test) calls
/// ``emit(toUser:chatID:messageID:type:data:)`` and every tab of the user receives the event.
public struct ChatEventEmitter: Sendable {
    public let server: SocketIOServer

    public init(server: SocketIOServer) {
        self.server = server
    }

    /// Emits `events` to `user:<userID>`; returns how many sockets it reached.
    @discardableResult
    public func emit(toUser userID: String, chatID: String, messageID: String? = nil, type: String, data: JSONValue)
        async -> Int
    {
        var payload: JSONObject = ["chat_id": .string(chatID)]
        if let messageID { payload["message_id"] = .string(messageID) }
        payload["data"] = ["type": .string(type), "data": data]
        return await server.emit("events", [.object(payload)], to: .user(userID))
    }
}

/// Limits of ``ChatReadStore``.
public struct ChatReadLimits: Sendable, Equatable {
    /// Longest chat id in UTF-8 bytes (default 256).
    public var maxChatIDBytes = 256
    /// Chats remembered per user; the least recently read is forgotten beyond it (default 10,000).
    public var maxChatsPerUser = 10_000

    public init() {}
}

/// When each user last read each chat (`events:chat` `last_read_at`), kept in memory and, with a data directory,
/// in `<data>/chats/last_read.json` (rewritten atomically on each change; these events come on chat switches only).
public actor ChatReadStore {
    public nonisolated let limits: ChatReadLimits
    private let path: String?
    /// user id → chat id → last read (nanoseconds since 1970).
    private var reads: [ByteKey: [String: Int64]] = [:]

    /// Opens the store; an unreadable file starts empty rather than failing start-up (the data is a convenience).
    public init(dataDirectory: String?, limits: ChatReadLimits = ChatReadLimits()) throws(StorageError) {
        self.limits = limits
        guard let dataDirectory else {
            self.path = nil
            return
        }
        let folder = dataDirectory + "/chats"
        try FileIO.makeDirectories(folder)
        self.path = folder + "/last_read.json"
        guard let bytes = try FileIO.read(folder + "/last_read.json", limit: 64 << 20),
            let object = (try? JSONValue(parsing: bytes))?.objectValue
        else { return }
        for (user, chats) in object {
            for (chat, time) in chats.objectValue ?? [:] {
                if let time = time.intValue { reads[ByteKey(user), default: [:]][chat] = time }
            }
        }
    }

    /// Records that `userID` read `chatID` at `now`; nil when the chat id is empty or too long.
    public func markRead(userID: String, chatID: String, now: Int64) -> Int64? {
        guard !chatID.isEmpty, chatID.utf8.count <= limits.maxChatIDBytes else { return nil }
        var chats = reads[ByteKey(userID), default: [:]]
        chats[chatID] = now
        if chats.count > limits.maxChatsPerUser, let oldest = chats.min(by: { $0.value < $1.value })?.key {
            chats[oldest] = nil
        }
        reads[ByteKey(userID)] = chats
        save()
        return now
    }

    /// When `userID` last read `chatID`.
    public func lastRead(userID: String, chatID: String) -> Int64? { reads[ByteKey(userID)]?[chatID] }

    private func save() {
        guard let path else { return }
        var object = JSONObject()
        for user in reads.keys.sorted() {
            var chats = JSONObject()
            for (chat, time) in (reads[user] ?? [:]).sorted(by: { $0.key < $1.key }) { chats[chat] = .int(time) }
            object[user.string] = .object(chats)
        }
        try? FileIO.writeAtomically(Array(JSONValue.object(object).serialized().utf8), to: path)
    }
}
