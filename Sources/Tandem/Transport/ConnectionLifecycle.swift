import Wire

/// Where one server connection stands between accept and close, as a value type: the event loop reports what
/// happened (a request, a response written, an upgrade, the peer's EOF, the queue written, a tick) and carries out
/// the ``Action`` returned; the state machine never touches a socket, and time is passed in (issue 12).
///
/// The path is `http` → (`awaitingResponse` → `http`)* → `upgrading` → `webSocket` → `draining` → `closed`, with
/// `draining` reachable from every phase: after the last response or close frame is written the write side is shut
/// down and input is discarded until the peer's EOF or the close timeout, so the final bytes are not lost to a TCP
/// reset (RFC 9112 §9.6, "lingering close"). A connection that must close arms a hard deadline
/// (``hardDeadline``) so a peer that stops reading cannot hold it forever.
struct ConnectionLifecycle {
    /// Where the connection stands.
    enum Phase: Equatable {
        /// Waiting for (more of) a request.
        case http
        /// A handler is producing the response; reading is paused.
        case awaitingResponse
        /// The session factory of a WebSocket upgrade is running; reading is paused.
        case upgrading
        /// Frames flow.
        case webSocket
        /// Write side shut down (or about to be, once the queue is written); input is discarded until EOF or the
        /// deadline.
        case draining(deadline: ContinuousClock.Instant)
        /// Torn down.
        case closed
    }

    /// What the event loop must do.
    enum Action: Equatable {
        case none
        /// Tell the WebSocket session it is closed and `shutdown(SHUT_WR)` the socket (lingering close).
        case shutdownWrite
        /// Close the socket and forget the connection.
        case teardown
        /// Start the WebSocket close handshake with this code (the connection state decides the frame).
        case closeWebSocket(WebSocketCloseCode, reason: String)
        /// A request did not arrive in full within the request timeout: answer 408 and close.
        case requestTimedOut
        /// An HTTP connection was idle for the idle timeout: close it.
        case idleTimedOut
    }

    /// The timeouts of one connection (from ``ServerConfiguration``).
    struct Timeouts: Equatable {
        /// How long a closing connection may wait for its queue to drain and for the peer's EOF.
        var close: Duration
        /// How long an HTTP connection may wait, between requests, for the next one.
        var idle: Duration
        /// How long a request may take to arrive, from its first byte.
        var request: Duration
    }

    let timeouts: Timeouts
    /// How long a closing connection may wait for its queue to drain and for the peer's EOF.
    var closeTimeout: Duration { self.timeouts.close }
    private(set) var phase = Phase.http
    /// Whether the current response may be followed by another request.
    private(set) var keepAlive = true
    /// Drain once the write queue is empty.
    private(set) var closeAfterFlush = false
    /// Drop the connection at this instant even if the queue never empties (a peer that stopped reading).
    private(set) var hardDeadline: ContinuousClock.Instant?
    /// The peer sent EOF; close as soon as the queue is written.
    private(set) var peerFinished = false
    /// The write side was shut down.
    private(set) var writeShut = false
    /// Reading stopped because the session has too many unprocessed messages.
    private(set) var inboundPaused = false
    /// A close frame held back until the session has handled the messages delivered before it.
    private(set) var deferredClose: WebSocketFrame?
    /// A close the session asked for while its upgrade was pending; started right after the 101 response.
    private(set) var pendingClose: (code: WebSocketCloseCode, reason: String)?
    /// When bytes last arrived or a response or upgrade was written (the HTTP idle timeout counts from here).
    private(set) var lastActivity: ContinuousClock.Instant
    /// When the first byte of the request being received arrived (nil between requests).
    private(set) var requestStarted: ContinuousClock.Instant?

    /// A connection accepted at `now`, waiting for its first request.
    init(timeouts: Timeouts, now: ContinuousClock.Instant) {
        self.timeouts = timeouts
        self.lastActivity = now
    }

    /// Whether the loop should read from the socket now.
    var wantsRead: Bool {
        if self.peerFinished { return false }
        switch self.phase {
        case .http, .draining: return true
        case .awaitingResponse, .upgrading, .closed: return false
        case .webSocket: return !self.inboundPaused && self.deferredClose == nil
        }
    }

    /// Whether frames flow.
    var isWebSocket: Bool { self.phase == .webSocket }

    // MARK: HTTP

    /// Bytes arrived; `startsRequest` when they are the first of a request (the parser was idle, in `http`).
    mutating func bytesReceived(startsRequest: Bool, now: ContinuousClock.Instant) {
        self.lastActivity = now
        if startsRequest && self.phase == .http { self.requestStarted = now }
    }

    /// A request was parsed; `keepAlive` is whether it (and the server) allows another one after it, `morePending`
    /// whether bytes of a next request are already buffered (its request timeout starts now).
    mutating func requestReceived(keepAlive: Bool, morePending: Bool = false, now: ContinuousClock.Instant) {
        self.keepAlive = keepAlive
        self.requestStarted = morePending ? now : nil
    }

    /// A handler runs for the request: stop reading until its response.
    mutating func handlerStarted() {
        guard self.phase == .http else { return }
        self.phase = .awaitingResponse
    }

    /// A WebSocket upgrade's session factory runs: stop reading until it is done.
    mutating func upgradeStarted() {
        guard self.phase == .http else { return }
        self.phase = .upgrading
    }

