/// One y-websocket message: the outer type number followed by its payload (yjs-format.md §5.1).
///
/// y-websocket sends exactly one such message per WebSocket binary message. The numbers are those of y-websocket
/// and y-protocols: sync 0, awareness 1, auth 2, query-awareness 3.
public enum ProtocolMessage: Equatable, Sendable {
    /// A sync sub-message (type 0).
    case sync(SyncMessage)
    /// An awareness update, kept encoded (type 1): see ``AwarenessUpdate``.
    case awareness([UInt8])
    /// An auth message (type 2): y-protocols defines only "permission denied" (0) with a reason.
    case authPermissionDenied(reason: String)
    /// A request for every known awareness state (type 3).
    case queryAwareness

    /// Decodes one complete message; trailing bytes are an error.
    /// - Throws: ``DecodingError`` naming the offset for an unknown type, truncation or trailing bytes.
    public init(bytes: [UInt8]) throws(DecodingError) {
        var reader = ByteReader(bytes)
        let type = try reader.readVarUInt()
        switch type {
        case 0:
            self = .sync(try SyncMessage(from: &reader))
        case 1:
            self = .awareness(Array(try reader.readVarBytes()))
        case 2:
            let kind = try reader.readVarUInt()
            guard kind == 0 else {
                throw reader.error(.invalidValue("unknown auth message type \(kind) (expected 0)"), "auth message")
            }
            self = .authPermissionDenied(reason: try reader.readVarString())
        case 3:
            self = .queryAwareness
        default:
            throw reader.error(.invalidValue("unknown message type \(type) (expected 0-3)"), "y-websocket message")
        }
        try reader.expectEnd("y-websocket message")
    }

    /// The encoded message.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .sync(let message):
            writer.writeVarUInt(0)
            message.encode(to: &writer)
        case .awareness(let update):
            writer.writeVarUInt(1)
            writer.writeVarBytes(update)
        case .authPermissionDenied(let reason):
            writer.writeVarUInt(2)
            writer.writeVarUInt(0)
            writer.writeVarString(reason)
        case .queryAwareness:
            writer.writeVarUInt(3)
        }
        return writer.bytes
    }
}
