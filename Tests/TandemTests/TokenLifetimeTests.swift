import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// Issue 19: `nbf` and future `iat` are checked (with a small clock-skew allowance), and a token that expires while
/// connected stops working on both protocols.
@Suite("Token lifetime", .serialized)
struct TokenLifetimeTests {
    static let secret = "lifetime-secret"
    static let now: Double = 1_700_000_000

    @Test("nbf and iat in the future are refused beyond the clock skew; exp is never extended")
    func notBeforeAndIssuedAt() throws {
        let verifier = JWTVerifier(secret: Self.secret, clockSkew: 30)
        func verify(_ claims: JSONObject) throws(JWTVerifier.Failure) -> JSONObject {
            try verifier.verify(JWTVerifier.sign(claims, secret: Self.secret), now: Self.now)
        }
        #expect(throws: JWTVerifier.Failure.notYetValid) { try verify(["id": "u", "nbf": .double(Self.now + 31)]) }
        #expect(throws: JWTVerifier.Failure.issuedInFuture) { try verify(["id": "u", "iat": .double(Self.now + 3600)]) }
        #expect(try verify(["id": "u", "nbf": .double(Self.now + 29), "iat": .double(Self.now + 29)])["id"] == "u")
        #expect(try verify(["id": "u", "nbf": .double(Self.now - 100), "iat": .double(Self.now - 100)])["id"] == "u")
        #expect(throws: JWTVerifier.Failure.invalidClaim("nbf")) { try verify(["id": "u", "nbf": "soon"]) }
        #expect(throws: JWTVerifier.Failure.invalidClaim("iat")) { try verify(["id": "u", "iat": .null]) }
        #expect(throws: JWTVerifier.Failure.expired) { try verify(["id": "u", "exp": .double(Self.now - 1)]) }
        #expect(throws: JWTVerifier.Failure.expired) { try verify(["id": "u", "exp": .double(Self.now)]) }
        let strict = JWTVerifier(secret: Self.secret, clockSkew: 0)
        let token = JWTVerifier.sign(["id": "u", "nbf": .double(Self.now + 1)], secret: Self.secret)
        #expect(throws: JWTVerifier.Failure.notYetValid) { try strict.verify(token, now: Self.now) }
        #expect(JWTVerifier(secret: "k", clockSkew: -5).clockSkew == 0)
    }

    @Test("TokenAuthenticator refuses a future nbf and reports exp")
    func authenticator() {
        let authenticator = TokenAuthenticator(secret: Self.secret, clockSkew: 10)
        let future = JWTVerifier.sign(["id": "u", "nbf": .double(Self.now + 60)], secret: Self.secret)
        #expect(authenticator.user(token: future, now: Self.now) == nil)
        #expect(authenticator.user(token: future, now: Self.now + 55)?.id == "u")
        let expiring = JWTVerifier.sign(["id": "u", "exp": .double(Self.now + 60)], secret: Self.secret)
        #expect(authenticator.user(token: expiring, now: Self.now)?.expiresAt == Self.now + 60)
    }

