/// One WebSocket frame (RFC 6455 §5.2) with its payload already unmasked.
public struct WebSocketFrame: Hashable, Sendable {
    /// FIN: this is the final fragment of a message.
    public var fin: Bool
    /// The RSV1–RSV3 bits as a 3-bit value (RSV1 = 0b100). Must be zero without a negotiated extension.
    public var rsv: UInt8
    /// The frame's opcode.
    public var opcode: WebSocketOpcode
    /// The application data, unmasked.
    public var payload: [UInt8]

    /// Creates a frame.
    public init(fin: Bool = true, rsv: UInt8 = 0, opcode: WebSocketOpcode, payload: [UInt8] = []) {
        self.fin = fin
        self.rsv = rsv & 0x07
        self.opcode = opcode
        self.payload = payload
    }

    /// A close frame carrying `code` and a UTF-8 `reason` (RFC 6455 §5.5.1); no code gives an empty body.
    ///
    /// The reason is truncated on a character boundary so that the body stays within 125 bytes.
    public static func close(code: WebSocketCloseCode?, reason: String = "") -> WebSocketFrame {
        guard let code else { return WebSocketFrame(opcode: .close) }
        var payload: [UInt8] = [UInt8(truncatingIfNeeded: code.rawValue >> 8), UInt8(truncatingIfNeeded: code.rawValue)]
        for scalar in reason.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            guard payload.count + encoded.count <= 125 else { break }
            payload.append(contentsOf: encoded)
        }
        return WebSocketFrame(opcode: .close, payload: payload)
    }
}

/// A complete WebSocket data message, reassembled from one or more frames.
public enum WebSocketMessage: Hashable, Sendable {
    /// A text message, validated as UTF-8.
    case text(String)
    /// A binary message.
    case binary([UInt8])

    /// The message's payload size in bytes.
    public var byteCount: Int {
        switch self {
        case .text(let string): return string.utf8.count
        case .binary(let bytes): return bytes.count
        }
    }
}
