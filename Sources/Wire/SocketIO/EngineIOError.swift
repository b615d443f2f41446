/// The single error thrown by the Engine.IO packet and payload decoders.
///
/// Each case carries the byte offset (into the frame or polling body) where decoding stopped.
public struct EngineIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// A packet with no type character.
        case emptyPacket
        /// A type character outside `0`…`6`.
        case unknownPacketType(UInt8)
        /// A packet type that must not carry data (close, upgrade, noop) carried some.
        case unexpectedData
        /// The text after the type is not valid UTF-8.
        case invalidUTF8
        /// A `b`-prefixed polling record whose base64 does not decode.
        case invalidBase64
        /// A polling body with more records than ``EngineIOPayload/Limits/maxPackets``.
        case tooManyPackets(limit: Int)
        /// A body or packet larger than the negotiated maxPayload.
        case payloadTooLarge(size: Int, limit: Int)
    }

    /// What went wrong.
    public var kind: Kind
    /// Byte offset where decoding stopped.
    public var offset: Int

    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "Engine.IO error at byte \(self.offset): \(self.kind)" }
}
