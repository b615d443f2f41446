import Foundation
import Testing
import Wire
@testable import Tandem

private func get(_ port: Int, _ target: String) async throws -> String {
    let request = "GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    let bytes = try await blocking {
        try WebSocketClient.exchange(port: port, bytes: Array(request.utf8), timeout: testTimeout)
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A flag a readiness check reads.
private final class Switch: @unchecked Sendable {
    private let lock = NSLock()
    private var on = true
    var value: Bool {
        get { self.lock.withLock { self.on } }
        set { self.lock.withLock { self.on = newValue } }
    }
}

@Suite("Readiness checks")
struct ReadinessChecksTests {
    @Test("No checks: ready; a failing check is named; shutting down fails as accepting")
    func report() async {
        let checks = ReadinessChecks()
        #expect(await checks.evaluate().isReady)
        checks.register("store") { true }
        checks.register("redis") { false }
        let report = await checks.evaluate()
        #expect(!report.isReady)
        #expect(report.failing == ["redis"])
        #expect(report.json == #"{"status":"not ready","failing":["redis"],"checks":{"store":"ok","redis":"failing"}}"# + "\n")
        checks.register("redis") { true }
        #expect(await checks.evaluate().isReady)
        checks.stopAccepting()
        #expect(await checks.evaluate().failing == ["accepting"])
    }

    @Test("A check that hangs fails after its timeout instead of hanging the probe")
    func timeout() async {
        let checks = ReadinessChecks()
        checks.register("stuck", timeout: .milliseconds(50)) {
            try? await Task.sleep(for: .seconds(3600))
            return true
        }
        let started = ContinuousClock.now
        let report = await checks.evaluate()
        #expect(report.failing == ["stuck"])
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}

@Suite("Readiness and transport logs over loopback", .serialized)
struct ReadinessLoopbackTests {
    @Test("GET /readyz: 200 while every check passes, 503 naming the failing check otherwise")
    func readyz() async throws {
        let healthy = Switch()
        try await withServer { server in
            server.registerReadinessCheck("storage") { healthy.value }
            let ready = try await get(server.port, "/readyz")
            #expect(ready.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(ready.contains(#"{"status":"ready","failing":[],"checks":{"storage":"ok"}}"#))
            healthy.value = false
            let notReady = try await get(server.port, "/readyz")
            #expect(notReady.hasPrefix("HTTP/1.1 503 "))
            #expect(notReady.contains(#""failing":["storage"]"#))
            let health = try await get(server.port, "/healthz")
            #expect(health.hasPrefix("HTTP/1.1 200 OK\r\n"))
        }
    }

    @Test("Connections opened and closed, and refused requests, are logged with ids, peer and reason, never a token")
    func transportLines() async throws {
        let capture = LogCapture()
        let token = JWTVerifier.sign(["id": "u1"], secret: "s")
        try await withServer(logger: capture.logger(level: .info)) { server in
            let missing = try await get(server.port, "/nope?token=\(token)")
            #expect(missing.hasPrefix("HTTP/1.1 404 "))
            // The close is logged on the loop thread after the response: wait for it.
            let deadline = ContinuousClock.now + .seconds(30)
            while !capture.lines.contains(where: { $0.contains("connection closed") }) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let lines = capture.lines
        let opened = try #require(lines.first { $0.contains(" INFO connection opened ") })
        #expect(opened.contains("connection=") && opened.contains("peer=127.0.0.1:"))
        let refused = try #require(lines.first { $0.contains(" WARN request refused ") })
        #expect(refused.contains("method=GET path=/nope status=404"))
        #expect(refused.contains(#"reason="Not Found""#))
        let closed = try #require(lines.first { $0.contains(" INFO connection closed ") })
        #expect(closed.contains("requests=1"))
        #expect(!lines.joined().contains(token))
    }
}
