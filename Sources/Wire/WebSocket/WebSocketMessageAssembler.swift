/// Reassembles data frames into messages (RFC 6455 §5.4), validating text as UTF-8 fragment by fragment.
///
/// Enforces the fragmentation rules (a continuation needs a message in progress; a new text or binary frame may not
/// start inside one) and ``maxMessageSize`` across fragments, checked before the fragment is appended. Control frames
/// are not its business: the connection state handles them, and they may arrive between fragments.
public struct WebSocketMessageAssembler: Sendable {
    /// Largest message accepted, summed over its fragments; larger fails with 1009. Default 16 MiB.
    public let maxMessageSize: Int

    private var opcode: WebSocketOpcode?
    private var fragments: [UInt8] = []
    private var validator = UTF8Validator()

    /// Creates an assembler with a message size limit.
    public init(maxMessageSize: Int = 16 << 20) {
        self.maxMessageSize = maxMessageSize
    }

    /// True while a fragmented message is in progress.
    public var isAssembling: Bool { self.opcode != nil }

    /// Takes a data frame (text, binary or continuation); returns the message once its final fragment arrives.
    ///
    /// - Throws: ``WebSocketError/unexpectedContinuation``, ``WebSocketError/expectedContinuation``,
    ///   ``WebSocketError/messageTooLarge(limit:)`` or ``WebSocketError/invalidUTF8``.
    public mutating func push(_ frame: WebSocketFrame) throws(WebSocketError) -> WebSocketMessage? {
        let messageOpcode: WebSocketOpcode
        if frame.opcode == .continuation {
            guard let current = self.opcode else { throw .unexpectedContinuation }
            messageOpcode = current
        } else {
            guard self.opcode == nil else { throw .expectedContinuation }
            messageOpcode = frame.opcode
        }
        guard frame.payload.count <= self.maxMessageSize - self.fragments.count else {
            throw .messageTooLarge(limit: self.maxMessageSize)
        }
        if messageOpcode == .text {
            guard self.validator.validate(frame.payload) else { throw .invalidUTF8 }
            if frame.fin && !self.validator.isComplete { throw .invalidUTF8 }
        }
        if frame.fin && self.opcode == nil {
            // Unfragmented: no copy.
            return Self.message(opcode: messageOpcode, payload: frame.payload)
        }
        self.opcode = messageOpcode
        self.fragments.append(contentsOf: frame.payload)
        guard frame.fin else { return nil }
        let payload = self.fragments
        self.opcode = nil
        self.fragments = []
        self.validator = UTF8Validator()
        return Self.message(opcode: messageOpcode, payload: payload)
    }

    private static func message(opcode: WebSocketOpcode, payload: [UInt8]) -> WebSocketMessage {
        if opcode == .text {
            return .text(String(decoding: payload, as: UTF8.self))
        }
        return .binary(payload)
    }
}
