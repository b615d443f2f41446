import Wire

/// One Engine.IO v4 session's transport as a value-type state machine: which transport carries it (long-polling,
/// a WebSocket, a probe on its way to an upgrade), the packets waiting for a poll, the heartbeat and the connect
/// deadline (engine.io-protocol v4: "Transports", "Upgrade", "Heartbeat").
///
/// It holds no socket and no continuation: each method takes the event (and `now`) and returns the
/// ``Action``s the owner carries out — ``SocketIOServer`` keeps the WebSocket objects by serial and the waiting
/// poll's continuation, and does what the actions say, in order. So every transition is testable without sockets
/// (`EngineIOSessionStateTests`), as `WebSocketConnectionState` is for frames.
struct EngineIOSessionState: Sendable {
    /// What the owner does after an event.
    enum Action: Sendable, Equatable {
        /// Write these packets to the session's WebSocket (the one with ``webSocketSerial``).
        case writeWebSocket([EngineIOPacket])
        /// Write this packet to the upgrade probe (the WebSocket with ``probeSerial``).
        case writeProbe(EngineIOPacket)
        /// Answer the waiting poll with these packets.
        case answerPoll([EngineIOPacket])
        /// Close the session (its sockets disconnect): `notify` sends Engine.IO's close packet first.
        case close(reason: String, code: UInt16, notify: Bool)
    }

    /// How a poll request (`GET`) is answered.
    enum PollAnswer: Sendable, Equatable {
        /// At once, with these packets.
        case now([EngineIOPacket])
        /// Later: the owner keeps the request open until an ``Action/answerPoll(_:)``.
        case wait
        /// `400 Bad request`: the session is on a WebSocket.
        case badRequest
        /// `400 Bad request`, and the session closes: a second poll while one waits (engine.io closes too).
        case overlapping
    }

    /// The serial of the WebSocket carrying the session, nil while it is on long-polling.
    private(set) var webSocketSerial: Int?
    /// The serial of an open upgrade probe (a second WebSocket naming this session), if any.
    private(set) var probeSerial: Int?
    /// The probe answered `3probe`: polls complete at once with a noop until the `upgrade` packet.
    private(set) var probed = false
    /// Packets for the next poll (long-polling only).
    private(set) var pollQueue: [EngineIOPacket] = []
    /// A poll request is open, waiting for packets.
    private(set) var pollWaiting = false
    private(set) var heartbeat: EngineIOHeartbeat
    /// When the session opened, for the connect deadline.
    let openedAt: ContinuousClock.Instant
    /// Close the session when no Socket.IO namespace connected within this time.
    let connectTimeout: Duration
    /// Whether a namespace ever connected on this session.
    private(set) var everConnected = false

    /// A session opened at `now`, on a WebSocket (`webSocketSerial`) or on long-polling (nil).
    init(
        webSocketSerial: Int?, heartbeat: EngineIOHeartbeat, connectTimeout: Duration, now: ContinuousClock.Instant
    ) {
        self.webSocketSerial = webSocketSerial
        self.heartbeat = heartbeat
        self.openedAt = now
        self.connectTimeout = connectTimeout
    }

    /// Whether the session is on a WebSocket now.
    var isOnWebSocket: Bool { self.webSocketSerial != nil }

    // MARK: Sending

    /// Packets for the client: written to the WebSocket, handed to the waiting poll, or queued for the next one.
    mutating func send(_ packets: [EngineIOPacket]) -> [Action] {
        guard !packets.isEmpty else { return [] }
        if self.webSocketSerial != nil { return [.writeWebSocket(packets)] }
        self.pollQueue.append(contentsOf: packets)
        guard self.pollWaiting else { return [] }
        self.pollWaiting = false
        defer { self.pollQueue = [] }
        return [.answerPoll(self.pollQueue)]
    }

    // MARK: Long-polling

    /// A poll request (`GET`): answered now when packets wait (or a noop once the probe answered), else held.
    mutating func poll() -> PollAnswer {
        guard self.webSocketSerial == nil else { return .badRequest }
        guard !self.pollWaiting else { return .overlapping }
        if !self.pollQueue.isEmpty || self.probed {
            let packets = self.pollQueue.isEmpty ? [EngineIOPacket.noop] : self.pollQueue
            self.pollQueue = []
            return .now(packets)
        }
        self.pollWaiting = true
        return .wait
    }

    // MARK: Upgrade

    /// A WebSocket naming this session opened: it becomes the probe unless the session is on a WebSocket already
    /// or has a probe. Returns whether it was taken.
    mutating func probeOpened(serial: Int) -> Bool {
        guard self.webSocketSerial == nil, self.probeSerial == nil else { return false }
        self.probeSerial = serial
        return true
    }

    /// A packet on the probe: `2probe` is answered `3probe` (and the waiting poll completes with a noop, so the
    /// client pauses polling); `5` (upgrade) moves the session to the probe, flushing what polling had queued.
    /// Anything else is ignored, as engine.io does.
    mutating func probeReceived(_ packet: EngineIOPacket) -> [Action] {
        guard let serial = self.probeSerial else { return [] }
        switch packet {
        case .ping("probe"):
            self.probed = true
            var actions: [Action] = [.writeProbe(.pong("probe"))]
            if self.pollWaiting {
                self.pollWaiting = false
                actions.append(.answerPoll(self.pollQueue + [.noop]))
                self.pollQueue = []
            }
            return actions
        case .upgrade:
            self.webSocketSerial = serial
            self.probeSerial = nil
            self.probed = false
            let queued = self.pollQueue
            self.pollQueue = []
            var actions: [Action] = []
            if self.pollWaiting {
                self.pollWaiting = false
                actions.append(.answerPoll([.noop]))
            }
            if !queued.isEmpty { actions.append(.writeWebSocket(queued)) }
            return actions
        default:
            return []
        }
    }

    /// A WebSocket of this session closed: a probe is forgotten (polling goes on); the carrying one ends the session.
    mutating func webSocketClosed(serial: Int) -> [Action] {
        if serial == self.probeSerial {
            self.probeSerial = nil
            self.probed = false
            return []
        }
        guard serial == self.webSocketSerial else { return [] }
        self.webSocketSerial = nil
        return [.close(reason: "transport close", code: 1000, notify: false)]
    }

    // MARK: Packets, heartbeat, deadlines

    /// A Socket.IO namespace connected on this session (the connect deadline no longer applies).
    mutating func connected() {
        self.everConnected = true
    }

    /// A `pong` from the client.
    mutating func receivedPong(now: ContinuousClock.Instant) {
        self.heartbeat.receivedPong(now: now)
    }

    /// Time passes: closes a session that never connected a namespace in time, pings when due, closes when the
    /// pong is overdue.
    mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        if !self.everConnected, now - self.openedAt >= self.connectTimeout {
            return [.close(reason: "no Socket.IO connection in time", code: 1000, notify: true)]
        }
        switch self.heartbeat.tick(now: now) {
        case .none: return []
        case .sendPing: return self.send([.ping("")])
        case .timedOut: return [.close(reason: "ping timeout", code: 1000, notify: true)]
        }
    }

    /// The session closes: what the waiting poll gets (the queued packets and a close packet), if one waits.
    mutating func closing() -> [Action] {
        guard self.pollWaiting else { return [] }
        self.pollWaiting = false
        defer { self.pollQueue = [] }
        return [.answerPoll(self.pollQueue + [.close])]
    }
}
