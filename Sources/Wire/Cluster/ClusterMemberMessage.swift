/// One membership change relayed between cluster nodes on a document's `{prefix}:doc:<id>:awareness` channel, beside
/// the awareness messages (Docs/cluster.md, "Members across nodes").
///
/// A node announces each member that joins or leaves one of its rooms with the name and colour that room computed
/// (``joined``, ``left``), asks the others who is there when it loads a document (``query``: answered with one
/// ``joined`` per member) and re-announces its members periodically so a lost message heals. Layout: `'T' 'M'
/// version=1 kind` then five length-prefixed UTF-8 strings (1-byte length: node, peer, user, name, colour) and
/// nothing after them. The colour is empty or a CSS hex colour (`#rgb`, `#rrggbb`). Decoding never traps; anything
/// else throws.
public struct ClusterMemberMessage: Sendable, Hashable {
    /// What happened.
    public enum Kind: UInt8, Sendable {
        /// A member is in the node's room (a join, an answer to a query, or a periodic refresh).
        case joined = 1
        /// A member left the node's room.
        case left = 2
        /// The node loaded the document and asks the others for their members (peer, user, name, colour empty).
        case query = 3
    }

    /// Why bytes are not a member message.
    public enum DecodingError: Error, Equatable, Sendable {
        case badHeader
        case unknownKind(UInt8)
        case truncated
        case invalidText
        case invalidColor
        case trailingBytes(Int)
    }

    /// Longest field in bytes (the 1-byte length prefix). Longer names are cut at a character boundary when encoded;
    /// ids are far shorter.
    public static let maxFieldBytes = 255

    /// The host id of the node whose room the member is in.
    public var nodeID: String
    /// The member's peer id on its node (Socket.IO sid or `yws-<n>`; unique per node only).
    public var peerID: String
    /// The member's user id.
    public var userID: String
    /// The name the member's room shows for it (``MemberDisplay`` in the server), never the client's own claim.
    public var name: String
    /// The colour the member's room shows for it; empty for left and query messages.
    public var color: String
    public var kind: Kind

    public init(kind: Kind, nodeID: String, peerID: String = "", userID: String = "", name: String = "", color: String = "") {
        self.kind = kind
        self.nodeID = nodeID
        self.peerID = peerID
        self.userID = userID
        self.name = name
        self.color = color
    }

    /// Whether `bytes` start like a member message (to tell it from an awareness message on the same channel).
    public static func isMemberMessage(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x54 && bytes[1] == 0x4D
    }

    /// The encoded bytes; fields longer than ``maxFieldBytes`` are cut at a character boundary.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [0x54, 0x4D, 1, kind.rawValue]
        for text in [nodeID, peerID, userID, name, color] {
            let utf8 = Self.prefix(text, maxBytes: Self.maxFieldBytes)
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        return bytes
    }

    /// Decodes a message.
    public init(bytes: [UInt8]) throws(DecodingError) {
        guard Self.isMemberMessage(bytes), bytes.count >= 4, bytes[2] == 1 else { throw .badHeader }
        guard let kind = Kind(rawValue: bytes[3]) else { throw .unknownKind(bytes[3]) }
        var offset = 4
        let texts: [String]
        do {
            texts = try ClusterFields.read(5, from: bytes, at: &offset)
        } catch {
            throw error == .truncated ? .truncated : .invalidText
        }
        guard offset == bytes.count else { throw .trailingBytes(bytes.count - offset) }
        guard texts[4].isEmpty || Self.isHexColor(texts[4]) else { throw .invalidColor }
        self.init(kind: kind, nodeID: texts[0], peerID: texts[1], userID: texts[2], name: texts[3], color: texts[4])
    }

    /// At most `maxBytes` of `text`'s UTF-8, never ending inside a character.
    static func prefix(_ text: String, maxBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            let utf8 = Array(String(scalar).utf8)
            guard bytes.count + utf8.count <= maxBytes else { break }
            bytes.append(contentsOf: utf8)
        }
        return bytes
    }

    /// `#` and exactly 3 or 6 hexadecimal digits.
    static func isHexColor(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 4 || bytes.count == 7, bytes.first == 0x23 else { return false }
        return bytes.dropFirst().allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }
    }
}
