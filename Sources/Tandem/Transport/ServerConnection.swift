import Foundation
import Wire

/// One accepted TCP connection's state, owned and mutated by the event loop thread only.
///
/// Where the connection stands (HTTP, upgrading, WebSocket, draining) and when it must close is the value type
/// ``ConnectionLifecycle``; this class holds the I/O side: the descriptor, the parsers, the write queue and the
/// session's inbound stream.
final class ServerConnection {
    let id: UInt64
    let fd: Int32
    let remoteAddress: String
    /// When the connection was accepted.
    let openedAt: ContinuousClock.Instant
    /// Requests received on this connection.
    var requestCount = 0
    /// The request being answered (for the log line and latency of its response).
    var currentRequest: (method: String, path: String, started: ContinuousClock.Instant)?
    /// The connection's state machine (phase, closing, deadlines, reading paused).
    var lifecycle: ConnectionLifecycle
    /// The path of the WebSocket upgrade in progress (selects its frame and message limits).
    var upgradePath = ""
    var parser: HTTPRequestParser
    var decoder: WebSocketFrameDecoder?
    var state: WebSocketConnectionState?
    var inbound: AsyncStream<SessionEvent>.Continuation?
    var budget: InboundBudget?
    /// Frames a session sent while its upgrade was pending; written right after the 101 response.
    var pendingAfterUpgrade = WriteQueue()

    /// The bytes still to be written (shared chunks, written with `writev(2)`).
    var output = WriteQueue()
    /// The close code reported to the session.
    var closeCode: WebSocketCloseCode?
    /// The epoll event mask currently registered.
    var registeredEvents: UInt32 = 0
    /// Already on the loop's list of connections to flush this iteration.
    var isDirty = false

    init(
        id: UInt64, fd: Int32, remoteAddress: String, http: HTTPRequestParser.Configuration,
        timeouts: ConnectionLifecycle.Timeouts, now: ContinuousClock.Instant
    ) {
        self.id = id
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.openedAt = now
        self.parser = HTTPRequestParser(configuration: http)
        self.lifecycle = ConnectionLifecycle(timeouts: timeouts, now: now)
    }

    /// Bytes queued but not yet written.
    var queuedByteCount: Int { self.output.count + self.pendingAfterUpgrade.count }

    /// Where the connection stands.
    var phase: ConnectionLifecycle.Phase { self.lifecycle.phase }

    /// Whether the loop should read from the socket now.
    var wantsRead: Bool { self.lifecycle.wantsRead }

    /// Whether frames flow.
    var isWebSocket: Bool { self.lifecycle.isWebSocket }

    /// Appends bytes to the write queue (kept by reference when large, see ``WriteQueue``).
    func enqueue(_ bytes: [UInt8]) {
        self.output.append(bytes)
    }
}

/// What the event loop tells a WebSocket session's task.
enum SessionEvent: Sendable {
    case message(WebSocketMessage, size: Int)
    /// Every earlier message has been handled: tell the loop (``EventLoop/Command/drained(_:)``).
    case drain
    case closed(WebSocketCloseCode)
}

/// Counts message bytes handed to a session but not yet processed, to pause reading a flooding client.
final class InboundBudget: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var pending = 0
    private var paused = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Records delivered bytes; true when the loop must stop reading.
    func added(_ count: Int) -> Bool {
        self.lock.withLock {
            self.pending += count
            if self.pending > self.limit && !self.paused {
                self.paused = true
                return true
            }
            return false
        }
    }

    /// Records processed bytes; true when the loop may read again.
    func consumed(_ count: Int) -> Bool {
        self.lock.withLock {
            self.pending -= count
            if self.paused && self.pending <= self.limit / 2 {
                self.paused = false
                return true
            }
            return false
        }
    }
}
