import Wire

/// Open WebUI 0.12's `events:chat` (its `chat_events` handler), for Open WebUI mode: `join` / `leave` a chat's
/// `chat:<id>` room (join only for users who may read the chat), and `typing` relayed as an `events` typing event
/// to the room's other members. Each answers the client's ack with true or false as Open WebUI does; the web
/// client waits for that ack.
public enum SocketIOChatEvents {
    /// Registers the handler; `mayRead` asks the host whether the user may read a chat.
    public static func install(
        on server: SocketIOServer, mayRead: @escaping @Sendable (AuthenticatedUser, String) async -> Bool
    ) async {
        await server.on("events:chat") { event in
            guard let user = event.session.user, let data = event.data?.objectValue else {
                await event.ack?([false])
                return
            }
            let kind = data["data"]?["type"]?.stringValue
            guard let chatID = data["chat_id"]?.stringValue, !chatID.isEmpty, chatID.utf8.count <= 128 else {
                await event.ack?([false])
                return
            }
            let room = SocketIORoom.chat(chatID)
            let sid = event.session.sid
            switch kind {
            case "join":
                guard await mayRead(user, chatID) else {
                    Log.shared.info("chat join refused", ["user": user.id, "chat": chatID])
                    await event.ack?([false])
                    return
                }
                await server.join(sid, room: room)
                await event.ack?([true])
            case "leave":
                await server.leave(sid, room: room)
                await event.ack?([true])
            case "typing":
                guard let typing = data["data"]?["data"]?["typing"]?.boolValue,
                    await server.isMember(sid, of: room)
                else {
                    await event.ack?([false])
                    return
                }
                let payload: JSONValue = [
                    "chat_id": .string(chatID), "user_id": .string(user.id),
                    "user": ["id": .string(user.id), "name": .string(user.name)], "shared": true,
                    "data": ["type": "typing", "data": ["typing": .bool(typing)]],
                ]
                await server.emit("events", [payload], to: room, skipping: sid)
                await event.ack?([true])
            default:
                await event.ack?([])
            }
        }
    }
}
