/// A WebSocket frame opcode (RFC 6455 §5.2).
///
/// An open struct rather than a closed enum, so that the reserved opcodes 0x3–0x7 and 0xB–0xF can be represented
/// (and rejected with 1002) instead of being unrepresentable.
public struct WebSocketOpcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 4-bit opcode value.
    public let rawValue: UInt8

    /// Creates an opcode from the low four bits of `rawValue`.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue & 0x0F
    }

    /// 0x0: continues a fragmented message.
    public static let continuation = WebSocketOpcode(rawValue: 0x0)
    /// 0x1: the first frame of a text (UTF-8) message.
    public static let text = WebSocketOpcode(rawValue: 0x1)
    /// 0x2: the first frame of a binary message.
    public static let binary = WebSocketOpcode(rawValue: 0x2)
    /// 0x8: the close control frame.
    public static let close = WebSocketOpcode(rawValue: 0x8)
    /// 0x9: the ping control frame.
    public static let ping = WebSocketOpcode(rawValue: 0x9)
    /// 0xA: the pong control frame.
    public static let pong = WebSocketOpcode(rawValue: 0xA)

    /// Control frames have the high bit of the opcode set (RFC 6455 §5.5).
    public var isControl: Bool { self.rawValue & 0x08 != 0 }

    /// True for 0x3–0x7 and 0xB–0xF, which no extension we support defines.
    public var isReserved: Bool {
        switch self.rawValue {
        case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: return false
        default: return true
        }
    }

    public var description: String {
        switch self {
        case .continuation: return "continuation"
        case .text: return "text"
        case .binary: return "binary"
        case .close: return "close"
        case .ping: return "ping"
        case .pong: return "pong"
        default: return "reserved(0x\(String(self.rawValue, radix: 16)))"
        }
    }
}
