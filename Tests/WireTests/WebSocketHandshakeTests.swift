import Testing
@testable import Wire

private func upgradeRequest(_ extra: [(String, String)] = [], drop: String? = nil, method: HTTPMethod = .get,
                            minorVersion: Int = 1) -> HTTPRequest {
    var fields: [(name: String, value: String)] = [
        ("Host", "server.example.com"), ("Upgrade", "websocket"), ("Connection", "keep-alive, Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
    ]
    fields.removeAll { $0.name == drop }
    for (name, value) in extra {
        fields.removeAll { $0.name == name }
        fields.append((name, value))
    }
    return HTTPRequest(method: method, target: "/chat", minorVersion: minorVersion, headers: HTTPHeaders(fields))
}

struct WebSocketHandshakeTests {
    @Test("RFC 6455 §1.3 sample: the key dGhlIHNhbXBsZSBub25jZQ== gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    func rfcSampleAccept() throws {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let response = try WebSocketHandshake.accept(upgradeRequest())
        #expect(response.status == .switchingProtocols)
        #expect(response.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let wire = String(decoding: response.serialize(keepAlive: true), as: UTF8.self)
        #expect(wire.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(wire.contains("Upgrade: websocket\r\n") && wire.contains("Connection: Upgrade\r\n"))
        #expect(!wire.contains("Content-Length"))
    }

    @Test("Header tokens are case-insensitive (Upgrade: WebSocket, Connection: upgrade)")
    func caseInsensitiveTokens() throws {
        let request = upgradeRequest([("Upgrade", "WebSocket"), ("Connection", "upgrade")])
        #expect(throws: Never.self) { try WebSocketHandshake.accept(request) }
    }

    @Test("§4.2.1: each missing requirement is refused with the right status")
    func refusals() {
        let cases: [(HTTPRequest, WebSocketHandshake.Failure, Int)] = [
            (upgradeRequest(method: .post), .methodNotGet, 400),
            (upgradeRequest(minorVersion: 0), .httpVersionTooOld, 400),
            (upgradeRequest(drop: "Host"), .missingHost, 400),
            (upgradeRequest(drop: "Upgrade"), .missingUpgrade, 426),
            (upgradeRequest([("Connection", "keep-alive")]), .missingConnectionUpgrade, 400),
            (upgradeRequest([("Sec-WebSocket-Version", "8")]), .unsupportedVersion, 426),
            (upgradeRequest(drop: "Sec-WebSocket-Key"), .invalidKey, 400),
            (upgradeRequest([("Sec-WebSocket-Key", "dGhlIHNhbXBsZQ==")]), .invalidKey, 400),   // 10 bytes
            (upgradeRequest([("Sec-WebSocket-Key", "not base64!")]), .invalidKey, 400),
        ]
        for (request, failure, status) in cases {
            #expect(throws: failure) { try WebSocketHandshake.accept(request) }
            #expect(failure.response.status.code == status)
        }
        #expect(WebSocketHandshake.Failure.unsupportedVersion.response.headers["Sec-WebSocket-Version"] == "13")
    }
}
