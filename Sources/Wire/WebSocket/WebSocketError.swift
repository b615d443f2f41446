/// A violation of RFC 6455 by the peer, each mapping to the close code the connection is failed with.
public enum WebSocketError: Error, Hashable, Sendable {
    /// RSV bits were set without a negotiated extension (§5.2).
    case reservedBitsSet(offset: Int)
    /// A reserved opcode 0x3–0x7 or 0xB–0xF (§5.2).
    case reservedOpcode(UInt8, offset: Int)
    /// A client frame without the mask bit (§5.1: the server MUST fail the connection).
    case unmaskedClientFrame(offset: Int)
    /// A server frame with the mask bit set (§5.1, for the client side).
    case maskedServerFrame(offset: Int)
    /// A control frame without FIN (§5.5).
    case fragmentedControlFrame(offset: Int)
    /// A control frame with a payload over 125 bytes (§5.5).
    case controlFrameTooLong(offset: Int)
    /// A 16- or 64-bit length that fits a shorter form, or a 64-bit length with the top bit set (§5.2).
    case invalidLengthEncoding(offset: Int)
    /// A frame larger than the configured maximum frame size.
    case frameTooLarge(length: UInt64, limit: Int)
    /// A message whose fragments add up to more than the configured maximum message size.
    case messageTooLarge(limit: Int)
    /// A continuation frame with no message in progress (§5.4).
    case unexpectedContinuation
    /// A new text or binary frame while a fragmented message is in progress (§5.4).
    case expectedContinuation
    /// A text message (or close reason) that is not valid UTF-8 (§8.1).
    case invalidUTF8
    /// A close frame with a one-byte payload (§5.5.1).
    case invalidClosePayload
    /// A close frame with a code that may not be sent on the wire (§7.4).
    case invalidCloseCode(UInt16)

    /// The close code to fail the connection with (§7.4.1).
    public var closeCode: WebSocketCloseCode {
        switch self {
        case .frameTooLarge, .messageTooLarge: return .messageTooBig
        case .invalidUTF8: return .invalidFramePayloadData
        default: return .protocolError
        }
    }
}
