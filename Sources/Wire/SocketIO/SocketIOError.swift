/// The single error thrown by the Socket.IO packet decoder and attachment assembler.
public struct SocketIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// A packet with no type digit.
        case emptyPacket
        /// A type digit outside `0`…`6`.
        case unknownPacketType(UInt8)
        /// A binary packet whose attachment count is missing its `-` or is not a number.
        case invalidAttachmentCount
        /// More attachments than ``SocketIOPacket/Limits/maxAttachments``.
        case tooManyAttachments(count: Int, limit: Int)
        /// The attachments of one packet add up to more than ``SocketIOPacket/Limits/maxAttachmentBytes``.
        case attachmentsTooLarge(size: Int, limit: Int)
        /// An ack id that does not fit Int64.
        case invalidAckID
        /// The JSON data is malformed.
        case invalidJSON(JSONError)
        /// The data has the wrong shape for the packet type (e.g. an EVENT whose data is not `["name", …]`).
        case invalidPayload
        /// A binary frame arrived while no binary packet was waiting for attachments.
        case unexpectedAttachment
        /// A text packet arrived while a binary packet was still waiting for attachments.
        case incompleteBinaryPacket
        /// A `{"_placeholder":true,"num":N}` whose N does not name a received attachment.
        case invalidPlaceholder
    }

    /// What went wrong.
    public var kind: Kind
    /// Byte offset into the packet text where decoding stopped (0 when not tied to a position).
    public var offset: Int

    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "Socket.IO error at byte \(self.offset): \(self.kind)" }
}
