/// A Socket.IO v5 packet (https://github.com/socketio/socket.io-protocol, version 5).
///
/// Text layout: `<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`, e.g. `0{"token":"…"}` (CONNECT with
/// auth), `42["ev",1]` (EVENT), `2/admin,17["ev"]` (EVENT with namespace and ack id), `31[{"ok":true}]` (ACK),
/// `451-["up",{"_placeholder":true,"num":0}]` (BINARY_EVENT with one attachment sent as a following binary message).
/// The default namespace `/` is written by omission.
public struct SocketIOPacket: Equatable, Sendable {
    /// Socket.IO packet types.
    public enum PacketType: UInt8, Sendable {
        case connect = 0, disconnect, event, ack, connectError, binaryEvent, binaryAck
    }

    /// Decoding limits.
    public struct Limits: Sendable, Equatable {
        /// Most binary attachments in one packet. Default 16 (Open WebUI sends none; a peer announcing thousands
        /// would make the server hold that many frames).
        public var maxAttachments: Int
        /// Most bytes in all attachments of one packet together. Default 10 MB (Tandem's maxPayload), so that
        /// 16 attachments cannot hold 16 × maxPayload.
        public var maxAttachmentBytes: Int
        /// Limits of the embedded JSON.
        public var json: JSONParser.Limits

        public init(maxAttachments: Int = 16, maxAttachmentBytes: Int = 10_000_000, json: JSONParser.Limits = .default) {
            self.maxAttachments = maxAttachments
            self.maxAttachmentBytes = maxAttachmentBytes
            self.json = json
        }
    }

    /// The packet type.
    public var type: PacketType
    /// The namespace, `/` by default.
    public var namespace: String
    /// The acknowledgement id, when the sender wants an ACK (EVENT) or answers one (ACK).
    public var ackID: Int64?
    /// The JSON data, if any; attachments appear as placeholders.
    public var data: JSONValue?
    /// How many binary attachments follow (BINARY_EVENT and BINARY_ACK only).
    public var attachmentCount: Int

    public init(
        type: PacketType, namespace: String = "/", ackID: Int64? = nil, data: JSONValue? = nil,
        attachmentCount: Int = 0
    ) {
        self.type = type
        self.namespace = namespace
        self.ackID = ackID
        self.data = data
        self.attachmentCount = attachmentCount
    }

    /// An EVENT (or BINARY_EVENT when `attachmentCount` > 0) `[name, arguments…]`.
    public static func event(
        _ name: String, _ arguments: [JSONValue], namespace: String = "/", ackID: Int64? = nil,
        attachmentCount: Int = 0
    ) -> SocketIOPacket {
        SocketIOPacket(
            type: attachmentCount > 0 ? .binaryEvent : .event, namespace: namespace, ackID: ackID,
            data: .array([.string(name)] + arguments), attachmentCount: attachmentCount)
    }

    /// An ACK (or BINARY_ACK) answering `ackID` with `arguments`.
    public static func ack(
        _ ackID: Int64, _ arguments: [JSONValue], namespace: String = "/", attachmentCount: Int = 0
    ) -> SocketIOPacket {
        SocketIOPacket(
            type: attachmentCount > 0 ? .binaryAck : .ack, namespace: namespace, ackID: ackID,
            data: .array(arguments), attachmentCount: attachmentCount)
    }

    /// The event name of an EVENT/BINARY_EVENT.
    public var eventName: String? {
        guard self.type == .event || self.type == .binaryEvent else { return nil }
        return self.data?[0]?.stringValue
    }

    /// The arguments after the event name (EVENT) or all elements (ACK).
    public var arguments: [JSONValue] {
        guard let elements = self.data?.arrayValue else { return [] }
        switch self.type {
        case .event, .binaryEvent: return Array(elements.dropFirst())
        default: return elements
        }
    }

