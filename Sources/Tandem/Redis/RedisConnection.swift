import CTandemSystem
import Foundation
import Glibc
import Wire

/// One Redis socket served by its own thread: pipelined requests in, replies matched in order, pushes out.
///
/// The transport's epoll loop serves clients; Redis is one or two long-lived sockets per process, so a dedicated
/// thread blocking in `poll(2)` is simpler than sharing the loop and costs nothing measurable. Callers append
/// encoded commands and a pending entry under one lock, so the order of the write buffer and of the pending queue
/// always agree, and the thread resumes each caller when its replies have arrived (RESP replies come back in
/// command order). A reply overdue past its deadline closes the connection: a late reply could no longer be
/// matched, and Redis clients (redis-py, hiredis) do the same on a socket timeout.
///
/// On a subscriber connection (`pushHandler` set) pub/sub frames (`message`, `pmessage`, `subscribe`, …, RESP3 `>`)
/// go to the handler on the connection thread, in order; other replies still go to pending requests.
final class RedisConnection: @unchecked Sendable {
    typealias Reply = Result<[RESPValue], RedisError>

    private struct Pending {
        var expected: Int
        var values: [RESPValue]
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Reply, Never>
    }

    private static let readSize = 64 << 10

    private let fd: Int32
    private let wakeFD: Int32
    private let limits: RESPDecoder.Limits
    private let pushHandler: (@Sendable (RESPValue) -> Void)?
    private let lock = NSLock()
    // Guarded by `lock`.
    private var outbox: [UInt8] = []
    private var pending: [Pending] = []
    private var pendingHead = 0
    private var closing = false
    private var failure: RedisError?
    private var closeWaiters: [CheckedContinuation<RedisError, Never>] = []

    private init(fd: Int32, wakeFD: Int32, limits: RESPDecoder.Limits, pushHandler: (@Sendable (RESPValue) -> Void)?) {
        self.fd = fd
        self.wakeFD = wakeFD
        self.limits = limits
        self.pushHandler = pushHandler
    }

