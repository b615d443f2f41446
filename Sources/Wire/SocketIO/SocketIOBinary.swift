/// Binary attachments of Socket.IO v5: placeholders in the JSON and reassembly of the frames that follow.
///
/// A BINARY_EVENT `451-["ev",{"_placeholder":true,"num":0}]` is followed by one binary Engine.IO message per
/// attachment; the N-th binary message replaces the placeholder with `num` N (socket.io-protocol v5, "Packet
/// encoding"). Open WebUI's server turns attachments into int arrays before handlers see them
/// (openwebui-protocol.md §1), which ``JSONValue/resolvingPlaceholders(_:)`` reproduces.
public struct SocketIOMessage: Equatable, Sendable {
    /// The packet, with placeholders still in its data.
    public var packet: SocketIOPacket
    /// The attachments, in `num` order.
    public var attachments: [[UInt8]]

    public init(packet: SocketIOPacket, attachments: [[UInt8]] = []) {
        self.packet = packet
        self.attachments = attachments
    }
}

extension JSONValue {
    /// The placeholder object `{"_placeholder":true,"num":N}` standing for attachment N.
    public static func placeholder(_ number: Int) -> JSONValue {
        ["_placeholder": true, "num": .int(Int64(number))]
    }

    /// The attachment number if this is a placeholder object.
    public var placeholderNumber: Int? {
        guard case .object(let object) = self, object.count == 2, object["_placeholder"] == .bool(true),
            let number = object["num"]?.intValue, number >= 0, number <= Int64(Int32.max)
        else { return nil }
        return Int(number)
    }

    /// This value with every placeholder replaced by its attachment as an int array.
    /// - Throws: ``SocketIOError`` `.invalidPlaceholder` when a placeholder names a missing attachment.
    public func resolvingPlaceholders(_ attachments: [[UInt8]]) throws(SocketIOError) -> JSONValue {
        if let number = self.placeholderNumber {
            guard number < attachments.count else { throw SocketIOError(.invalidPlaceholder, offset: 0) }
            return .byteArray(attachments[number])
        }
        switch self {
        case .array(let elements):
            var resolved: [JSONValue] = []
            resolved.reserveCapacity(elements.count)
            for element in elements { resolved.append(try element.resolvingPlaceholders(attachments)) }
            return .array(resolved)
        case .object(let object):
            var resolved = JSONObject()
            for (key, value) in object { resolved[key] = try value.resolvingPlaceholders(attachments) }
            return .object(resolved)
        default:
            return self
        }
    }

    /// The highest placeholder number referenced plus one (0 when there is none).
    public var placeholderCount: Int {
        if let number = self.placeholderNumber { return number + 1 }
        switch self {
        case .array(let elements): return elements.map(\.placeholderCount).max() ?? 0
        case .object(let object): return object.values.map(\.placeholderCount).max() ?? 0
        default: return 0
        }
    }
}

/// Reassembles binary packets from an Engine.IO message stream: a state machine fed text and binary messages.
///
/// Text packets without attachments come straight back; a BINARY_EVENT/BINARY_ACK is held until its attachments
/// have arrived. The attachment count was already bounded by ``SocketIOPacket/Limits/maxAttachments`` when decoded;
/// their total size is bounded by ``SocketIOPacket/Limits/maxAttachmentBytes``.
public struct SocketIOPacketAssembler: Sendable {
    private var pending: SocketIOPacket?
    private var attachments: [[UInt8]] = []
    private var attachmentBytes = 0
    private let limits: SocketIOPacket.Limits

    public init(limits: SocketIOPacket.Limits = SocketIOPacket.Limits()) {
        self.limits = limits
    }

    /// Whether a binary packet is waiting for attachments.
    public var isAwaitingAttachments: Bool { self.pending != nil }

    /// Feeds the text of an Engine.IO message; returns the complete message, or nil while attachments are due.
    /// - Throws: ``SocketIOError``; after an error the assembler is reset.
    public mutating func receive(text: String) throws(SocketIOError) -> SocketIOMessage? {
        try self.receive(bytes: Array(text.utf8), from: 0)
    }

    /// Takes a text packet given as UTF-8 `bytes[start...]` (a frame's payload after the Engine.IO type byte).
    public mutating func receive(bytes: [UInt8], from start: Int) throws(SocketIOError) -> SocketIOMessage? {
        guard self.pending == nil else {
            self.reset()
            throw SocketIOError(.incompleteBinaryPacket, offset: 0)
        }
        let packet = try SocketIOPacket(decoding: bytes, from: start, limits: self.limits)
        if packet.attachmentCount == 0 {
            return SocketIOMessage(packet: packet)
        }
        guard (packet.data?.placeholderCount ?? 0) <= packet.attachmentCount else {
            throw SocketIOError(.invalidPlaceholder, offset: 0)
        }
        self.pending = packet
        self.attachments = []
        self.attachments.reserveCapacity(packet.attachmentCount)
        return nil
    }

    /// Feeds a binary Engine.IO message; returns the complete message once the last attachment arrives.
    /// - Throws: ``SocketIOError/Kind/unexpectedAttachment`` when no binary packet is pending.
    public mutating func receive(binary: [UInt8]) throws(SocketIOError) -> SocketIOMessage? {
        guard let packet = self.pending else { throw SocketIOError(.unexpectedAttachment, offset: 0) }
        self.attachmentBytes += binary.count
        guard self.attachmentBytes <= self.limits.maxAttachmentBytes else {
            let total = self.attachmentBytes
            self.reset()
            throw SocketIOError(.attachmentsTooLarge(size: total, limit: self.limits.maxAttachmentBytes), offset: 0)
        }
        self.attachments.append(binary)
        guard self.attachments.count == packet.attachmentCount else { return nil }
        let message = SocketIOMessage(packet: packet, attachments: self.attachments)
        self.reset()
        return message
    }

    /// Drops any pending packet.
    public mutating func reset() {
        self.pending = nil
        self.attachments = []
        self.attachmentBytes = 0
    }
}
