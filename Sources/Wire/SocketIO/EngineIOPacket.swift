/// An Engine.IO v4 packet (https://github.com/socketio/engine.io-protocol, version 4).
///
/// Text packets are a type digit followed by data (`0{…}` open, `2` ping, `3probe` pong, `4hello` message, …).
/// Over WebSocket, a binary frame is a binary message with no type byte. Over HTTP long-polling, packets are
/// joined by the record separator 0x1E and a binary message is sent as `b<base64>` (see ``EngineIOPayload``).
public enum EngineIOPacket: Equatable, Sendable {
    /// `0`: the handshake, sent by the server; the data is the JSON handshake object (see ``EngineIOHandshake``).
    case open(String)
    /// `1`: the transport is being closed.
    case close
    /// `2`: heartbeat request (server → client in v4) or `2probe` during upgrade (client → server).
    case ping(String)
    /// `3`: heartbeat reply, or `3probe`.
    case pong(String)
    /// `4`: a text message (a Socket.IO packet).
    case message(String)
    /// A binary message (a Socket.IO attachment).
    case binaryMessage([UInt8])
    /// `5`: the client switches to the probed transport.
    case upgrade
    /// `6`: no-op, used to complete a pending poll during upgrade.
    case noop

    /// The type digit of a text packet.
    public enum PacketType: UInt8, Sendable {
        case open = 0, close, ping, pong, message, upgrade, noop
    }

    /// The type digit of this packet, nil for a binary message.
    public var type: PacketType? {
        switch self {
        case .open: return .open
        case .close: return .close
        case .ping: return .ping
        case .pong: return .pong
        case .message: return .message
        case .binaryMessage: return nil
        case .upgrade: return .upgrade
        case .noop: return .noop
        }
    }

    /// Whether this packet travels as binary (a WebSocket binary frame, `b` + base64 in polling).
    public var isBinary: Bool {
        if case .binaryMessage = self { return true }
        return false
    }

    /// The text encoding (type digit + data) of a non-binary packet; a binary message gives `b<base64>`, its polling
    /// form.
    public var encodedText: String {
        switch self {
        case .open(let data): return "0" + data
        case .close: return "1"
        case .ping(let data): return "2" + data
        case .pong(let data): return "3" + data
        case .message(let data): return "4" + data
        case .binaryMessage(let bytes): return "b" + Base64.encode(bytes)
        case .upgrade: return "5"
        case .noop: return "6"
        }
    }

    /// Decodes a text packet (a WebSocket text frame, or one polling record that is not `b`-prefixed).
    /// - Parameter offset: where `bytes` starts within a larger body, for error offsets.
    /// - Throws: ``EngineIOError``.
    public init(text bytes: ArraySlice<UInt8>, offset: Int = 0) throws(EngineIOError) {
        guard let first = bytes.first else { throw EngineIOError(.emptyPacket, offset: offset) }
        guard first >= UInt8(ascii: "0"), let type = PacketType(rawValue: first &- UInt8(ascii: "0")) else {
            throw EngineIOError(.unknownPacketType(first), offset: offset)
        }
        let rest = bytes.dropFirst()
        guard let data = String(validating: rest, as: UTF8.self) else {
            throw EngineIOError(.invalidUTF8, offset: offset + 1)
        }
        switch type {
        case .open: self = .open(data)
        case .ping: self = .ping(data)
        case .pong: self = .pong(data)
        case .message: self = .message(data)
        case .close, .upgrade, .noop:
            guard data.isEmpty else { throw EngineIOError(.unexpectedData, offset: offset + 1) }
            self = type == .close ? .close : type == .upgrade ? .upgrade : .noop
        }
    }

    /// Decodes a text packet from a String (a WebSocket text frame).
    public init(text: String) throws(EngineIOError) {
        try self.init(text: Array(text.utf8)[...])
    }
}
