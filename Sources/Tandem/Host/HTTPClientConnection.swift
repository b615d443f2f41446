import Glibc
import Wire

/// One blocking-style HTTP/1.1 connection to an upstream, driven with `poll` so every wait has a deadline.
///
/// Used only on ``HTTPClient``'s dispatch queue, never on the Swift concurrency pool. The descriptor is
/// non-blocking and close-on-exec; connect tries every address `getaddrinfo` returns (`localhost` may resolve to
/// `::1` first while Open WebUI listens on `127.0.0.1` only).
final class HTTPClientConnection: @unchecked Sendable {
    let fd: Int32
    /// `host:port`, the pool key.
    let key: String
    private var parser: HTTPResponseParser
    /// Responses completed on this connection (0 = fresh).
    private(set) var exchanges = 0
    /// When the connection went back to the pool.
    var idleSince: ContinuousClock.Instant = .now

    private init(fd: Int32, key: String, parser: HTTPResponseParser) {
        self.fd = fd
        self.key = key
        self.parser = parser
    }

    deinit {
        Glibc.close(self.fd)
    }

    /// Connects to `host:port`, giving up at `deadline`.
    static func open(
        host: String, port: Int, deadline: ContinuousClock.Instant, parser: HTTPResponseParser
    ) throws(HTTPClientError) -> HTTPClientConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            throw .connectFailed("cannot resolve \(host)")
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address for \(host)"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else {
                lastError = "socket: errno \(errno)"
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                return HTTPClientConnection(fd: fd, key: "\(host):\(port)", parser: parser)
            }
            guard errno == EINPROGRESS else {
                lastError = "\(host):\(port): \(String(cString: strerror(errno)))"
                Glibc.close(fd)
                continue
            }
            guard Self.wait(fd, events: POLLOUT, until: deadline) else {
                Glibc.close(fd)
                throw .timedOut("connecting to \(host):\(port)")
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code == 0 { return HTTPClientConnection(fd: fd, key: "\(host):\(port)", parser: parser) }
            lastError = "\(host):\(port): \(String(cString: strerror(code)))"
            Glibc.close(fd)
        }
        throw .connectFailed(lastError)
    }

    /// Waits until `fd` is ready for `events` or `deadline` passes; false on timeout.
    private static func wait(_ fd: Int32, events: Int32, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return false }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: Int16(events), revents: 0)
            let ready = Glibc.poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { return true }  // let the following call report the error
        }
    }

    /// Sends `bytes` and reads one response to `method`, all before `deadline`.
    func exchange(
        _ bytes: [UInt8], method: HTTPMethod, deadline: ContinuousClock.Instant
    ) throws(HTTPClientError) -> HTTPReceivedResponse {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.send(self.fd, buffer.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
                continue
            }
            let code = errno
            if written < 0 && (code == EAGAIN || code == EWOULDBLOCK || code == EINTR) {
                guard Self.wait(self.fd, events: POLLOUT, until: deadline) else { throw .timedOut("sending request") }
                continue
            }
            throw .connectionClosed("send: \(String(cString: strerror(code)))")
        }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var received = 0
        while true {
            do {
                if let response = try self.parser.nextResponse(to: method) {
                    self.exchanges += 1
                    return response
                }
            } catch {
                throw .invalidResponse(error)
            }
            let count = recv(self.fd, &buffer, buffer.count, 0)
            if count > 0 {
                received += count
                self.parser.append(buffer[0..<count])
                continue
            }
            if count == 0 {
                do {
                    if let response = try self.parser.finish() {
                        self.exchanges += 1
                        return response
                    }
                } catch {
                    if received == 0 { throw .connectionClosed("EOF before any response byte") }
                    throw .invalidResponse(error)
                }
                throw .connectionClosed("EOF before any response byte")
            }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR {
                guard Self.wait(self.fd, events: POLLIN, until: deadline) else { throw .timedOut("waiting for response") }
                continue
            }
            if received == 0 { throw .connectionClosed("recv: \(String(cString: strerror(code)))") }
            throw .invalidResponse(.truncatedBody)
        }
    }

    /// Whether the idle connection still looks usable: no unexpected bytes and no EOF waiting.
    var looksReusable: Bool {
        var descriptor = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
        return Glibc.poll(&descriptor, 1, 0) == 0 && self.parser.isIdle
    }
}
