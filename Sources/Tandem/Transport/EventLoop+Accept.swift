import CTandemSystem
import Foundation
import Glibc
import Wire

/// Accepting connections, and pausing the listener when the process is out of descriptors (issue 19, #6: `EMFILE`
/// answered by a paused accept and a 503 for a few, never a busy loop).
extension EventLoop {
    func acceptConnections(now: ContinuousClock.Instant) {
        for _ in 0..<128 {
            let accepted: (fd: Int32, address: String)?
            do {
                accepted = try Socket.accept(self.listenFD)
            } catch {
                self.metrics.error(.accept)
                if AcceptThrottle.isExhaustion(error.errno) {
                    self.pauseAccepting(error, now: now)
                } else {
                    self.logger.error("accept failed", ["error": "\(error)"])
                }
                return
            }
            guard let (fd, address) = accepted else { return }
            self.acceptThrottle.accepted()
            guard self.connections.count < self.configuration.maxConnections, self.shutdownDeadline == nil else {
                self.metrics.error(.accept)
                self.logger.warn(
                    "connection refused",
                    ["peer": address, "reason": self.shutdownDeadline == nil ? "max_connections" : "shutting_down",
                     "limit": self.configuration.maxConnections])
                Glibc.close(fd)
                continue
            }
            let connection = ServerConnection(
                id: self.nextID, fd: fd, remoteAddress: address, http: self.configuration.http,
                timeouts: self.configuration.connectionTimeouts, now: now)
            self.nextID += 1
            self.connections[connection.id] = connection
            self.metrics.acceptedConnections.increment()
            self.metrics.openConnections.add(1)
            self.logger.info("connection opened", ["connection": connection.id, "peer": address])
            connection.registeredEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
            self.register(fd, id: connection.id, events: connection.registeredEvents, modify: false)
        }
    }

    /// Out of descriptors: refuse the connection at the head of the backlog with a 503 through the spare
    /// descriptor (so its client is answered instead of left hanging), then stop polling the listener for the
    /// throttle's backoff; the loop keeps serving open connections meanwhile.
    func pauseAccepting(_ error: Socket.Error, now: ContinuousClock.Instant) {
        if self.spareFD >= 0 {
            Glibc.close(self.spareFD)
            self.spareFD = -1
            // Every connection waiting now is refused, one descriptor at a time, so none is left hanging.
            for _ in 0..<Self.maxRefusalsPerPause {
                guard let (fd, address) = try? Socket.accept(self.listenFD) else { break }
                let refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                _ = refusal.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                Glibc.close(fd)
                self.metrics.error(.accept)
                self.logger.debug("connection refused", ["peer": address, "reason": "out_of_file_descriptors"])
            }
            self.spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        let until = self.acceptThrottle.exhausted(now: now)
        epoll_ctl(self.epollFD, EPOLL_CTL_DEL, self.listenFD, nil)
        if self.acceptThrottle.consecutivePauses == 1 {
            self.logger.warn(
                "accept paused", ["error": "\(error)", "connections": self.connections.count,
                                  "pause_ms": (until - now).milliseconds])
        }
    }

    /// The backoff is over: poll the listener again (not during shutdown, which closed it).
    func resumeAccepting(now: ContinuousClock.Instant) {
        self.acceptThrottle.resumed()
        guard self.listenFD >= 0, self.shutdownDeadline == nil else { return }
        self.register(self.listenFD, id: Self.listenerID, events: EPOLLIN.rawValue, modify: false)
        self.acceptConnections(now: now)
    }
}
