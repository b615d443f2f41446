import Testing
import Wire
@testable import Tandem

/// Open WebUI's revocation keys, read from a real redis-server as Open WebUI writes them (`utils/auth.py`).
@Suite("Open WebUI revocations in Redis", .serialized)
struct RedisRevocationsTests {
    @Test("A revoked jti, and a user revoked at or after the token's iat, are refused; others pass")
    func revocations() async throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        let client = RedisClient(configuration: try testRedisConfiguration(server.url))
        defer { Task { await client.close() } }
        let revocations = RedisRevocations(client: client, keyPrefix: "open-webui")
        let token: JSONObject = ["id": "u1", "jti": "t1", "iat": 1_000]
        #expect(await !revocations.isRevoked(claims: token))
        _ = try await client.send(RESPCommand("SET", "open-webui:auth:token:t1:revoked", "1"))
        #expect(await revocations.isRevoked(claims: token))
        let other: JSONObject = ["id": "u1", "jti": "t2", "iat": 1_000]
        _ = try await client.send(RESPCommand("SET", "open-webui:auth:user:u1:revoked_at", "999"))
        #expect(await !revocations.isRevoked(claims: other), "issued after the user's revocation")
        _ = try await client.send(RESPCommand("SET", "open-webui:auth:user:u1:revoked_at", "1000"))
        #expect(await revocations.isRevoked(claims: other), "issued at the revocation time")
        #expect(await revocations.isRevoked(claims: ["id": "u1", "jti": "t3"]), "no iat: a legacy token")
        #expect(await !revocations.isRevoked(claims: ["id": "u2", "jti": "t4", "iat": 5]))
        let users = OpenWebUIUsers(
            host: OpenWebUIHost(configuration: .init(url: try HTTPURL(parsing: "http://127.0.0.1:9"))),
            revocations: revocations)
        guard case .refused = await users.user(token: "x", claims: token) else {
            Issue.record("a revoked token is refused before the host is asked")
            return
        }
    }
}