    /// The text encoding (to be wrapped in an Engine.IO message packet).
    public var encoded: String {
        var serializer = JSONSerializer()
        serializer.appendRaw(String(self.type.rawValue))
        if self.type == .binaryEvent || self.type == .binaryAck {
            serializer.appendRaw("\(self.attachmentCount)-")
        }
        if self.namespace != "/" {
            serializer.appendRaw(self.namespace + ",")
        }
        if let ackID = self.ackID { serializer.writeInt(ackID) }
        if let data = self.data { serializer.write(data) }
        return String(decoding: serializer.bytes, as: UTF8.self)
    }

    /// Decodes a packet from the text of an Engine.IO message and validates its data shape.
    /// - Throws: ``SocketIOError`` with the offset into `text`.
    public init(decoding text: String, limits: Limits = Limits()) throws(SocketIOError) {
        try self.init(decoding: Array(text.utf8), from: 0, limits: limits)
    }

    /// Decodes a packet from UTF-8 `bytes[start...]` — a WebSocket frame's payload after the Engine.IO type byte —
    /// in one pass, without a `String` in between (the JSON parser reads the same array).
    /// - Throws: ``SocketIOError`` with the offset into `bytes`; `start` past the end is an empty packet.
    public init(decoding bytes: [UInt8], from start: Int, limits: Limits = Limits()) throws(SocketIOError) {
        guard start >= 0, start < bytes.count else { throw SocketIOError(.emptyPacket, offset: max(0, start)) }
        let first = bytes[start]
        guard first >= UInt8(ascii: "0"), let type = PacketType(rawValue: first &- UInt8(ascii: "0")) else {
            throw SocketIOError(.unknownPacketType(first), offset: start)
        }
        var position = start + 1
        var attachments = 0
        if type == .binaryEvent || type == .binaryAck {
            let countStart = position
            var count = 0
            while position < bytes.count, let digit = Self.digit(bytes[position]) {
                count = count * 10 + digit
                guard count <= limits.maxAttachments else {
                    throw SocketIOError(.tooManyAttachments(count: count, limit: limits.maxAttachments), offset: countStart)
                }
                position += 1
            }
            guard position > countStart, position < bytes.count, bytes[position] == UInt8(ascii: "-") else {
                throw SocketIOError(.invalidAttachmentCount, offset: position)
            }
            position += 1
            attachments = count
        }
        var namespace = "/"
        if position < bytes.count, bytes[position] == UInt8(ascii: "/") {
            let nameStart = position
            while position < bytes.count, bytes[position] != UInt8(ascii: ",") { position += 1 }
            namespace = String(decoding: bytes[nameStart..<position], as: UTF8.self)
            if position < bytes.count { position += 1 }  // the comma
        }
        var ackID: Int64? = nil
        let idStart = position
        while position < bytes.count, let digit = Self.digit(bytes[position]) {
            let (scaled, o1) = (ackID ?? 0).multipliedReportingOverflow(by: 10)
            let (next, o2) = scaled.addingReportingOverflow(Int64(digit))
            guard !o1, !o2 else { throw SocketIOError(.invalidAckID, offset: idStart) }
            ackID = next
            position += 1
        }
        var data: JSONValue? = nil
        if position < bytes.count {
            do {
                data = try JSONParser.parse(bytes, from: position, limits: limits.json)
            } catch {
                throw SocketIOError(.invalidJSON(error), offset: error.offset)
            }
        }
        self.init(type: type, namespace: namespace, ackID: ackID, data: data, attachmentCount: attachments)
        guard self.hasValidPayload else { throw SocketIOError(.invalidPayload, offset: position) }
    }

    /// The shape rules of socket.io-parser's `isPayloadValid`.
    private var hasValidPayload: Bool {
        switch self.type {
        case .connect:
            return self.data == nil || self.data?.objectValue != nil
        case .disconnect:
            return self.data == nil
        case .connectError:
            return self.data?.stringValue != nil || self.data?.objectValue != nil
        case .event, .binaryEvent:
            guard let first = self.data?[0] else { return false }
            return first.stringValue != nil || first.intValue != nil
        case .ack, .binaryAck:
            return self.data?.arrayValue != nil && self.ackID != nil
        }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
