/// An incremental RFC 6455 frame decoder: feed it bytes as they arrive, take complete frames out.
///
/// Every header rule is checked as soon as the header bytes are present, before any payload is buffered (the
/// pattern of swift-nio's `WSParser`): RSV bits, reserved opcodes, the masking direction (§5.1), control-frame FIN and
/// length (§5.5), minimal length encodings and the 64-bit top bit (§5.2), and ``Configuration/maxFrameSize``.
/// After an error the decoder stays failed and rethrows it, so no further bytes are interpreted.
public struct WebSocketFrameDecoder: Sendable {
    /// Which side of the connection decodes, which fixes the masking rule.
    public enum Role: Sendable {
        /// Decodes client frames: they MUST be masked.
        case server
        /// Decodes server frames: they MUST NOT be masked.
        case client
    }

    /// Limits and strictness of the decoder.
    public struct Configuration: Sendable {
        /// Largest frame payload accepted. Checked as soon as the length is read; a larger frame fails with 1009.
        /// Default 16 MiB (Autobahn's largest case is 16 MiB in one frame).
        public var maxFrameSize: Int
        /// Reject 16/64-bit lengths that would fit a shorter form (RFC 6455 §5.2 says "the minimal number of bytes
        /// MUST be used"). Default true.
        public var rejectNonMinimalLengths: Bool

        /// Creates a configuration; see the properties for defaults.
        public init(maxFrameSize: Int = 16 << 20, rejectNonMinimalLengths: Bool = true) {
            self.maxFrameSize = maxFrameSize
            self.rejectNonMinimalLengths = rejectNonMinimalLengths
        }
    }

    private let role: Role
    private let configuration: Configuration
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Bytes discarded from the front of `buffer`, so errors report stream offsets.
    private var discarded = 0
    private var failure: WebSocketError?

    /// Creates a decoder for `role`.
    public init(role: Role, configuration: Configuration = Configuration()) {
        self.role = role
        self.configuration = configuration
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { self.buffer.count - self.readIndex }

    /// Appends bytes read from the connection.
    public mutating func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        guard self.failure == nil else { return }
        self.buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete frame, or nil when more bytes are needed.
    ///
    /// - Throws: the first ``WebSocketError`` found; every later call throws it again.
    public mutating func nextFrame() throws(WebSocketError) -> WebSocketFrame? {
        if let failure = self.failure { throw failure }
        do {
            let frame = try self.parse()
            self.compact()
            return frame
        } catch {
            self.failure = error
            self.buffer = []
            self.readIndex = 0
            throw error
        }
    }

    private mutating func parse() throws(WebSocketError) -> WebSocketFrame? {
        let start = self.readIndex
        let available = self.buffer.count - start
        guard available >= 2 else { return nil }
        let offset = self.discarded + start
        let first = self.buffer[start]
        let second = self.buffer[start + 1]
        let fin = first & 0x80 != 0
        let rsv = (first >> 4) & 0x07
        let opcode = WebSocketOpcode(rawValue: first)
        let masked = second & 0x80 != 0
        let shortLength = second & 0x7F

        guard rsv == 0 else { throw .reservedBitsSet(offset: offset) }
        guard !opcode.isReserved else { throw .reservedOpcode(opcode.rawValue, offset: offset) }
        if opcode.isControl {
            guard fin else { throw .fragmentedControlFrame(offset: offset) }
            guard shortLength <= 125 else { throw .controlFrameTooLong(offset: offset) }
        }
        switch self.role {
        case .server: guard masked else { throw .unmaskedClientFrame(offset: offset) }
        case .client: guard !masked else { throw .maskedServerFrame(offset: offset) }
        }

        var headerLength = 2
        var length = UInt64(shortLength)
        if shortLength == 126 {
            guard available >= 4 else { return nil }
            length = UInt64(self.buffer[start + 2]) << 8 | UInt64(self.buffer[start + 3])
            headerLength = 4
            if self.configuration.rejectNonMinimalLengths && length < 126 {
                throw .invalidLengthEncoding(offset: offset + 2)
            }
        } else if shortLength == 127 {
            guard available >= 10 else { return nil }
            length = 0
            for i in 0..<8 {
                length = length << 8 | UInt64(self.buffer[start + 2 + i])
            }
            headerLength = 10
            guard length & (1 << 63) == 0 else { throw .invalidLengthEncoding(offset: offset + 2) }
            if self.configuration.rejectNonMinimalLengths && length <= 0xFFFF {
                throw .invalidLengthEncoding(offset: offset + 2)
            }
        }
        guard length <= UInt64(self.configuration.maxFrameSize) else {
            throw .frameTooLarge(length: length, limit: self.configuration.maxFrameSize)
        }
        let payloadLength = Int(length)
        var key: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        if masked {
            guard available >= headerLength + 4 else { return nil }
            key = (
                self.buffer[start + headerLength], self.buffer[start + headerLength + 1],
                self.buffer[start + headerLength + 2], self.buffer[start + headerLength + 3]
            )
            headerLength += 4
        }
        guard available - headerLength >= payloadLength else {
            // Reserve once so a large frame arriving in many reads does not reallocate repeatedly.
            self.buffer.reserveCapacity(start + headerLength + payloadLength)
            return nil
        }
        let payloadStart = start + headerLength
        var payload = Array(self.buffer[payloadStart..<(payloadStart + payloadLength)])
        if masked { webSocketApplyMask(&payload, key: key) }
        self.readIndex = payloadStart + payloadLength
        return WebSocketFrame(fin: fin, rsv: rsv, opcode: opcode, payload: payload)
    }

    /// Drops consumed bytes; frees a large buffer once it is empty, so idle connections stay small.
    private mutating func compact() {
        if self.readIndex == self.buffer.count {
            self.discarded += self.readIndex
            if self.buffer.capacity > 64 * 1024 {
                self.buffer = []
            } else {
                self.buffer.removeAll(keepingCapacity: true)
            }
            self.readIndex = 0
        } else if self.readIndex > 32 * 1024 && self.readIndex * 2 > self.buffer.count {
            self.discarded += self.readIndex
            self.buffer.removeFirst(self.readIndex)
            self.readIndex = 0
        }
    }
}
