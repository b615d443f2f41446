import Dispatch
import Testing
import Wire
@testable import Tandem

/// Client receive timeout: generous, because CPU-heavy suites running in parallel can starve the concurrency pool
/// that the server's handlers run on.
let testTimeout: Duration = .seconds(120)

/// Runs blocking client code off the Swift concurrency pool (the server's handlers need that pool).
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Starts a server on a free loopback port, runs `body`, then shuts the server down and waits for it.
func withServer(
    configure: (inout ServerConfiguration) -> Void = { _ in }, router: Router = Router(), logger: Logger = .disabled,
    _ body: @Sendable (Server) async throws -> Void
) async throws {
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.echo = true
    configuration.shutdownGracePeriod = .seconds(2)
    configure(&configuration)
    let server = try Server(configuration: configuration, router: router, logger: logger)
    let running = Task { await server.run() }
    do {
        try await body(server)
    } catch {
        server.shutdown()
        await running.value
        throw error
    }
    server.shutdown()
    await running.value
}

private func httpText(port: Int, _ request: String) async throws -> String {
    let bytes = try await blocking { try WebSocketClient.exchange(port: port, bytes: Array(request.utf8), timeout: testTimeout) }
    return String(decoding: bytes, as: UTF8.self)
}

@Suite("Loopback server", .serialized)
struct LoopbackTests {
    @Test("GET /healthz answers 200 with JSON; unknown paths 404; HEAD has no body")
    func healthAndNotFound() async throws {
        try await withServer { server in
            let health = try await httpText(port: server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(health.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(health.contains("\"status\":\"ok\""))
            let missing = try await httpText(port: server.port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(missing.hasPrefix("HTTP/1.1 404 "))
            let head = try await httpText(port: server.port, "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.hasSuffix("\r\n\r\n"))
        }
    }

    @Test("A request that never completes gets 408 after the request timeout")
    func slowloris() async throws {
        try await withServer(configure: { $0.requestTimeout = .milliseconds(500) }) { server in
            let response = try await httpText(port: server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            #expect(response.hasPrefix("HTTP/1.1 408 "))
            #expect(server.serverMetrics.errorCount(.requestTimeout) == 1)
        }
    }

    @Test("Pipelined keep-alive requests are answered in order on one connection")
    func pipelining() async throws {
        try await withServer { server in
            let text = try await httpText(port: server.port,
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let first = try #require(text.range(of: "HTTP/1.1 200 OK\r\n"))
            let second = try #require(text.range(of: "HTTP/1.1 404 Not Found\r\n"))
            #expect(first.lowerBound < second.lowerBound)
        }
    }

    @Test("Malformed HTTP gets its status, and the server keeps serving", arguments: MalformedCase.all)
    func malformedHTTP(_ testCase: MalformedCase) async throws {
        try await withServer { server in
            let response = try await httpText(port: server.port, testCase.request)
            #expect(response.hasPrefix("HTTP/1.1 \(testCase.status) "), "\(response.prefix(40))")
            let health = try await httpText(port: server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(health.hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test("The echo endpoint echoes text, binary and fragmented messages, and closes cleanly")
    func echo() async throws {
        try await withServer { server in
            let port = server.port
            try await blocking {
                let client = try WebSocketClient.connect(port: port, path: "/echo", timeout: testTimeout)
                try client.send(.text("héllo"))
                #expect(try client.receive() == .message(.text("héllo")))
                let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
                try client.send(.binary(big))
                #expect(try client.receive() == .message(.binary(big)))
                try client.send(frame: WebSocketFrame(fin: false, opcode: .text, payload: Array("frag".utf8)))
                try client.send(frame: WebSocketFrame(opcode: .ping, payload: [9]))
                try client.send(frame: WebSocketFrame(opcode: .continuation, payload: Array("ment".utf8)))
                #expect(try client.receive() == .message(.text("fragment")))
                #expect(try client.close() == .normalClosure)
                #expect(client.waitForEOF())
            }
        }
    }

    @Test("A bad frame closes that connection with 1002 while another connection keeps echoing")
    func badFrameIsolated() async throws {
        try await withServer { server in
            let port = server.port
            try await blocking {
                let good = try WebSocketClient.connect(port: port, path: "/echo", timeout: testTimeout)
                let bad = try WebSocketClient.connect(port: port, path: "/echo", timeout: testTimeout)
                try bad.write([0x81, 0x01, 0x41])   // unmasked client frame
                #expect(try bad.receive() == .closed(code: .protocolError, reason: ""))
                #expect(bad.waitForEOF())
                let invalidUTF8 = try WebSocketClient.connect(port: port, path: "/echo", timeout: testTimeout)
                try invalidUTF8.send(frame: WebSocketFrame(opcode: .text, payload: [0xC0, 0xAF]))
                #expect(try invalidUTF8.receive() == .closed(code: .invalidFramePayloadData, reason: ""))
                try good.send(.text("still here"))
                #expect(try good.receive() == .message(.text("still here")))
            }
            #expect(server.serverMetrics.errorCount(.websocketProtocol) == 2)
        }
    }

    @Test("Replies to messages before a protocol error are sent before the 1002 close")
    func repliesPrecedeFailureClose() async throws {
        try await withServer { server in
            let port = server.port
            try await blocking {
                let client = try WebSocketClient.connect(port: port, path: "/echo", timeout: testTimeout)
                let valid = WebSocketFrameEncoder.encode(
                    WebSocketFrame(opcode: .text, payload: Array("first".utf8)), maskingKey: (1, 2, 3, 4))
                try client.write(valid + [0x81 | 0x40, 0x80, 0, 0, 0, 0])   // then a frame with RSV1 set
                #expect(try client.receive() == .message(.text("first")))
                #expect(try client.receive() == .closed(code: .protocolError, reason: ""))
            }
        }
    }

    @Test("Shutdown closes WebSockets with 1001 and runs the shutdown hooks")
    func gracefulShutdown() async throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.echo = true
        let server = try Server(configuration: configuration, router: Router(), logger: .disabled)
        let hookRan = HookFlag()
        server.onShutdown { hookRan.set() }
        let running = Task { await server.run() }
        let port = server.port
        let client = try await blocking { try WebSocketClient.connect(port: port, path: "/echo", timeout: testTimeout) }
        server.shutdown()
        let event = try await blocking {
            defer { client.disconnect() }
            return try client.receive()
        }
        #expect(event == .closed(code: .goingAway, reason: "server shutting down"))
        await running.value
        #expect(hookRan.value)
    }
}

final class HookFlag: @unchecked Sendable {
    private let lock = NSLockBox()
    private var flag = false
    func set() { self.lock.run { self.flag = true } }
    var value: Bool { self.lock.run { self.flag } }
}

import Foundation

final class NSLockBox: @unchecked Sendable {
    private let lock = NSLock()
    func run<T>(_ body: () -> T) -> T { self.lock.withLock(body) }
}

/// A malformed request and the status it must get.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let request: String
    let status: String

    var testDescription: String { "\(self.name) → \(self.status)" }

    static let upgrade = "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    static let all: [MalformedCase] = [
        .init(name: "garbage request line", request: "GARBAGE\r\n\r\n", status: "400"),
        .init(name: "HTTP/2.0", request: "GET /x HTTP/2.0\r\n\r\n", status: "505"),
        .init(name: "space in header name", request: "GET /x HTTP/1.1\r\nBad Header: 1\r\n\r\n", status: "400"),
        .init(name: "huge Content-Length", request: "POST /x HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", status: "413"),
        .init(name: "chunked", request: "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", status: "501"),
        .init(name: "9000-byte target", request: "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\n\r\n", status: "414"),
        .init(name: "upgrade without key", request: upgrade + "Sec-WebSocket-Version: 13\r\n\r\n", status: "400"),
        .init(name: "upgrade with version 8",
              request: upgrade + "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", status: "426"),
        .init(name: "upgrade to unknown path",
              request: "GET /nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", status: "404"),
    ]
}

/// Records the close codes sessions saw; `next()` waits for the next one.
final class CloseRecorder: Sendable {
    private let stream: AsyncStream<WebSocketCloseCode>
    private let continuation: AsyncStream<WebSocketCloseCode>.Continuation

    init() {
        (self.stream, self.continuation) = AsyncStream.makeStream(of: WebSocketCloseCode.self)
    }

    func record(_ code: WebSocketCloseCode) { self.continuation.yield(code) }

    func next() async -> WebSocketCloseCode? {
        var iterator = self.stream.makeAsyncIterator()
        return await iterator.next()
    }
}

@Suite("Loopback backpressure", .serialized)
struct BackpressureTests {
    @Test("A client that stops reading is closed with 1013 once its write queue passes the limit")
    func slowReader() async throws {
        let closes = CloseRecorder()
        var router = Router()
        router.webSocket("/flood") { _, outbound in
            ClosureWebSocketSession(received: { _ in
                let chunk = WebSocketFrameEncoder.encode(.binary([UInt8](repeating: 7, count: 256 << 10)))
                for _ in 0..<200 { outbound.send(encodedFrame: chunk) }   // 50 MiB, far beyond socket buffers
            }, closed: { code in closes.record(code) })
        }
        try await withServer(configure: {
            $0.maxBufferedBytes = 1 << 20
            $0.closeTimeout = .milliseconds(200)
        }, router: router) { server in
            let port = server.port
            let client = try await blocking { () -> WebSocketClient in
                let client = try WebSocketClient.connect(port: port, path: "/flood", timeout: testTimeout)
                try client.send(.text("go"))
                return client
            }
            // Do not read: wait until the server has given up on us, then drain what it sent.
            let outcome = try await blocking { () -> String in
                while true {
                    do {
                        switch try client.receive() {
                        case .message: continue
                        case .closed(let code, _): return "close \(code.map(String.init(describing:)) ?? "-")"
                        }
                    } catch {
                        return "dropped"
                    }
                }
            }
            #expect(outcome == "close 1013" || outcome == "dropped")
            #expect(server.serverMetrics.errorCount(.slowReader) >= 1)
        }
        #expect(await closes.next() == .tryAgainLater)
    }
}

@Suite("Loopback session setup", .serialized)
struct SessionSetupTests {
    @Test("Messages and a close sent from inside the factory follow the 101; a thrown HTTPError refuses the upgrade")
    func factorySendsAndCloses() async throws {
        var router = Router()
        router.webSocket("/greet") { request, outbound in
            outbound.send(text: "welcome \(request.query["name"] ?? "?")")
            if request.query["kick"] != nil { outbound.close(code: .policyViolation, reason: "kicked") }
            return EchoSession(outbound: outbound)
        }
        router.webSocket("/private") { _, _ in throw HTTPError(.forbidden) }
        try await withServer(router: router) { server in
            let port = server.port
            try await blocking {
                let client = try WebSocketClient.connect(port: port, path: "/greet?name=ada", timeout: testTimeout)
                #expect(try client.receive() == .message(.text("welcome ada")))
                try client.send(.text("ping"))
                #expect(try client.receive() == .message(.text("ping")))
                let kicked = try WebSocketClient.connect(port: port, path: "/greet?name=bob&kick=1", timeout: testTimeout)
                #expect(try kicked.receive() == .message(.text("welcome bob")))
                #expect(try kicked.receive() == .closed(code: .policyViolation, reason: "kicked"))
                #expect(throws: WebSocketClient.Error.self) { try WebSocketClient.connect(port: port, path: "/private", timeout: testTimeout) }
            }
        }
    }
}

/// A gate a session waits on until the test opens it.
final class Gate: @unchecked Sendable {
    private let lock = NSLockBox()
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = self.lock.run { () -> Bool in
                if self.open { return true }
                self.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func openGate() {
        let waiters = self.lock.run { () -> [CheckedContinuation<Void, Never>] in
            self.open = true
            defer { self.waiters = [] }
            return self.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

@Suite("Loopback inbound backpressure", .serialized)
struct InboundBackpressureTests {
    @Test("The inbound budget pauses past its limit and resumes at half")
    func budget() {
        let budget = InboundBudget(limit: 100)
        #expect(budget.added(60) == false)
        #expect(budget.added(60) == true)     // 120 > 100: pause
        #expect(budget.added(10) == false)    // already paused
        #expect(budget.consumed(60) == false) // 70 > 50
        #expect(budget.consumed(60) == true)  // 10 <= 50: resume
    }

    @Test("A session that stalls pauses reading; once it resumes every message arrives, in order")
    func stalledSession() async throws {
        let gate = Gate()
        var router = Router()
        router.webSocket("/slow") { _, outbound in
            ClosureWebSocketSession(received: { message in
                await gate.wait()
                outbound.send(message)
            })
        }
        try await withServer(configure: { $0.maxInboundBufferedBytes = 64 << 10 }, router: router) { server in
            let port = server.port
            let count = 40
            let client = try await blocking { () -> WebSocketClient in
                let client = try WebSocketClient.connect(port: port, path: "/slow", timeout: testTimeout)
                for index in 0..<count {
                    try client.send(.binary([UInt8](repeating: UInt8(index), count: 16 << 10)))
                }
                return client
            }
            gate.openGate()
            let received = try await blocking { () -> [UInt8] in
                var firstBytes: [UInt8] = []
                for _ in 0..<count {
                    guard case .message(.binary(let bytes)) = try client.receive() else { break }
                    firstBytes.append(bytes[0])
                }
                return firstBytes
            }
            #expect(received == (0..<count).map { UInt8($0) })
        }
    }
}
