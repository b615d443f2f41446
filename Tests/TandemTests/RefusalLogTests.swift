import Foundation
import Testing
import Wire
@testable import Tandem

/// Every refusal of the documents layer leaves a log line with its reason, ids, and never the token or content.
@Suite("Refusal log lines", .serialized)
struct RefusalLogTests {
    @Test("Refused joins, refused updates and failed appends are logged with their reason")
    func refusalsAreLogged() async throws {
        let dir = try makeTemporaryDirectory("refusal-log")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let capture = LogCapture()
        let previous = Log.shared
        Log.shared = capture.logger(level: .info)
        defer { Log.shared = previous }

        let stores = FaultyStorages(directory: dir)
        var configuration = stores.configuration()
        configuration.allowFreeDocuments = false
        let manager = DocumentManager(configuration: configuration, notes: nil)
        let secretToken = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6InUifQ.c2lnbmF0dXJl"
        let stranger = DocumentPeer(id: "s1", kind: .socketIO, userID: "mallory", token: secretToken)
        await #expect(throws: DocumentRefusal.forbidden) {
            try await manager.join("d", peer: stranger, outbound: RecordingOutbound())
        }
        let admin = DocumentPeer(id: "s2", kind: .socketIO, userID: "root", isAdmin: true)
        try await manager.join("d", peer: admin, outbound: RecordingOutbound())
        await #expect(throws: DocumentRefusal.self) { try await manager.applyUpdate("d", update: [1, 2, 3], from: admin) }
        stores["d"]?.failAppends = true
        await #expect(throws: DocumentRefusal.self) {
            try await manager.applyUpdate("d", update: try fixtureUpdates(session: 1)[0], from: admin)
        }
        let lines = capture.lines
        #expect(lines.contains { $0.contains("join refused") && $0.contains("user=mallory") && $0.contains("access denied") })
        #expect(lines.contains { $0.contains("update refused") && $0.contains("invalid update") })
        #expect(lines.contains { $0.contains("storage append failed") && $0.contains("document=d") })
        #expect(lines.contains { $0.contains("update refused") && $0.contains("storage unavailable") })
        #expect(!lines.contains { $0.contains(secretToken) }, "tokens are never logged")
    }
}
