import CTandemSystem
import Glibc
import Wire

/// A small blocking WebSocket client (RFC 6455 client side) for tests and the benchmark load generator.
///
/// FoundationNetworking has no WebSocket client on Linux. This one does one connection per instance with blocking
/// calls and a receive timeout; call it from a thread (or `DispatchQueue`), not from the Swift concurrency pool.
/// Frames are masked as §5.3 requires; pings are answered automatically inside ``receive()``.
public final class WebSocketClient: @unchecked Sendable {
    /// What ``receive()`` returns.
    public enum Event: Hashable, Sendable {
        /// A complete message.
        case message(WebSocketMessage)
        /// The server's close frame (code nil if it had no body); the client has answered it.
        case closed(code: WebSocketCloseCode?, reason: String)
    }

    /// A connection or protocol failure.
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    private let fd: Int32
    private var decoder = WebSocketFrameDecoder(role: .client)
    private var assembler = WebSocketMessageAssembler()
    private var closed = false
    /// The 101 response's headers.
    public private(set) var responseHeaders = HTTPHeaders()

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        Glibc.close(self.fd)
    }

    /// Opens a TCP connection to `host:port` with a receive timeout; the building block of ``connect``.
    public static func openSocket(host: String, port: Int, timeout: Duration) throws(Error) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw Error(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Error(description: "socket: errno \(errno)") }
        let (seconds, attoseconds) = timeout.components
        var time = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), 1 /* TCP_NODELAY */, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Error(description: "connect \(host):\(port): errno \(code)")
        }
        return fd
    }

    /// Connects and performs the opening handshake (§4.1), checking `Sec-WebSocket-Accept`.
    public static func connect(
        host: String = "127.0.0.1", port: Int, path: String = "/", headers: HTTPHeaders = [:],
        timeout: Duration = .seconds(5)
    ) throws(Error) -> WebSocketClient {
        let fd = try self.openSocket(host: host, port: port, timeout: timeout)
        let client = WebSocketClient(fd: fd)
        let key = Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255) })
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for field in headers { request += "\(field.name): \(field.value)\r\n" }
        request += "\r\n"
        try client.write(Array(request.utf8))
        var head: [UInt8] = []
        while !head.ends(with: [13, 10, 13, 10]) {
            guard head.count < 16 << 10 else { throw Error(description: "response head too large") }
            var byte: UInt8 = 0
            guard recv(fd, &byte, 1, 0) == 1 else { throw Error(description: "connection closed during handshake") }
            head.append(byte)
        }
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\r\n")
        guard let status = lines.first, status.hasPrefix("HTTP/1.1 101") else {
            throw Error(description: "handshake refused: \(lines.first ?? "")")
        }
        var responseHeaders = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            responseHeaders.add(String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
        guard responseHeaders["Sec-WebSocket-Accept"] == WebSocketHandshake.acceptValue(forKey: key) else {
            throw Error(description: "bad Sec-WebSocket-Accept")
        }
        client.responseHeaders = responseHeaders
        return client
    }

    /// Sends a message as one masked frame.
    public func send(_ message: WebSocketMessage) throws(Error) {
        switch message {
        case .text(let text): try self.send(frame: WebSocketFrame(opcode: .text, payload: Array(text.utf8)))
        case .binary(let bytes): try self.send(frame: WebSocketFrame(opcode: .binary, payload: bytes))
        }
    }

    /// Sends any frame, masked with a random key (tests use this for fragments and control frames).
    public func send(frame: WebSocketFrame) throws(Error) {
        let random = UInt32.random(in: 0...UInt32.max)
        let key = (
            UInt8(truncatingIfNeeded: random), UInt8(truncatingIfNeeded: random >> 8),
            UInt8(truncatingIfNeeded: random >> 16), UInt8(truncatingIfNeeded: random >> 24)
        )
        try self.write(WebSocketFrameEncoder.encode(frame, maskingKey: key))
    }

    /// Writes raw bytes (tests use this for malformed frames).
    public func write(_ bytes: [UInt8]) throws(Error) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.send(self.fd, buffer.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else {
                if written < 0 && errno == EINTR { continue }
                throw Error(description: "send failed: errno \(errno)")
            }
            offset += written
        }
    }

    /// Waits for the next message or the server's close, answering pings and close frames on the way.
    ///
    /// - Throws: on timeout, EOF without a close frame, or a protocol violation by the server.
    public func receive() throws(Error) -> Event {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            do {
                while let frame = try self.decoder.nextFrame() {
                    switch frame.opcode {
                    case .ping:
                        try self.send(frame: WebSocketFrame(opcode: .pong, payload: frame.payload))
                    case .pong:
                        continue
                    case .close:
                        let code = frame.closeCode
                        let reason = String(decoding: frame.payload.dropFirst(2), as: UTF8.self)
                        if !self.closed {
                            self.closed = true
                            try? self.send(frame: .close(code: code))
                        }
                        return .closed(code: code, reason: reason)
                    default:
                        if let message = try self.assembler.push(frame) { return .message(message) }
                    }
                }
            } catch let error as WebSocketError {
                throw Error(description: "server protocol violation: \(error)")
            } catch let error as Error {
                throw error
            } catch {
                throw Error(description: "\(error)")
            }
            let count = recv(self.fd, &buffer, buffer.count, 0)
            if count > 0 {
                self.decoder.append(buffer[0..<count])
            } else if count == 0 {
                throw Error(description: "connection closed without a close frame")
            } else if errno != EINTR {
                throw Error(description: errno == EAGAIN ? "receive timed out" : "recv failed: errno \(errno)")
            }
        }
    }

    /// Starts the close handshake and waits for the server's close frame, skipping messages still in flight.
    @discardableResult
    public func close(
        code: WebSocketCloseCode = .normalClosure, reason: String = ""
    ) throws(Error) -> WebSocketCloseCode? {
        if !self.closed {
            self.closed = true
            try self.send(frame: .close(code: code, reason: reason))
        }
        while true {
            if case .closed(let code, _) = try self.receive() { return code }
        }
    }

    /// Closes the TCP connection without a close handshake (after ``close(code:reason:)`` or to simulate a crash).
    public func disconnect() {
        Glibc.shutdown(self.fd, Int32(SHUT_RDWR))
    }

    /// True when the server has closed the TCP connection (reads EOF), waiting at most the receive timeout.
    public func waitForEOF() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(self.fd, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 && errno != EINTR { return false }
        }
    }

    /// Sends raw bytes on a fresh TCP connection and returns everything the server sends until it closes.
    public static func exchange(
        host: String = "127.0.0.1", port: Int, bytes: [UInt8], timeout: Duration = .seconds(5)
    ) throws(Error) -> [UInt8] {
        let fd = try self.openSocket(host: host, port: port, timeout: timeout)
        let client = WebSocketClient(fd: fd)
        try client.write(bytes)
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                response.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                return response
            }
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        self.count >= suffix.count && Array(self[(self.count - suffix.count)...]) == suffix
    }
}