    /// Opens the socket on a new thread, which then serves the connection until it fails or is closed.
    static func open(
        _ address: RedisEndpoint.Address, connectTimeout: Duration, limits: RESPDecoder.Limits,
        pushHandler: (@Sendable (RESPValue) -> Void)? = nil
    ) async throws(RedisError) -> RedisConnection {
        let result: Result<RedisConnection, RedisError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                let opened = RedisSocket.connect(address, timeout: connectTimeout)
                switch opened {
                case .failure(let error):
                    continuation.resume(returning: .failure(error))
                case .success(let fd):
                    let wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
                    guard wakeFD >= 0 else {
                        Glibc.close(fd)
                        continuation.resume(returning: .failure(.connectFailed("eventfd: errno \(errno)")))
                        return
                    }
                    let connection = RedisConnection(fd: fd, wakeFD: wakeFD, limits: limits, pushHandler: pushHandler)
                    // Publish the fields written by `init` through the lock every later access takes, so callers on
                    // other threads see them ordered by the lock itself, not only by the continuation's hand-off
                    // (ThreadSanitizer reported the init writes against the first locked read).
                    connection.lock.withLock {}
                    continuation.resume(returning: .success(connection))
                    connection.run()
                }
            }
            thread.name = "tandem-redis"
            thread.stackSize = 1 << 20
            thread.start()
        }
        return try result.get()
    }

    /// Sends encoded commands and waits for `replies` replies, or a failure; `deadline` bounds the wait.
    ///
    /// Fails with ``RedisError/notConnected(_:)`` without sending anything when the connection is already closed,
    /// so the caller may safely retry on a new connection.
    func request(_ bytes: [UInt8], replies: Int, deadline: ContinuousClock.Instant) async -> Reply {
        await withCheckedContinuation { continuation in
            let refused: RedisError? = self.lock.withLock {
                if let failure = self.failure { return .notConnected("\(failure)") }
                if self.closing { return .notConnected("closed by client") }
                self.outbox.append(contentsOf: bytes)
                self.pending.append(Pending(expected: replies, values: [], deadline: deadline, continuation: continuation))
                return nil
            }
            if let refused {
                continuation.resume(returning: .failure(refused))
            } else {
                self.wake()
            }
        }
    }

    /// Sends encoded commands whose replies arrive as pushes (SUBSCRIBE and friends on a subscriber connection).
    func write(_ bytes: [UInt8]) {
        let accepted = self.lock.withLock {
            guard self.failure == nil, !self.closing else { return false }
            self.outbox.append(contentsOf: bytes)
            return true
        }
        if accepted { self.wake() }
    }

    /// Asks the thread to close the socket; in-flight requests fail with ``RedisError/connectionLost(_:)``.
    func close() {
        self.lock.withLock { self.closing = true }
        self.wake()
    }

    /// Waits until the connection has failed or been closed, and returns why.
    func waitUntilClosed() async -> RedisError {
        await withCheckedContinuation { continuation in
            let failure: RedisError? = self.lock.withLock {
                if let failure = self.failure { return failure }
                self.closeWaiters.append(continuation)
                return nil
            }
            if let failure { continuation.resume(returning: failure) }
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(self.wakeFD, &one, 8)
    }

    // MARK: The connection thread

    private func run() {
        var decoder = RESPDecoder(limits: self.limits)
        var writeBuffer: [UInt8] = []
        var written = 0
        var readBuffer = [UInt8](repeating: 0, count: Self.readSize)
        var reason = RedisError.connectionLost("closed by client")
        loop: while true {
            let (closing, deadline) = self.lock.withLock { () -> (Bool, ContinuousClock.Instant?) in
                writeBuffer.append(contentsOf: self.outbox)
                self.outbox.removeAll(keepingCapacity: true)
                let deadline = self.pending[self.pendingHead...].lazy.map(\.deadline).min()
                return (self.closing, deadline)
            }
            if closing { break loop }
            if let deadline, deadline <= .now {
                reason = .timeout
                break loop
            }
            while written < writeBuffer.count {
                let count = writeBuffer.withUnsafeBytes { buffer in
                    Glibc.send(self.fd, buffer.baseAddress.map { $0 + written }, writeBuffer.count - written, Int32(MSG_NOSIGNAL))
                }
                if count > 0 {
                    written += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    break
                } else {
                    reason = .connectionLost("send: errno \(errno)")
                    break loop
                }
            }
            if written == writeBuffer.count {
                writeBuffer.removeAll(keepingCapacity: writeBuffer.capacity <= 1 << 20)
                written = 0
            }
            var fds = [
                pollfd(fd: self.fd, events: Int16(POLLIN) | (written < writeBuffer.count ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: self.wakeFD, events: Int16(POLLIN), revents: 0),
            ]
            let timeout = deadline.map { Int32(clamping: max(0, ($0 - .now).milliseconds)) } ?? -1
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR {
                reason = .connectionLost("poll: errno \(errno)")
                break loop
            }
            if fds[1].revents != 0 {
                var value: UInt64 = 0
                _ = Glibc.read(self.wakeFD, &value, 8)
            }
            guard fds[0].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 else { continue }
            let count = recv(self.fd, &readBuffer, readBuffer.count, 0)
            if count == 0 {
                reason = .connectionLost("closed by server")
                break loop
            }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
                reason = .connectionLost("recv: errno \(errno)")
                break loop
            }
            decoder.append(readBuffer[0..<count])
            do {
                while let value = try decoder.next() {
                    if let violation = self.deliver(value) {
                        reason = violation
                        break loop
                    }
                }
            } catch {
                reason = .protocolViolation("\(error)")
                break loop
            }
        }
        self.finish(reason)
    }

    /// Hands a reply to its request or a push to the handler; returns an error for a reply nobody asked for.
    private func deliver(_ value: RESPValue) -> RedisError? {
        if let pushHandler = self.pushHandler, Self.isPush(value) {
            pushHandler(value)
            return nil
        }
        let completed: (CheckedContinuation<Reply, Never>, [RESPValue])? = self.lock.withLock {
            guard self.pendingHead < self.pending.count else { return nil }
            self.pending[self.pendingHead].values.append(value)
            let head = self.pending[self.pendingHead]
            guard head.values.count == head.expected else { return (head.continuation, []) }
            self.pendingHead += 1
            if self.pendingHead == self.pending.count {
                self.pending.removeAll(keepingCapacity: true)
                self.pendingHead = 0
            } else if self.pendingHead >= 1024 {
                self.pending.removeFirst(self.pendingHead)
                self.pendingHead = 0
            }
            return (head.continuation, head.values)
        }
        guard let (continuation, values) = completed else {
            return .protocolViolation("a reply arrived with no command waiting for it")
        }
        if !values.isEmpty { continuation.resume(returning: .success(values)) }
        return nil
    }

    /// Whether a value is a pub/sub frame rather than a command reply (RESP2 arrays named by their first element).
    static func isPush(_ value: RESPValue) -> Bool {
        switch value {
        case .push: return true
        case .array(let elements?):
            guard let kind = elements.first?.bytesValue else { return false }
            switch String(decoding: kind, as: UTF8.self) {
            case "message", "pmessage", "smessage", "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "pong":
                return true
            default:
                return false
            }
        default:
            return false
        }
    }

    private func finish(_ reason: RedisError) {
        Glibc.close(self.fd)
        Glibc.close(self.wakeFD)
        let (pending, waiters) = self.lock.withLock {
            self.failure = reason
            let pending = Array(self.pending[self.pendingHead...])
            self.pending = []
            self.pendingHead = 0
            self.outbox = []
            defer { self.closeWaiters = [] }
            return (pending, self.closeWaiters)
        }
        let now = ContinuousClock.now
        for entry in pending {
            let error: RedisError = reason == .timeout && entry.deadline > now ? .connectionLost("another command timed out") : reason
            entry.continuation.resume(returning: .failure(error))
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }
}
