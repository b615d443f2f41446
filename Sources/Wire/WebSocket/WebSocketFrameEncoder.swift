/// Serialises WebSocket frames with the minimal length encoding (RFC 6455 §5.2).
///
/// Servers send unmasked frames; clients must mask every frame (§5.3), which ``encode(_:maskingKey:)`` does when
/// given a key.
public enum WebSocketFrameEncoder {
    /// The frame header: FIN/RSV/opcode byte, mask bit and 7/16/64-bit length, and the masking key if any.
    public static func header(
        fin: Bool, rsv: UInt8 = 0, opcode: WebSocketOpcode, payloadLength: Int,
        maskingKey: (UInt8, UInt8, UInt8, UInt8)? = nil
    ) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(14)
        header.append((fin ? 0x80 : 0) | (rsv & 0x07) << 4 | opcode.rawValue)
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        if payloadLength < 126 {
            header.append(maskBit | UInt8(payloadLength))
        } else if payloadLength <= 0xFFFF {
            header.append(maskBit | 126)
            header.append(UInt8(truncatingIfNeeded: payloadLength >> 8))
            header.append(UInt8(truncatingIfNeeded: payloadLength))
        } else {
            header.append(maskBit | 127)
            let length = UInt64(payloadLength)
            for shift in stride(from: 56, through: 0, by: -8) {
                header.append(UInt8(truncatingIfNeeded: length >> UInt64(shift)))
            }
        }
        if let key = maskingKey {
            header.append(contentsOf: [key.0, key.1, key.2, key.3])
        }
        return header
    }

    /// The complete wire bytes of `frame`, masked with `maskingKey` if given.
    public static func encode(_ frame: WebSocketFrame, maskingKey: (UInt8, UInt8, UInt8, UInt8)? = nil) -> [UInt8] {
        var bytes = self.header(
            fin: frame.fin, rsv: frame.rsv, opcode: frame.opcode, payloadLength: frame.payload.count,
            maskingKey: maskingKey
        )
        if let key = maskingKey {
            var payload = frame.payload
            webSocketApplyMask(&payload, key: key)
            bytes.append(contentsOf: payload)
        } else {
            bytes.append(contentsOf: frame.payload)
        }
        return bytes
    }

    /// The wire bytes of a whole message as one unmasked frame (what the server sends).
    public static func encode(_ message: WebSocketMessage) -> [UInt8] {
        switch message {
        case .text(let string):
            var bytes = self.header(fin: true, opcode: .text, payloadLength: string.utf8.count)
            bytes.append(contentsOf: string.utf8)
            return bytes
        case .binary(let payload):
            var bytes = self.header(fin: true, opcode: .binary, payloadLength: payload.count)
            bytes.append(contentsOf: payload)
            return bytes
        }
    }
}
