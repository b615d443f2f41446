/// A message on python-socketio's Redis pub/sub bus, as `AsyncPubSubManager` (python-socketio 5.x) publishes it.
///
/// Every Open WebUI worker with `WEBSOCKET_MANAGER=redis` publishes what it sends to browsers, and what it wants other
/// workers to do with their clients, as one JSON object per Redis message (`json.dumps`, not pickle). A host skips
/// messages carrying its own `host_id`, except `callback`, which is addressed to a host by `host_id`
/// (python-socketio `async_pubsub_manager.py`, `_thread`). Decode with ``init(json:limits:)``; encode with
/// ``jsonValue`` or ``serializedBytes()``. Channel names are in ``SocketIOBusChannels``.
public enum SocketIOBusMessage: Sendable, Equatable {
    /// `{"method":"emit",…}`: send an event to a room, a list of rooms, or everyone in a namespace.
    case emit(SocketIOBusEmit)
    /// `{"method":"callback",…}`: a client's ack of an emit with a callback, routed back to the emitting host.
    case callback(SocketIOBusCallback)
    /// `{"method":"disconnect","sid","namespace","host_id"}`: disconnect a client held by whichever host has it.
    case disconnect(sid: String, namespace: String, hostID: String?)
    /// `{"method":"enter_room","sid","room","namespace","host_id"}`: add a client held elsewhere to a room.
    case enterRoom(sid: String, room: String, namespace: String, hostID: String?)
    /// `{"method":"leave_room","sid","room","namespace","host_id"}`: remove a client held elsewhere from a room.
    case leaveRoom(sid: String, room: String, namespace: String, hostID: String?)
    /// `{"method":"close_room","room","namespace","host_id"}`: empty a room on every host.
    case closeRoom(room: String, namespace: String, hostID: String?)

    /// Decoding limits; each is checked before the work it bounds.
    public struct Limits: Sendable, Equatable {
        /// JSON limits for the whole message. Default ``JSONParser/Limits/default`` (64 MiB, depth 256).
        public var json: JSONParser.Limits
        /// Most base64 attachments in one binary emit. Default 256: python-socketio has no limit, but an Open WebUI
        /// emit carries at most a handful of byte strings; each attachment is bounded by the JSON size limit.
        public var maxAttachments: Int

        public init(json: JSONParser.Limits = .default, maxAttachments: Int = 256) {
            self.json = json
            self.maxAttachments = maxAttachments
        }

        /// The defaults.
        public static let `default` = Limits()
    }

    /// The `method` member.
    public var method: String {
        switch self {
        case .emit: return "emit"
        case .callback: return "callback"
        case .disconnect: return "disconnect"
        case .enterRoom: return "enter_room"
        case .leaveRoom: return "leave_room"
        case .closeRoom: return "close_room"
        }
    }

    /// The `host_id` of the publishing host (for `callback`: of the host the ack is for).
    public var hostID: String? {
        switch self {
        case .emit(let emit): return emit.hostID
        case .callback(let callback): return callback.hostID
        case .disconnect(_, _, let host), .enterRoom(_, _, _, let host), .leaveRoom(_, _, _, let host),
            .closeRoom(_, _, let host):
            return host
        }
    }

    /// The namespace the message is about.
    public var namespace: String {
        switch self {
        case .emit(let emit): return emit.namespace
        case .callback(let callback): return callback.namespace
        case .disconnect(_, let namespace, _), .enterRoom(_, _, let namespace, _), .leaveRoom(_, _, let namespace, _),
            .closeRoom(_, let namespace, _):
            return namespace
        }
    }

    /// Whether a host with `hostID` should act on this message: `callback` only when addressed to it, everything
    /// else only when another host published it (python-socketio `AsyncPubSubManager._thread`).
    public func isFor(hostID: String) -> Bool {
        if case .callback(let callback) = self { return callback.hostID == hostID }
        return self.hostID != hostID
    }
}

