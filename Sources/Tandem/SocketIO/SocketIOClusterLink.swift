import Wire

/// What ``SocketIOServer`` tells a cluster bus (python-socketio's pub/sub manager protocol, see Docs/redis.md).
///
/// The server calls these from inside its actor, so every method that does not return a value must be
/// non-blocking and keep call order (the bus queues the work). ``SocketIORedisBus`` is the implementation; tests may
/// substitute their own. Without a link the server behaves as a single python-socketio host with the in-memory
/// manager.
public protocol SocketIOClusterLink: Sendable {
    /// Queues `message` for the other hosts. The server leaves `host_id` nil; the link stamps its own.
    func publish(_ message: SocketIOBusMessage)
    /// A local room gained its first member (`occupied`) or lost its last one: Open WebUI's room-channel manager
    /// subscribes to `socketio#<namespace>#<room>` exactly while the room has local members.
    func roomOccupancyChanged(namespace: String, room: String, occupied: Bool)
    /// Waits (bounded) until the subscriptions for every room reported so far are confirmed by Redis, as
    /// `AsyncRedisRoomChannelManager.connect` does before a connection is accepted.
    func roomsSettled() async
    /// Emits `event` to `sid`, held by another host, and waits for the client's ack (`sio.call` across hosts).
    func call(
        _ event: String, _ arguments: [JSONValue], attachments: [[UInt8]], to sid: String, namespace: String,
        timeout: Duration
    ) async throws(SocketIOCallError) -> [JSONValue]
    /// A local socket's user or activity changed, for Open WebUI's shared `session_pool` / `usage_pool`.
    func sessionActivity(_ activity: SocketIOSessionActivity)
}

/// Session changes a cluster link mirrors into Open WebUI's shared pools (socket/main.py `connect`, `user-join`,
/// `heartbeat`, `usage`, `disconnect`).
public enum SocketIOSessionActivity: Sendable, Equatable {
    /// The socket has an authenticated user (CONNECT with a valid token, or `user-join`).
    case authenticated(sid: String, user: AuthenticatedUser)
    /// `heartbeat` from an authenticated socket.
    case heartbeat(sid: String, user: AuthenticatedUser)
    /// `usage {model}` from an authenticated socket.
    case usage(sid: String, model: String)
    /// The socket disconnected.
    case disconnected(sid: String)
}
