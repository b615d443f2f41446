import Testing
import Wire
@testable import Tandem

/// Issue 19 (#7): every size limit applies as set to its own endpoint. The Socket.IO path has limits of its own
/// (derived from `--max-payload`); `--max-body-size`, `--max-frame-size` and `--max-message-size` are never raised.
@Suite("Per-endpoint size limits", .serialized)
struct SizeLimitTests {
    private static func post(_ path: String, bytes: Int) -> String {
        "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: \(bytes)\r\nConnection: close\r\n\r\n"
            + String(repeating: "a", count: bytes)
    }

    @Test("A path body limit applies under its prefix only; the longest prefix wins; others keep maxBodySize")
    func parserPathLimits() throws {
        var configuration = HTTPRequestParser.Configuration(maxBodySize: 100)
        configuration.pathBodyLimits = [
            .init(pathPrefix: "/big/", maxBodySize: 1_000), .init(pathPrefix: "/big/small/", maxBodySize: 10),
        ]
        #expect(configuration.maxBodySize(forPath: "/api") == 100)
        #expect(configuration.maxBodySize(forPath: "/big/x") == 1_000)
        #expect(configuration.maxBodySize(forPath: "/big/small/x") == 10)
        #expect(configuration.maxBodySize(forPath: "/bi") == 100)

        var big = HTTPRequestParser(configuration: configuration)
        big.append(Array(Self.post("/big/x?sid=1", bytes: 500).utf8))
        #expect(try big.nextRequest()?.body.count == 500)

        var other = HTTPRequestParser(configuration: configuration)
        other.append(Array(Self.post("/api/v1/notes/create", bytes: 500).utf8))
        #expect(throws: HTTPParseError.bodyTooLarge(length: 500, limit: 100)) { try other.nextRequest() }

        var nested = HTTPRequestParser(configuration: configuration)
        nested.append(Array(Self.post("/big/small/x", bytes: 50).utf8))
        #expect(throws: HTTPParseError.bodyTooLarge(length: 50, limit: 10)) { try nested.nextRequest() }
    }

    @Test("WebSocket path limits select frame and message limits by the upgrade path")
    func webSocketLimitSelection() {
        var configuration = ServerConfiguration()
        configuration.maxFrameSize = 512
        configuration.maxMessageSize = 1_024
        configuration.webSocketPathLimits = [.init(pathPrefix: "/ws/socket.io/", maxFrameSize: 4_096, maxMessageSize: 8_192)]
        #expect(configuration.webSocketLimits(forPath: "/yjs/doc") == (512, 1_024))
        #expect(configuration.webSocketLimits(forPath: "/ws/socket.io/") == (4_096, 8_192))
        #expect(configuration.webSocketState(forPath: "/ws/socket.io/").maxMessageSize == 8_192)
        #expect(configuration.webSocketState(forPath: "/echo").maxMessageSize == 1_024)
    }

    @Test("The default REST body limit is the documented 10 MiB")
    func documentedBodyDefault() {
        #expect(ServerConfiguration().http.maxBodySize == 10 << 20)
        #expect(ServerConfiguration().http.pathBodyLimits.isEmpty)
    }

    @Test("On a live server, a small frame limit closes /echo with 1009 while a path with its own limit echoes")
    func liveWebSocketLimits() async throws {
        var router = Router()
        router.webSocket("/big/") { _, outbound in
            ClosureWebSocketSession(
                received: { message in
                    switch message {
                    case .text(let text): outbound.send(text: text)
                    case .binary(let bytes): outbound.send(binary: bytes)
                    }
                },
                closed: { _ in })
        }
        router.post("/small") { request in .text("\(request.body.count)") }
        router.post("/big/body") { request in .text("\(request.body.count)") }
        try await withServer(configure: {
            $0.maxFrameSize = 1_024
            $0.maxMessageSize = 1_024
            $0.http.maxBodySize = 1_000
            $0.http.pathBodyLimits = [.init(pathPrefix: "/big/", maxBodySize: 100_000)]
            $0.webSocketPathLimits = [.init(pathPrefix: "/big/", maxFrameSize: 100_000, maxMessageSize: 100_000)]
        }, router: router) { server in
            let port = server.port
            try await blocking {
                let payload = [UInt8](repeating: 7, count: 10_000)
                let big = try WebSocketClient.connect(port: port, path: "/big/ws", timeout: testTimeout)
                try big.send(.binary(payload))
                #expect(try big.receive() == .message(.binary(payload)))
                let small = try WebSocketClient.connect(port: port, path: "/echo", timeout: testTimeout)
                try small.send(.binary(payload))
                guard case .closed(let code, _) = try small.receive() else {
                    Issue.record("expected a close")
                    return
                }
                #expect(code == .messageTooBig)

                let refused = try WebSocketClient.exchange(
                    port: port, bytes: Array(Self.post("/small", bytes: 5_000).utf8), timeout: testTimeout)
                #expect(String(decoding: refused, as: UTF8.self).hasPrefix("HTTP/1.1 413 "))
                let accepted = try WebSocketClient.exchange(
                    port: port, bytes: Array(Self.post("/big/body", bytes: 5_000).utf8), timeout: testTimeout)
                let text = String(decoding: accepted, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 200 ") && text.contains("\r\n\r\n5000"))
            }
        }
    }
}
