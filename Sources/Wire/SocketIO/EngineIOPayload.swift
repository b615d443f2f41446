/// The HTTP long-polling payload of Engine.IO v4: packets joined by the record separator 0x1E.
///
/// Binary messages are written as `b` followed by standard base64 (engine.io-protocol v4, "HTTP long-polling").
/// Decoding checks the body size against maxPayload before splitting, and the record count against
/// ``Limits/maxPackets`` as it goes.
public enum EngineIOPayload {
    /// The record separator between packets.
    public static let separator: UInt8 = 0x1E

    /// Limits for decoding a polling body.
    public struct Limits: Sendable, Equatable {
        /// Largest body accepted, in bytes (the advertised maxPayload). Default 10 MB.
        public var maxPayload: Int
        /// Most packets in one body. Default 1,000 (socket.io-client batches what it buffered while a poll was
        /// in flight; a thousand is far above normal use).
        public var maxPackets: Int

        public init(maxPayload: Int = 10_000_000, maxPackets: Int = 1_000) {
            self.maxPayload = maxPayload
            self.maxPackets = maxPackets
        }
    }

    /// Joins packets into one polling body.
    public static func encode(_ packets: [EngineIOPacket]) -> [UInt8] {
        var body: [UInt8] = []
        for (index, packet) in packets.enumerated() {
            if index > 0 { body.append(self.separator) }
            body.append(contentsOf: packet.encodedText.utf8)
        }
        return body
    }

    /// Splits a polling body into packets.
    /// - Throws: ``EngineIOError`` with the offset of the offending record.
    public static func decode(_ body: [UInt8], limits: Limits = Limits()) throws(EngineIOError) -> [EngineIOPacket] {
        guard body.count <= limits.maxPayload else {
            throw EngineIOError(.payloadTooLarge(size: body.count, limit: limits.maxPayload), offset: 0)
        }
        var packets: [EngineIOPacket] = []
        var start = 0
        while start <= body.count {
            var end = start
            while end < body.count, body[end] != self.separator { end += 1 }
            guard packets.count < limits.maxPackets else {
                throw EngineIOError(.tooManyPackets(limit: limits.maxPackets), offset: start)
            }
            let record = body[start..<end]
            if record.first == UInt8(ascii: "b") {
                guard let bytes = try? Base64.decoding(record.dropFirst()) else {
                    throw EngineIOError(.invalidBase64, offset: start + 1)
                }
                packets.append(.binaryMessage(bytes))
            } else {
                packets.append(try EngineIOPacket(text: record, offset: start))
            }
            start = end + 1
        }
        return packets
    }
}