    /// A response is queued. Returns whether the connection reads another request after it (`keepAlive` of the
    /// response and of the request); if not, it drains once the response is written, within the close timeout.
    mutating func responded(keepAlive: Bool, now: ContinuousClock.Instant) -> Bool {
        self.lastActivity = now
        let keep = keepAlive && self.keepAlive
        if keep {
            self.phase = .http
        } else {
            self.phase = .draining(deadline: now + self.closeTimeout)
            self.closeAfterFlush = true
            self.hardDeadline = now + self.closeTimeout
        }
        return keep
    }

    /// The 101 response is queued and frames flow. Returns the close to start right away: one the session asked
    /// for during the upgrade, else 1001 when the server is shutting down.
    mutating func upgraded(shuttingDown: Bool, now: ContinuousClock.Instant) -> Action {
        self.lastActivity = now
        self.phase = .webSocket
        let requested = self.pendingClose
        self.pendingClose = nil
        if let (code, reason) = requested { return .closeWebSocket(code, reason: reason) }
        if shuttingDown { return .closeWebSocket(.goingAway, reason: "server shutting down") }
        return .none
    }

    // MARK: WebSocket

    /// The session asked to close: held until the 101 while upgrading, else started now.
    mutating func closeRequested(code: WebSocketCloseCode, reason: String) -> Action {
        switch self.phase {
        case .upgrading:
            self.pendingClose = (code, reason)
            return .none
        case .webSocket:
            return .closeWebSocket(code, reason: reason)
        case .http, .awaitingResponse, .draining, .closed:
            return .none
        }
    }

    /// The final frame (our close) is queued, or the connection must end: drain once the queue is written, within
    /// the close timeout (a deadline already armed stays).
    mutating func closeAfterWriting(now: ContinuousClock.Instant) {
        self.closeAfterFlush = true
        self.hardDeadline = self.hardDeadline ?? now + self.closeTimeout
    }

    /// The peer's close (or a protocol failure) arrived while the session may still answer earlier messages: hold
    /// `frame` until it has caught up (``sessionDrained()``); reading stops meanwhile, the close timeout bounds it.
    mutating func deferClose(_ frame: WebSocketFrame, now: ContinuousClock.Instant) {
        self.deferredClose = frame
        self.hardDeadline = self.hardDeadline ?? now + self.closeTimeout
    }

    /// The session handled every message delivered before the close: the held close frame to send now, if any.
    mutating func sessionDrained() -> WebSocketFrame? {
        defer { self.deferredClose = nil }
        return self.deferredClose
    }

    /// A reader fell behind (its queue passed the limit): its close frame is queued; end within the close timeout
    /// from now, whatever deadline was armed.
    mutating func slowReader(now: ContinuousClock.Instant) {
        self.closeAfterFlush = true
        self.hardDeadline = now + self.closeTimeout
    }

    /// The session has too many unprocessed messages: stop reading.
    mutating func pauseReading() {
        self.inboundPaused = true
    }

    /// The session caught up: read again.
    mutating func resumeReading() {
        self.inboundPaused = false
    }

    // MARK: I/O and time

    /// The peer sent EOF. With nothing left to write the connection ends now; else it ends once the queue is
    /// written (or at the close timeout).
    mutating func peerEOF(queueEmpty: Bool, now: ContinuousClock.Instant) -> Action {
        guard !queueEmpty else { return self.closed() }
        self.peerFinished = true
        self.closeAfterWriting(now: now)
        return .none
    }

    /// The write queue is empty: shut the write side down (or end, if the peer already finished) when closing.
    mutating func flushed(now: ContinuousClock.Instant) -> Action {
        guard self.closeAfterFlush else { return .none }
        if self.peerFinished { return self.closed() }
        guard !self.writeShut else { return .none }
        self.phase = .draining(deadline: now + self.closeTimeout)
        self.closeAfterFlush = false
        self.writeShut = true
        return .shutdownWrite
    }

    /// The once-a-second check: `teardown` past the hard deadline or the end of draining; in `http`, the request
    /// timeout (`requestInProgress`: the parser holds part of a request) and then the idle timeout. A WebSocket's
    /// keepalive is its connection state's own tick.
    mutating func tick(now: ContinuousClock.Instant, requestInProgress: Bool) -> Action {
        if let deadline = self.hardDeadline, now >= deadline { return self.closed() }
        switch self.phase {
        case .draining(let deadline):
            if now >= deadline { return self.closed() }
        case .http:
            if let started = self.requestStarted, requestInProgress, now - started >= self.timeouts.request {
                return .requestTimedOut
            }
            if now - self.lastActivity >= self.timeouts.idle { return .idleTimedOut }
        case .awaitingResponse, .upgrading, .webSocket, .closed:
            break
        }
        return .none
    }

    /// The server began shutting down: an idle HTTP connection ends now, a request in progress gets its response
    /// and then the connection closes, a WebSocket starts the close handshake with 1001.
    mutating func shutdownBegan(requestInProgress: Bool) -> Action {
        switch self.phase {
        case .http:
            guard requestInProgress else { return self.closed() }
            self.keepAlive = false
            return .none
        case .awaitingResponse, .upgrading:
            self.keepAlive = false
            return .none
        case .webSocket:
            return .closeWebSocket(.goingAway, reason: "server shutting down")
        case .draining, .closed:
            return .none
        }
    }

    /// The connection is gone (the loop tore it down, for any reason).
    @discardableResult
    mutating func closed() -> Action {
        self.phase = .closed
        self.closeAfterFlush = false
        self.hardDeadline = nil
        self.deferredClose = nil
        self.pendingClose = nil
        return .teardown
    }
}
