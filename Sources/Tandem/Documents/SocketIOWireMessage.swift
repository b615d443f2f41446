import Wire

/// A Socket.IO event encoded for a room's Socket.IO subscribers: the WebSocket text frame of its Engine.IO message
/// (`4` + packet) for sessions on a WebSocket, and the packet text (`2["event",{…}]`) for sessions on polling.
///
/// The frame may be given as parts written one after another without being joined (``frameParts``): a state answer
/// is a small header, the serialised state shared by every joiner of a document version, and the joiner's tail
/// (issue 16). Such a message builds its packet text only when a polling session asks for it (``packet``), once,
/// so a 14 MB state is not turned into a 14 MB `String` per joiner that only WebSocket sessions receive.
public struct SocketIOWireMessage: Sendable {
    /// The WebSocket text frame of the Engine.IO message, as parts to be written in order (often just one).
    public let frameParts: [[UInt8]]
    /// Where the packet starts in the joined frame (after the frame header and the Engine.IO `4`).
    let packetStart: Int
    /// The packet text: given, or built on first use and kept for every copy of the message.
    private let text: PacketText

    /// The message of `packet`: its frame is encoded now, in one buffer.
    public init(packet: String) {
        var frame = WebSocketFrameEncoder.header(fin: true, opcode: .text, payloadLength: packet.utf8.count + 1)
        let packetStart = frame.count + 1
        frame.reserveCapacity(packetStart + packet.utf8.count)
        frame.append(UInt8(ascii: "4"))
        frame.append(contentsOf: packet.utf8)
        self.frameParts = [frame]
        self.packetStart = packetStart
        self.text = PacketText(packet)
    }

    /// The message whose Engine.IO frame is `header` (the frame header and `4`) followed by `packetParts`; the packet
    /// text is built from the parts if and when ``packet`` is read.
    init(header: [UInt8], packetParts: [[UInt8]]) {
        self.frameParts = [header] + packetParts.filter { !$0.isEmpty }
        self.packetStart = header.count
        self.text = PacketText(nil)
    }

    /// The Socket.IO packet text, for sessions on polling.
    public var packet: String {
        self.text.value { self.buildPacket() }
    }

    /// The whole frame in one buffer (the only part, else the parts joined).
    public var frame: [UInt8] {
        if self.frameParts.count == 1, let only = self.frameParts.first { return only }
        return Array(self.frameParts.joined())
    }

    /// Whether the packet text exists yet (it is built lazily for a message made of parts).
    var hasPacketText: Bool { self.text.isBuilt }

    private func buildPacket() -> String {
        let total = self.frameParts.reduce(0) { $0 + $1.count }
        let length = max(total - self.packetStart, 0)
        return String(unsafeUninitializedCapacity: length) { buffer in
            var skip = self.packetStart
            var written = 0
            for part in self.frameParts {
                let dropped = min(skip, part.count)
                skip -= dropped
                let piece = part[dropped...]
                let count = min(piece.count, length - written)
                guard count > 0 else { continue }
                _ = UnsafeMutableBufferPointer(rebasing: buffer[written..<(written + count)])
                    .initialize(from: piece.prefix(count))
                written += count
            }
            return written
        }
    }
}

/// A packet text given up front or built once on demand, shared by every copy of one message.
private final class PacketText: Sendable {
    private let storage: Locked<String?>

    init(_ text: String?) {
        self.storage = Locked(text)
    }

    var isBuilt: Bool { self.storage.withLock { $0 != nil } }

    func value(build: () -> String) -> String {
        self.storage.withLock { text in
            if let text { return text }
            let built = build()
            text = built
            return built
        }
    }
}
