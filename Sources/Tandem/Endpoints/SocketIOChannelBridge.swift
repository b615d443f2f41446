import Foundation
import Wire

/// Connects ``ChannelService`` and the chat read store to the Socket.IO server: the channel and chat events of Open
/// WebUI's client (openwebui-protocol.md §2, §5) and the chat-message events of the seed designs (Docs/channels.md).
///
/// | client event | payload | effect |
/// |---|---|---|
/// | `events:channel`, `channel-events` | `{channel_id, message_id?, data: {type: 'typing'}}` | typing to the room |
/// | same | `{channel_id, data: {type: 'last_read_at'}}` | stores the member's last-read time; emits nothing |
/// | `message` | `{channel_id, content, parent_id?}` | stores, emits `message`; acks the message |
/// | `edit_message` | `{channel_id, message_id, content}` | author or admin; emits `message:update` |
/// | `delete_message` | `{channel_id, message_id}` | author or admin; emits `message:delete` |
/// | `events:chat` | `{chat_id, data: {type: 'last_read_at'}}` | stores it; `events` `chat:list` to `user:<id>` |
///
/// A refused or malformed chat message gets an `error` event `{message, event, channel_id?}` (and an ack
/// `{error}` when the client asked for one) and changes nothing. Typing and read markers from non-members are
/// dropped silently, as in Open WebUI.
public enum SocketIOChannelBridge {
    /// Registers the handlers and the channel lookup of `user-join` / `join-channels`.
    public static func install(
        on server: SocketIOServer, service: ChannelService, chatReads: any ChatReadStorage,
        now: @escaping @Sendable () -> Int64 = { NoteStore.nanosecondsNow() }
    ) async {
        let store = service.store
        await server.setChannelLookup { user in
            (try? await store.channels(of: user.id, includeAll: false).map(\.id)) ?? []
        }
        for name in ["events:channel", "channel-events"] {
            await server.on(name) { event in await channelEvent(event, service: service, server: server, now: now) }
        }
        await server.on("message") { event in
            await messageEvent(event, server: server, fields: ["content"]) { user, data throws(ChannelError) in
                try await service.post(
                    data.channelID, content: data.content ?? "", parentID: data.object["parent_id"]?.stringValue,
                    by: user, now: now())
            }
        }
        await server.on("edit_message") { event in
            let fields = ["message_id", "content"]
            await messageEvent(event, server: server, fields: fields) { user, data throws(ChannelError) in
                try await service.edit(
                    data.channelID, messageID: data.messageID ?? "", content: data.content ?? "", by: user, now: now())
            }
        }
        await server.on("delete_message") { event in
            await messageEvent(event, server: server, fields: ["message_id"]) { user, data throws(ChannelError) in
                try await service.delete(data.channelID, messageID: data.messageID ?? "", by: user)
            }
        }
        let emitter = ChatEventEmitter(server: server)
        await server.on("events:chat") { event in
            guard let user = event.session.user, let data = event.data?.objectValue,
                let chatID = data["chat_id"]?.stringValue
            else { return await sendError(server, event, "Invalid events:chat payload: expected {chat_id, data}") }
            guard data["data"]?["type"]?.stringValue == "last_read_at",
                let time = await chatReads.markRead(userID: user.id, chatID: chatID, now: now())
            else { return }
            await emitter.emit(
                toUser: user.id, chatID: chatID, type: "chat:list",
                data: ["chat_id": .string(chatID), "last_read_at": .int(time)])
        }
    }

    /// The fields of a chat-message event.
    struct MessageFields: Sendable {
        var object: JSONObject
        var channelID: String
        var messageID: String? { object["message_id"]?.stringValue }
        var content: String? { object["content"]?.stringValue }
    }

    static func channelEvent(
        _ event: SocketIOEvent, service: ChannelService, server: SocketIOServer, now: @Sendable () -> Int64
    ) async {
        guard let user = event.session.user, let data = event.data?.objectValue,
            let channelID = data["channel_id"]?.stringValue, let type = data["data"]?["type"]?.stringValue
        else {
            return await sendError(
                server, event, "Invalid \(event.name) payload: expected {channel_id, message_id, data: {type}}")
        }
        switch type {
        case "typing":
            let typing = data["data"]?["data"]?["typing"]?.boolValue ?? true
            await service.typing(
                channelID, messageID: data["message_id"]?.stringValue, typing: typing, sid: event.session.sid,
                user: user, now: .now)
        case "last_read_at":
            guard await server.isMember(event.session.sid, of: ChannelService.room(channelID)) else { return }
            try? await service.markRead(channelID, by: user, now: now())
        default:
            return  // other types are server-originated; ignored like Open WebUI does
        }
    }

    /// Validates a chat-message event (object, `channel_id` and the string `fields`), runs `operation`, and answers
    /// with an ack `[message]` or an `error` event.
    static func messageEvent(
        _ event: SocketIOEvent, server: SocketIOServer, fields: [String],
        _ operation: @Sendable (AuthenticatedUser, MessageFields) async throws(ChannelError) -> ChannelMessage
    ) async {
        guard let user = event.session.user else { return }
        guard let object = event.data?.objectValue, let channelID = object["channel_id"]?.stringValue,
            !channelID.isEmpty, fields.allSatisfy({ object[$0]?.stringValue != nil }),
            object["parent_id"].map({ $0.isNull || $0.stringValue != nil }) ?? true
        else {
            let expected = (["channel_id"] + fields).joined(separator: ", ")
            let reason = "Invalid \(event.name) payload: expected {\(expected)} strings"
            return await refuse(server, event, channelID: nil, reason)
        }
        do {
            let message = try await operation(
                user, MessageFields(object: object, channelID: channelID))
            await event.ack?([message.json])
        } catch {
            await refuse(server, event, channelID: channelID, error.description)
        }
    }

    static func refuse(_ server: SocketIOServer, _ event: SocketIOEvent, channelID: String?, _ message: String) async {
        var payload: JSONObject = ["message": .string(message), "event": .string(event.name)]
        if let channelID { payload["channel_id"] = .string(channelID) }
        await server.emit("error", [.object(payload)], to: .session(event.session.sid))
        await event.ack?([["error": .string(message)]])
    }

    static func sendError(_ server: SocketIOServer, _ event: SocketIOEvent, _ message: String) async {
        guard event.session.user != nil else { return }
        await server.emit("error", [["message": .string(message), "event": .string(event.name)]], to: .session(event.session.sid))
    }
}
