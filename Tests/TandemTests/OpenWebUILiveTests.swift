import Foundation
import Testing
import Wire
@testable import Tandem

/// OpenWebUIHost against a running real Open WebUI 0.12.4, set up by
/// `Tests/Fixtures/openwebui-api/generate.py --serve` (it prints the environment this test reads). Skipped when
/// `TANDEM_OWUI_LIVE_URL` is not set, so the normal test command needs no Open WebUI.
@Suite("Open WebUI host client against a real Open WebUI", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["TANDEM_OWUI_LIVE_URL"] != nil))
struct OpenWebUILiveTests {
    private static func env(_ name: String) -> String { ProcessInfo.processInfo.environment[name] ?? "" }

    @Test("Users, note access, a save, and channels through the real routes")
    func live() async throws {
        let host = OpenWebUIHost(configuration: .init(url: try HTTPURL(parsing: Self.env("TANDEM_OWUI_LIVE_URL"))))
        let admin = Self.env("TANDEM_OWUI_ADMIN_TOKEN")
        let user = Self.env("TANDEM_OWUI_USER_TOKEN")
        let outsider = Self.env("TANDEM_OWUI_OUTSIDER_TOKEN")
        let noteID = Self.env("TANDEM_OWUI_NOTE_ID")

        let adminUser = try await host.user(token: admin)
        #expect(adminUser.isAdmin)
        let bea = try await host.user(token: user)
        #expect(bea.id == Self.env("TANDEM_OWUI_USER_ID") && bea.canUseNotes)
        await #expect(throws: OpenWebUIHostError.self) { try await host.user(token: "not-a-token") }
        await #expect(throws: OpenWebUIHostError.self) { try await host.user(token: admin + "x") }

        let owned = try #require(try await host.noteAccess(noteID: noteID, token: admin))
        #expect(owned.canWrite)
        let shared = try #require(try await host.noteAccess(noteID: noteID, token: user))
        #expect(!shared.canWrite)
        #expect(try await host.noteAccess(noteID: noteID, token: outsider) == nil)
        #expect(try await host.noteAccess(noteID: "no-such-note", token: admin) == nil)

        let marker = "live \(UInt32.random(in: 0...UInt32.max))"
        let content = OpenWebUINoteContent(
            json: ["type": "doc", "content": [["type": "paragraph", "content": [["type": "text", "text": .string(marker)]]]]],
            html: "<p>\(marker)</p>", md: marker)
        let saved = try await host.saveNote(noteID: noteID, content: content, token: admin)
        #expect(saved.content == content && saved.title == owned.title)
        let reread = try #require(try await host.noteAccess(noteID: noteID, token: user))
        #expect(reread.content == content)
        await #expect(throws: OpenWebUIHostError.forbidden("403 Something went wrong :/")) {
            try await host.saveNote(noteID: noteID, content: content, token: user)
        }
        await #expect(throws: OpenWebUIHostError.notFound) {
            try await host.saveNote(noteID: "no-such-note", content: content, token: admin)
        }
        #expect(try await host.channels(ofUserToken: user).count == 1)
        #expect(try await host.channels(ofUserToken: outsider).isEmpty)
        #expect(host.client.idleConnectionCount >= 1)  // uvicorn kept the connection alive
    }

    @Test("A pooled connection that uvicorn closed after its 5 s keep-alive timeout is not a failure")
    func keepAliveExpiry() async throws {
        var configuration = OpenWebUIHost.Configuration(url: try HTTPURL(parsing: Self.env("TANDEM_OWUI_LIVE_URL")))
        configuration.client.maxIdleTime = .seconds(60)  // keep it past uvicorn's timeout on purpose
        configuration.userTTL = .zero
        let host = OpenWebUIHost(configuration: configuration)
        _ = try await host.user(token: Self.env("TANDEM_OWUI_ADMIN_TOKEN"))
        try await Task.sleep(for: .seconds(6))
        #expect(try await host.user(token: Self.env("TANDEM_OWUI_ADMIN_TOKEN")).isAdmin)
    }
}
