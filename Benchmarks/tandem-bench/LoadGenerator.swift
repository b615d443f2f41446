import CTandemSystem
import Foundation
import Wire

/// The `scale` suite's load generator: many WebSocket client connections on non-blocking sockets driven by one epoll
/// loop on the calling thread, so 1,500 clients cost one thread and the generator stays far from being the
/// bottleneck of a measurement (a thread per client, as the older suites use, spends most of two cores on
/// scheduling at this size).
///
/// Frames are read as a stream: a frame up to ``keepLimit`` bytes is handed to the scenario whole, a larger one (a
/// 20 MB sync step 2) only as its first bytes and its length, so 150 clients of a 20 MB document do not hold 3 GB in
/// the bench process. Client frames are masked with a zero key (valid per RFC 6455 §5.3, and free).
final class LoadGenerator {
    /// What the generator reports to a scenario.
    enum Event {
        /// The upgrade was answered with 101.
        case open(LoadConnection)
        /// A complete frame: opcode, its payload (or its first bytes, for frames above the keep limit), full length.
        case message(LoadConnection, opcode: UInt8, payload: [UInt8], length: Int)
        /// The connection failed or was closed by the server.
        case closed(LoadConnection, reason: String)
    }

    let port: Int
    /// Frames up to this size are delivered whole; larger ones as their first 64 bytes.
    var keepLimit = 1 << 20
    private let epollFD: Int32
    private var connections: [Int32: LoadConnection] = [:]
    private var readBuffer = [UInt8](repeating: 0, count: 1 << 18)
    private var nextID = 0

    init(port: Int) throws {
        self.port = port
        self.epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard self.epollFD >= 0 else { throw BenchError("epoll_create1 failed: errno \(errno)") }
    }

    deinit {
        for connection in self.connections.values { Glibc.close(connection.fd) }
        Glibc.close(self.epollFD)
    }

    /// Open connections (connecting, upgrading or open).
    var count: Int { self.connections.count }

    /// Starts a non-blocking connect (to `port`, else the generator's) and queues the upgrade request for `path`.
    @discardableResult
    func open(path: String, engineIO: Bool = false, port: Int? = nil) throws -> LoadConnection {
        let port = port ?? self.port
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else {
            let code = errno
            Glibc.close(fd)
            throw BenchError("connect failed: errno \(code)")
        }
        self.nextID += 1
        let connection = LoadConnection(fd: fd, id: self.nextID, engineIO: engineIO)
        connection.startedAt = DispatchTime.now().uptimeNanoseconds
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        connection.output.append(contentsOf: request.utf8)
        self.connections[fd] = connection
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue
        event.data.fd = fd
        epoll_ctl(self.epollFD, EPOLL_CTL_ADD, fd, &event)
        connection.watchingWrites = true
        return connection
    }

    /// Queues one masked frame and writes what the socket takes now.
    func send(_ connection: LoadConnection, opcode: WebSocketOpcode, _ payload: [UInt8]) {
        guard !connection.closed else { return }
        connection.output += WebSocketFrameEncoder.header(
            fin: true, opcode: opcode, payloadLength: payload.count, maskingKey: (0, 0, 0, 0))
        connection.output += payload
        self.flush(connection)
    }

    func send(_ connection: LoadConnection, text: String) { self.send(connection, opcode: .text, Array(text.utf8)) }

    /// Closes a connection without a close handshake (the server sees the socket end).
    func close(_ connection: LoadConnection) {
        guard !connection.closed else { return }
        connection.closed = true
        epoll_ctl(self.epollFD, EPOLL_CTL_DEL, connection.fd, nil)
        Glibc.close(connection.fd)
        self.connections[connection.fd] = nil
    }

    func closeAll() {
        for connection in Array(self.connections.values) { self.close(connection) }
    }

    /// Runs the loop, handing every event to `handler`, until `done()` holds or `timeout` seconds pass.
    /// - Returns: whether `done()` held.
    @discardableResult
    func run(timeout: Double, until done: () -> Bool, _ handler: (Event) -> Void) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        let maxEvents: Int32 = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(maxEvents))
        defer { events.deallocate() }
        while !done() {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return false }
            let wait = Int32(min(100, (deadline - now) / 1_000_000 + 1))
            let count = epoll_wait(self.epollFD, events, maxEvents, wait)
            if count < 0 && errno != EINTR { return false }
            for index in 0..<Int(max(count, 0)) {
                let event = events[index]
                guard let connection = self.connections[event.data.fd] else { continue }
                if event.events & EPOLLOUT.rawValue != 0 { self.flush(connection) }
                if event.events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                    self.read(connection, handler)
                }
            }
        }
        return true
    }

    /// Runs the loop for `seconds`, handling events (pings are answered).
    func pump(seconds: Double, _ handler: (Event) -> Void = { _ in }) {
        self.run(timeout: seconds, until: { false }, handler)
    }

    private func flush(_ connection: LoadConnection) {
        while connection.outputIndex < connection.output.count {
            let written = connection.output.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.send(connection.fd, base + connection.outputIndex, buffer.count - connection.outputIndex,
                                  Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                connection.outputIndex += written
            } else {
                break
            }
        }
        if connection.outputIndex == connection.output.count {
            connection.output.removeAll(keepingCapacity: connection.output.count < 4096)
            connection.outputIndex = 0
        }
        let wantsWrites = connection.outputIndex < connection.output.count
        if wantsWrites != connection.watchingWrites, !connection.closed {
            connection.watchingWrites = wantsWrites
            var event = epoll_event()
            event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (wantsWrites ? EPOLLOUT.rawValue : 0)
            event.data.fd = connection.fd
            epoll_ctl(self.epollFD, EPOLL_CTL_MOD, connection.fd, &event)
        }
    }

    private func read(_ connection: LoadConnection, _ handler: (Event) -> Void) {
        while !connection.closed {
            let count = self.readBuffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                self.close(connection)
                handler(.closed(connection, reason: count == 0 ? "closed by server" : "errno \(errno)"))
                return
            }
            guard count > 0 else { return }
            var messages: [(UInt8, [UInt8], Int)] = []
            let opened: Bool
            do {
                opened = try self.readBuffer.withUnsafeBufferPointer {
                    try connection.feed(UnsafeBufferPointer(rebasing: $0[0..<count]), keepLimit: self.keepLimit) {
                        messages.append(($0, $1, $2))
                    }
                }
            } catch {
                self.close(connection)
                handler(.closed(connection, reason: "\(error)"))
                return
            }
            if opened {
                connection.openedAt = DispatchTime.now().uptimeNanoseconds
                handler(.open(connection))
            }
            for (opcode, payload, length) in messages {
                if opcode == WebSocketOpcode.ping.rawValue {
                    self.send(connection, opcode: .pong, payload)
                } else if connection.engineIO, opcode == WebSocketOpcode.text.rawValue, payload == [0x32] {
                    self.send(connection, text: "3")  // Engine.IO ping → pong
                } else {
                    handler(.message(connection, opcode: opcode, payload: payload, length: length))
                }
            }
            if count < self.readBuffer.count { return }
        }
    }
}
