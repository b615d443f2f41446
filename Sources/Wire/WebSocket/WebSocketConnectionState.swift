/// The per-connection WebSocket protocol brain: control frames, the close handshake and keepalive.
///
/// A value type that owns the ``WebSocketMessageAssembler`` and returns one ``Action`` per event, so the socket layer
/// only carries out what it is told and tests need neither sockets nor sleeps (`now:` is always passed in).
/// Rules implemented: pings are answered with a pong carrying the same payload (§5.5.2), unsolicited pongs are
/// ignored (§5.5.3), a close frame is validated (§5.5.1, §7.4) and echoed with its code, after which the server
/// closes the TCP connection first (§7.1.1); once we have sent a close frame, data frames are ignored and we wait at
/// most ``Configuration/closeTimeout`` for the peer's close. A silent peer gets a ping after
/// ``Configuration/pingInterval`` and is closed if nothing arrives within ``Configuration/pongTimeout``.
public struct WebSocketConnectionState: Sendable {
    /// Keepalive and close timing, and the message size limit.
    public struct Configuration: Sendable {
        /// Largest reassembled message. Default 16 MiB.
        public var maxMessageSize: Int
        /// Silence after which the server sends a ping; nil disables keepalive. Default 30 s.
        public var pingInterval: Duration?
        /// How long to wait for any frame after a ping before closing with 1001. Default 30 s.
        public var pongTimeout: Duration
        /// How long to wait for the peer's close frame after sending ours. Default 5 s.
        public var closeTimeout: Duration

        /// Creates a configuration; see the properties for defaults.
        public init(
            maxMessageSize: Int = 16 << 20, pingInterval: Duration? = .seconds(30),
            pongTimeout: Duration = .seconds(30), closeTimeout: Duration = .seconds(5)
        ) {
            self.maxMessageSize = maxMessageSize
            self.pingInterval = pingInterval
            self.pongTimeout = pongTimeout
            self.closeTimeout = closeTimeout
        }
    }

    /// What the socket layer must do next.
    public enum Action: Hashable, Sendable {
        /// Nothing.
        case none
        /// Hand a complete message to the application.
        case deliver(WebSocketMessage)
        /// Write a control frame (pong or ping).
        case send(WebSocketFrame)
        /// Write a close frame; if `thenShutdown`, close the TCP connection once it is written, otherwise wait for
        /// the peer's close frame (a later ``tick(now:)`` returns ``shutdown`` on timeout).
        case sendClose(WebSocketFrame, thenShutdown: Bool)
        /// Close the TCP connection (after flushing what is queued).
        case shutdown
    }

    /// Where the close handshake stands.
    public enum Phase: Hashable, Sendable {
        /// Messages flow both ways.
        case open
        /// We sent a close frame and wait for the peer's until the deadline.
        case closeSent(deadline: ContinuousClock.Instant)
        /// The handshake is over (or the connection failed): only shutting down remains.
        case closed
    }

    private let configuration: Configuration
    private var assembler: WebSocketMessageAssembler
    private var lastReceived: ContinuousClock.Instant
    private var pingSent: ContinuousClock.Instant?
    /// The current phase of the close handshake.
    public private(set) var phase: Phase = .open
    /// The code of the close frame the peer sent, once it has.
    public private(set) var peerCloseCode: WebSocketCloseCode?

    /// Creates the state of a connection that just completed its handshake at `now`.
    public init(configuration: Configuration = Configuration(), now: ContinuousClock.Instant) {
        self.configuration = configuration
        self.assembler = WebSocketMessageAssembler(maxMessageSize: configuration.maxMessageSize)
        self.lastReceived = now
    }

    /// True until a close frame has been sent or received.
    public var isOpen: Bool { self.phase == .open }

    /// Handles one decoded frame.
    public mutating func received(_ frame: WebSocketFrame, now: ContinuousClock.Instant) -> Action {
        self.lastReceived = now
        self.pingSent = nil
        switch self.phase {
        case .closed:
            return .none
        case .closeSent:
            // §5.5.1: after sending close, wait for the peer's close and ignore everything else.
            if frame.opcode == .close {
                self.phase = .closed
                self.peerCloseCode = Self.parseClose(frame.payload).code
                return .shutdown
            }
            return .none
        case .open:
            break
        }
        switch frame.opcode {
        case .ping:
            return .send(WebSocketFrame(opcode: .pong, payload: frame.payload))
        case .pong:
            return .none
        case .close:
            let parsed = Self.parseClose(frame.payload)
            if let error = parsed.error { return self.failed(error) }
            self.phase = .closed
            self.peerCloseCode = parsed.code ?? .noStatusReceived
            return .sendClose(.close(code: parsed.code), thenShutdown: true)
        default:
            do {
                guard let message = try self.assembler.push(frame) else { return .none }
                return .deliver(message)
            } catch {
                return self.failed(error)
            }
        }
    }

    /// Fails the connection because of a protocol error (§7.1.7): send the mapped close code, then shut down.
    public mutating func failed(_ error: WebSocketError) -> Action {
        guard self.phase == .open else {
            self.phase = .closed
            return .shutdown
        }
        self.phase = .closed
        return .sendClose(.close(code: error.closeCode), thenShutdown: true)
    }

    /// Starts the close handshake from our side (application close, shutdown with 1001, slow reader with 1008).
    public mutating func close(
        code: WebSocketCloseCode, reason: String = "", now: ContinuousClock.Instant
    ) -> Action {
        guard self.phase == .open else { return .none }
        self.phase = .closeSent(deadline: now + self.configuration.closeTimeout)
        return .sendClose(.close(code: code, reason: reason), thenShutdown: false)
    }

    /// Drives the timers: keepalive pings, the pong timeout and the close timeout.
    public mutating func tick(now: ContinuousClock.Instant) -> Action {
        switch self.phase {
        case .closed:
            return .none
        case .closeSent(let deadline):
            if now >= deadline {
                self.phase = .closed
                return .shutdown
            }
            return .none
        case .open:
            guard let interval = self.configuration.pingInterval else { return .none }
            if let sent = self.pingSent {
                guard now - sent >= self.configuration.pongTimeout else { return .none }
                self.phase = .closed
                return .sendClose(.close(code: .goingAway, reason: "keepalive timeout"), thenShutdown: true)
            }
            guard now - self.lastReceived >= interval else { return .none }
            self.pingSent = now
            return .send(WebSocketFrame(opcode: .ping, payload: Array("tandem".utf8)))
        }
    }

    /// Splits a close payload into its code and reason, checking §5.5.1 and §7.4.
    static func parseClose(_ payload: [UInt8]) -> (code: WebSocketCloseCode?, reason: String, error: WebSocketError?) {
        if payload.isEmpty { return (nil, "", nil) }
        guard payload.count >= 2 else { return (nil, "", .invalidClosePayload) }
        let code = WebSocketCloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
        guard code.isValidOnWire else { return (code, "", .invalidCloseCode(code.rawValue)) }
        let reasonBytes = payload[2...]
        guard UTF8Validator.isValid(reasonBytes) else { return (code, "", .invalidUTF8) }
        return (code, String(decoding: reasonBytes, as: UTF8.self), nil)
    }
}