    @Test("A Socket.IO socket is disconnected by housekeeping once its token's exp passes")
    func socketIOExpiry() async throws {
        let clock = Locked<Double>(Self.now)
        var configuration = SocketIOConfiguration()
        configuration.jwtSecret = Self.secret
        let server = SocketIOServer(configuration: configuration, wallClock: { clock.withLock { $0 } })
        let (socket, stream) = EngineIOStreamWebSocket.make()
        let handle = try #require(await server.webSocketOpened(socket, engineSID: nil, now: .now))
        var frames = stream.makeAsyncIterator()
        _ = await frames.next()  // the open packet
        let expiring = JWTVerifier.sign(["id": "u1", "exp": .double(Self.now + 10)], secret: Self.secret)
        let forever = JWTVerifier.sign(["id": "u2"], secret: Self.secret)
        await server.webSocketReceived(handle, text: "40" + JSONValue.object(["token": .string(expiring)]).serialized())
        await server.waitUntilIdle(engineSID: handle.engineSID)
        guard case .text(let reply)? = await frames.next() else {
            Issue.record("no CONNECT reply")
            return
        }
        let sid = try #require(try SocketIOPacket(decoding: String(reply.dropFirst())).data?["sid"]?.stringValue)

        let (otherSocket, otherStream) = EngineIOStreamWebSocket.make()
        let other = try #require(await server.webSocketOpened(otherSocket, engineSID: nil, now: .now))
        var otherFrames = otherStream.makeAsyncIterator()
        _ = await otherFrames.next()
        await server.webSocketReceived(other, text: "40" + JSONValue.object(["token": .string(forever)]).serialized())
        await server.waitUntilIdle(engineSID: other.engineSID)
        guard case .text(let otherReply)? = await otherFrames.next() else {
            Issue.record("no CONNECT reply")
            return
        }
        let otherSID = try #require(
            try SocketIOPacket(decoding: String(otherReply.dropFirst())).data?["sid"]?.stringValue)

        #expect(await server.disconnectExpiredTokens().isEmpty)
        clock.withLock { $0 = Self.now + 9.5 }
        await server.housekeep(now: .now)
        #expect(await server.session(sid) != nil, "not yet expired")
        clock.withLock { $0 = Self.now + 10 }
        await server.housekeep(now: .now)
        #expect(await server.session(sid) == nil, "expired: disconnected")
        #expect(await server.session(otherSID) != nil, "a token without exp stays")
        var sawDisconnect = false
        for _ in 0..<5 {
            guard case .text(let text)? = await frames.next() else { break }
            if text == "41" {
                sawDisconnect = true
                break
            }
        }
        #expect(sawDisconnect, "the client is told with a Socket.IO DISCONNECT packet")
        await server.shutdown()
    }

    @Test("A y-websocket connection is closed with 4401 when its token expires; a future nbf is refused with 401")
    func yWebSocketExpiry() async throws {
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let endpoint = YWebSocketEndpoint(
            manager: manager, authenticator: TokenAuthenticator(secret: Self.secret))
        var router = Router()
        endpoint.install(on: &router)
        let wall = Date().timeIntervalSince1970
        let expiring = JWTVerifier.sign(["id": "u1", "exp": .double(wall + 2)], secret: Self.secret)
        let lasting = JWTVerifier.sign(["id": "u2", "exp": .double(wall + 3600)], secret: Self.secret)
        let early = JWTVerifier.sign(["id": "u3", "nbf": .double(wall + 3600)], secret: Self.secret)
        try await withServer(router: router) { server in
            let port = server.port
            try await blocking {
                let staying = try WebSocketClient.connect(port: port, path: "/yjs/doc?token=\(lasting)", timeout: testTimeout)
                let client = try WebSocketClient.connect(port: port, path: "/yjs/doc?token=\(expiring)", timeout: testTimeout)
                var closeCode: WebSocketCloseCode?
                for _ in 0..<20 {
                    if case .closed(let code, _) = try client.receive() {
                        closeCode = code
                        break
                    }
                }
                #expect(closeCode == .tokenExpired && closeCode?.rawValue == 4401)
                try staying.send(.binary(ProtocolMessage.sync(.step1(stateVector: [0])).encoded()))
                var answered = false
                for _ in 0..<10 {
                    if case .message(.binary(let bytes)) = try staying.receive(),
                        case .sync(.step2) = try ProtocolMessage(bytes: bytes)
                    {
                        answered = true
                        break
                    }
                }
                #expect(answered, "a connection with a valid token keeps working")
                let refused = try WebSocketClient.exchange(
                    port: port,
                    bytes: Array(("GET /yjs/doc?token=\(early) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").utf8),
                    timeout: testTimeout)
                #expect(String(decoding: refused, as: UTF8.self).hasPrefix("HTTP/1.1 401 "))
            }
        }
    }
}
