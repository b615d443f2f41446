/// The Redis channel names of python-socketio's pub/sub bus and Open WebUI's per-room channels.
///
/// python-socketio publishes and listens on one channel, `socketio` unless configured (`AsyncRedisManager(channel=)`;
/// Open WebUI 0.12.4 keeps the default). With `WEBSOCKET_REDIS_ROOM_CHANNELS=True` (Open WebUI's default), its
/// `AsyncRedisRoomChannelManager` publishes an emit addressed to a single room on `<channel>#<namespace>#<room>`
/// instead, and each host subscribes to the room channels of the rooms it has members in, so hosts skip rooms they
/// do not hold; everything else (broadcasts, emits to a list of rooms, callbacks, room changes, disconnects) stays
/// on `<channel>` (open_webui/socket/redis_room_channels.py). Namespaces never contain `#`; rooms may.
public struct SocketIOBusChannels: Sendable, Hashable {
    /// The base channel. Default `socketio`.
    public var base: String
    /// Whether single-room emits go to per-room channels (Open WebUI's `WEBSOCKET_REDIS_ROOM_CHANNELS`).
    public var roomChannels: Bool

    public init(base: String = "socketio", roomChannels: Bool = true) {
        self.base = base
        self.roomChannels = roomChannels
    }

    /// The per-room channel `<base>#<namespace>#<room>`.
    public func channel(namespace: String, room: String) -> String {
        "\(self.base)#\(namespace)#\(room)"
    }

    /// The channel a message is published on.
    public func channel(for message: SocketIOBusMessage) -> String {
        if self.roomChannels, case .emit(let emit) = message, case .room(let room) = emit.recipients {
            return self.channel(namespace: emit.namespace, room: room)
        }
        return self.base
    }

    /// The namespace and room of a per-room channel name; nil for the base channel or a foreign channel.
    ///
    /// Splits at the first `#` after the base name and the next one, so a room holding `#` stays whole.
    public func room(ofChannel channel: String) -> (namespace: String, room: String)? {
        let prefix = self.base + "#"
        guard channel.hasPrefix(prefix) else { return nil }
        let rest = channel.dropFirst(prefix.count)
        guard let separator = rest.firstIndex(of: "#") else { return nil }
        return (String(rest[..<separator]), String(rest[rest.index(after: separator)...]))
    }
}