/// Who an emit goes to: the `room` member, which python-socketio lets be null, one room, or a list of rooms.
public enum SocketIOBusRecipients: Sendable, Hashable {
    /// `null`: every client in the namespace.
    case everyone
    /// A single room (a sid is a room too: every client sits in the room named after its sid).
    case room(String)
    /// A list of rooms (`emit(to=[…])`); a client in several of them gets the event once.
    case rooms([String])
}

/// The ack an emit asks for: `callback: [room, namespace, id]`, where the id is the emitting host's ack counter.
public struct SocketIOBusCallbackRequest: Sendable, Hashable {
    /// The room the emit went to (for `sio.call` the client's sid).
    public var room: String
    /// The namespace of the emit.
    public var namespace: String
    /// The ack id, allocated by the emitting host (`_generate_ack_id`, counting from 1 per sid).
    public var id: Int64

    public init(room: String, namespace: String, id: Int64) {
        self.room = room
        self.namespace = namespace
        self.id = id
    }
}

/// An `emit` message.
public struct SocketIOBusEmit: Sendable, Equatable {
    /// The event name.
    public var event: String
    /// The event arguments. For a binary emit, byte strings are `{"_placeholder":true,"num":N}` objects standing for
    /// ``attachments``[N] (python-socketio `Packet.deconstruct_binary`); see ``resolvedArguments()``.
    public var arguments: [JSONValue]
    /// The binary attachments, decoded from base64; empty for a text emit (`"binary": false`).
    public var attachments: [[UInt8]]
    /// The namespace (python-socketio writes `/` when none was given).
    public var namespace: String
    /// The room or rooms addressed.
    public var recipients: SocketIOBusRecipients
    /// Sids that must not receive the event (`skip_sid`: null, one sid, or a list; one sid encodes as a string).
    public var skipSIDs: [String]
    /// The ack requested, if any.
    public var callback: SocketIOBusCallbackRequest?
    /// The publishing host, or nil when the member is absent.
    public var hostID: String?

    public init(
        event: String, arguments: [JSONValue], attachments: [[UInt8]] = [], namespace: String = "/",
        recipients: SocketIOBusRecipients = .everyone, skipSIDs: [String] = [],
        callback: SocketIOBusCallbackRequest? = nil, hostID: String?
    ) {
        self.event = event
        self.arguments = arguments
        self.attachments = attachments
        self.namespace = namespace
        self.recipients = recipients
        self.skipSIDs = skipSIDs
        self.callback = callback
        self.hostID = hostID
    }

    /// The arguments with every placeholder replaced by its attachment as an int array, the form Open WebUI's
    /// handlers receive binary data in (its `JSONOnlyPacket.reconstruct_binary` turns bytes into int lists).
    /// - Throws: ``SocketIOError`` `.invalidPlaceholder` when a placeholder names a missing attachment.
    public func resolvedArguments() throws(SocketIOError) -> [JSONValue] {
        guard !self.attachments.isEmpty else { return self.arguments }
        var resolved: [JSONValue] = []
        resolved.reserveCapacity(self.arguments.count)
        for argument in self.arguments { resolved.append(try argument.resolvingPlaceholders(self.attachments)) }
        return resolved
    }
}

/// A `callback` message: a client answered an emit with a callback, and the host holding that client returns the
/// answer to the emitting host (python-socketio `_return_callback`).
public struct SocketIOBusCallback: Sendable, Equatable {
    /// The host that emitted and waits for the ack.
    public var hostID: String
    /// The client that answered (the `room` of the callback request).
    public var sid: String
    /// The namespace of the emit.
    public var namespace: String
    /// The ack id from the callback request.
    public var id: Int64
    /// The client's ack arguments.
    public var arguments: [JSONValue]

    public init(hostID: String, sid: String, namespace: String, id: Int64, arguments: [JSONValue]) {
        self.hostID = hostID
        self.sid = sid
        self.namespace = namespace
        self.id = id
        self.arguments = arguments
    }
}
