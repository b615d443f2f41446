/// One awareness change relayed between cluster nodes on `{prefix}:doc:<id>:awareness` (Docs/cluster.md).
///
/// Each node relays its members' awareness bytes untouched, tagged with the node, the member and the encoding, so
/// the receiving node applies them as its own endpoint would (Open WebUI's JSON or y-protocols) and can clear a dead
/// node's states. Layout: `'T' 'A' version=1 kind` then three length-prefixed UTF-8 strings (1-byte length: node,
/// peer, user) and the payload (the rest). Decoding never traps; anything else throws.
public struct ClusterAwarenessMessage: Sendable, Hashable {
    /// The encoding of ``payload``.
    public enum Kind: UInt8, Sendable {
        /// Open WebUI's `{"<clientID>": state}` JSON bytes.
        case json = 1
        /// A y-protocols awareness update.
        case yProtocols = 2
    }

    /// Why bytes are not a message.
    public enum DecodingError: Error, Equatable, Sendable {
        case badHeader
        case unknownKind(UInt8)
        case truncated
        case invalidText
        case tooLarge(Int)
    }

    /// The host id of the node that relayed it.
    public var nodeID: String
    /// The member whose awareness it is (its Socket.IO sid or `yws-<n>`).
    public var peerID: String
    /// The member's user id.
    public var userID: String
    public var kind: Kind
    public var payload: [UInt8]

    /// Largest payload accepted when decoding (1 MiB; awareness states are small).
    public static let maxPayload = 1 << 20

    public init(nodeID: String, peerID: String, userID: String, kind: Kind, payload: [UInt8]) {
        self.nodeID = nodeID
        self.peerID = peerID
        self.userID = userID
        self.kind = kind
        self.payload = payload
    }

    /// The encoded bytes; strings longer than 255 bytes are cut (ids are far shorter).
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [0x54, 0x41, 1, kind.rawValue]
        for text in [nodeID, peerID, userID] {
            let utf8 = Array(text.utf8.prefix(255))
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Decodes a message; payloads over `maxPayload` bytes are refused before they are copied.
    public init(bytes: [UInt8], maxPayload: Int = ClusterAwarenessMessage.maxPayload) throws(DecodingError) {
        guard bytes.count >= 4, bytes[0] == 0x54, bytes[1] == 0x41, bytes[2] == 1 else { throw .badHeader }
        guard let kind = Kind(rawValue: bytes[3]) else { throw .unknownKind(bytes[3]) }
        var offset = 4
        let texts: [String]
        do {
            texts = try ClusterFields.read(3, from: bytes, at: &offset)
        } catch {
            throw error == .truncated ? .truncated : .invalidText
        }
        let size = bytes.count - offset
        guard size <= maxPayload else { throw .tooLarge(size) }
        self.init(nodeID: texts[0], peerID: texts[1], userID: texts[2], kind: kind, payload: Array(bytes[offset...]))
    }
}
