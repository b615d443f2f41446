import CTandemSystem
import Foundation
import Glibc
import Wire

/// Reading, writing and closing connections on the loop thread: readiness events, the lifecycle's actions, the
/// per-iteration flush of dirty connections (one `writev(2)` each) and epoll registration.
extension EventLoop {
    func handle(events: UInt32, on connection: ServerConnection, now: ContinuousClock.Instant) {
        if events & EPOLLOUT.rawValue != 0 {
            self.flush(connection, now: now)
            guard self.connections[connection.id] != nil else { return }
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            if connection.wantsRead {
                self.readAvailable(connection, now: now)
            } else if events & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                self.teardown(connection)
            }
        }
    }

    func readAvailable(_ connection: ServerConnection, now: ContinuousClock.Instant) {
        guard let base = self.readBuffer.baseAddress else { return }
        for _ in 0..<4 {
            let count = recv(connection.fd, base, Self.readBufferSize, 0)
            if count > 0 {
                connection.lifecycle.bytesReceived(
                    startsRequest: connection.phase == .http && connection.parser.isIdle, now: now)
                self.metrics.bytesIn.increment(by: Int64(count))
                let bytes = UnsafeRawBufferPointer(start: base, count: count)
                self.received(bytes, on: connection, now: now)
                guard self.connections[connection.id] != nil, connection.wantsRead else { return }
                if count < Self.readBufferSize { return }
            } else if count == 0 {
                self.peerClosed(connection, now: now)
                return
            } else {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                self.metrics.error(.io)
                self.logger.debug("read failed", ["connection": connection.id, "errno": errno])
                self.teardown(connection)
                return
            }
        }
    }

    func received(
        _ bytes: UnsafeRawBufferPointer, on connection: ServerConnection, now: ContinuousClock.Instant
    ) {
        switch connection.phase {
        case .http:
            connection.parser.append(bytes)
            self.processHTTPInput(connection, now: now)
        case .webSocket:
            // After the close handshake (or a failure) input is no longer interpreted.
            guard connection.state?.phase != .closed else { return }
            connection.decoder?.append(bytes)
            self.processWebSocketInput(connection, now: now)
        case .draining, .closed:
            break
        case .awaitingResponse, .upgrading:
            connection.parser.append(bytes)
        }
    }

    /// EOF from the peer: close now, unless queued bytes (a response, a close frame) still need writing.
    func peerClosed(_ connection: ServerConnection, now: ContinuousClock.Instant) {
        let action = connection.lifecycle.peerEOF(queueEmpty: connection.output.isEmpty, now: now)
        self.perform(action, on: connection, now: now)
        self.updateInterest(connection)
    }

    /// Marks a connection for writing at the end of this loop iteration.
    func markDirty(_ connection: ServerConnection) {
        guard !connection.isDirty else { return }
        connection.isDirty = true
        self.dirty.append(connection)
    }

    func flushDirty(now: ContinuousClock.Instant) {
        while !self.dirty.isEmpty {
            let batch = self.dirty
            self.dirty = []
            for connection in batch {
                connection.isDirty = false
                guard self.connections[connection.id] != nil else { continue }
                self.flush(connection, now: now)
            }
        }
    }

    /// Writes as much of the queue as the socket takes (`writev(2)` over its chunks); drains the connection once it
    /// is empty and marked so.
    func flush(_ connection: ServerConnection, now: ContinuousClock.Instant) {
        while !connection.output.isEmpty {
            let written = connection.output.withIOVecs { vectors in
                writev(connection.fd, vectors.baseAddress, Int32(vectors.count))
            }
            if written > 0 {
                connection.output.consume(written)
                self.metrics.bytesOut.increment(by: Int64(written))
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                self.updateInterest(connection)
                return
            } else {
                self.metrics.error(.io)
                self.teardown(connection)
                return
            }
        }
        self.perform(connection.lifecycle.flushed(now: now), on: connection, now: now)
        self.updateInterest(connection)
    }

    /// Carries out one action of the connection's lifecycle.
    func perform(_ action: ConnectionLifecycle.Action, on connection: ServerConnection, now: ContinuousClock.Instant) {
        switch action {
        case .none:
            return
        case .shutdownWrite:
            // Half-close and wait for the peer's EOF, discarding input (RFC 9112 §9.6 "lingering close").
            self.finishSession(connection)
            shutdown(connection.fd, Int32(SHUT_WR))
        case .teardown:
            self.teardown(connection)
        case .closeWebSocket(let code, let reason):
            guard var state = connection.state else { return }
            let closing = state.close(code: code, reason: reason, now: now)
            connection.state = state
            self.perform(closing, on: connection, now: now)
        case .requestTimedOut:
            self.metrics.error(.requestTimeout)
            self.respond(
                .error(.requestTimeout), keepAlive: false, includeBody: true, on: connection, now: now,
                reason: "request_timeout")
        case .idleTimedOut:
            self.metrics.error(.idleTimeout)
            self.logger.debug("idle connection closed", ["connection": connection.id])
            self.teardown(connection)
        }
    }

    /// Closes the socket and forgets the connection, telling its session.
    func teardown(_ connection: ServerConnection) {
        guard self.connections.removeValue(forKey: connection.id) != nil else { return }
        connection.lifecycle.closed()
        self.finishSession(connection)
        epoll_ctl(self.epollFD, EPOLL_CTL_DEL, connection.fd, nil)
        Glibc.close(connection.fd)
        self.metrics.openConnections.add(-1)
        self.metrics.closedConnections.increment()
        if self.logger.isEnabled(.info) {
            let seconds = Double((ContinuousClock.now - connection.openedAt).milliseconds) / 1000
            if let code = connection.closeCode {
                self.logger.info(
                    "connection closed",
                    ["connection": connection.id, "peer": connection.remoteAddress, "seconds": seconds,
                     "requests": connection.requestCount, "websocket_close": Int(code.rawValue)])
            } else {
                self.logger.info(
                    "connection closed",
                    ["connection": connection.id, "peer": connection.remoteAddress, "seconds": seconds,
                     "requests": connection.requestCount])
            }
        }
    }

    /// Sends the session its single `closed` event.
    func finishSession(_ connection: ServerConnection) {
        guard let inbound = connection.inbound else { return }
        connection.inbound = nil
        self.metrics.openWebSockets.add(-1)
        inbound.yield(.closed(connection.closeCode ?? connection.state?.peerCloseCode ?? .abnormalClosure))
        inbound.finish()
    }

    /// Registers the epoll events the connection currently needs.
    func updateInterest(_ connection: ServerConnection) {
        guard self.connections[connection.id] != nil else { return }
        var events: UInt32 = 0
        if connection.wantsRead { events |= EPOLLIN.rawValue | EPOLLRDHUP.rawValue }
        if !connection.output.isEmpty { events |= EPOLLOUT.rawValue }
        guard events != connection.registeredEvents else { return }
        connection.registeredEvents = events
        self.register(connection.fd, id: connection.id, events: events, modify: true)
    }

    func register(_ fd: Int32, id: UInt64, events: UInt32, modify: Bool) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = id
        epoll_ctl(self.epollFD, modify ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event)
    }
}
