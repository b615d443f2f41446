import Foundation
import Wire

/// One accepted TCP connection's state, owned and mutated by the event loop thread only.
///
/// Starts as HTTP, may upgrade to WebSocket, and ends by draining: after the last response or close frame is written
/// the write side is shut down and input is discarded until the peer closes or the close timeout passes, so the
/// final bytes are not lost to a TCP reset.
final class ServerConnection {
    /// Where the connection stands.
    enum Phase {
        /// Waiting for (more of) a request.
        case http
        /// A handler is producing the response; reading is paused.
        case awaitingResponse
        /// The session factory of a WebSocket upgrade is running; reading is paused.
        case upgrading
        /// Frames flow; `state` and `decoder` are set.
        case webSocket
        /// Write side shut down; discarding input until EOF or the deadline.
        case draining(deadline: ContinuousClock.Instant)
    }

    let id: UInt64
    let fd: Int32
    let remoteAddress: String
    /// When the connection was accepted.
    let openedAt: ContinuousClock.Instant
    /// Requests received on this connection.
    var requestCount = 0
    /// The request being answered (for the log line and latency of its response).
    var currentRequest: (method: String, path: String, started: ContinuousClock.Instant)?
    var phase = Phase.http
    /// The path of the WebSocket upgrade in progress (selects its frame and message limits).
    var upgradePath = ""
    var parser: HTTPRequestParser
    var decoder: WebSocketFrameDecoder?
    var state: WebSocketConnectionState?
    var inbound: AsyncStream<SessionEvent>.Continuation?
    var budget: InboundBudget?
    /// Frames a session sent while its upgrade was pending; written right after the 101 response.
    var pendingAfterUpgrade = WriteQueue()
    /// A close frame held back until the session has handled the messages delivered before it.
    var deferredClose: WebSocketFrame?
    /// A close the session asked for while its upgrade was pending; started right after the 101 response.
    var pendingClose: (code: WebSocketCloseCode, reason: String)?

    /// The bytes still to be written (shared chunks, written with `writev(2)`).
    var output = WriteQueue()
    /// Close (drain) once the write queue is empty.
    var closeAfterFlush = false
    /// Drop the connection at this instant even if the queue never empties (a peer that stopped reading).
    var hardDeadline: ContinuousClock.Instant?
    /// The peer sent EOF; close as soon as the queue is written.
    var peerFinished = false
    /// `shutdown(SHUT_WR)` was called.
    var writeShut = false
    /// Whether the current response may be followed by another request.
    var keepAlive = true
    /// Reading stopped because the session has too many unprocessed messages.
    var inboundPaused = false
    /// The close code reported to the session.
    var closeCode: WebSocketCloseCode?
    var lastActivity: ContinuousClock.Instant
    /// When the first byte of the request being received arrived (nil between requests).
    var requestStarted: ContinuousClock.Instant?
    /// The epoll event mask currently registered.
    var registeredEvents: UInt32 = 0
    /// Already on the loop's list of connections to flush this iteration.
    var isDirty = false

    init(
        id: UInt64, fd: Int32, remoteAddress: String, http: HTTPRequestParser.Configuration,
        now: ContinuousClock.Instant
    ) {
        self.id = id
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.openedAt = now
        self.parser = HTTPRequestParser(configuration: http)
        self.lastActivity = now
    }

    /// Bytes queued but not yet written.
    var queuedByteCount: Int { self.output.count + self.pendingAfterUpgrade.count }

    /// Whether the loop should read from the socket now.
    var wantsRead: Bool {
        if self.peerFinished { return false }
        switch self.phase {
        case .http, .draining: return true
        case .awaitingResponse, .upgrading: return false
        case .webSocket: return !self.inboundPaused && self.deferredClose == nil
        }
    }

    var isWebSocket: Bool {
        if case .webSocket = self.phase { return true }
        return false
    }

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
