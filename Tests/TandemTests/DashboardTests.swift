import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// A paragraph note as ProseMirror JSON.
private func paragraph(_ text: String) -> JSONValue {
    .object([
        "type": "doc",
        "content": .array([.object(["type": "paragraph", "content": .array([.object(["type": "text", "text": .string(text)])])])]),
    ])
}

/// A v1 update (from a fresh client) that writes `text` as a paragraph into the `prosemirror` fragment.
private func noteUpdate(_ text: String) -> [UInt8] {
    var document = LiveDocument()
    return document.replaceProseMirror(fragment: "prosemirror", with: paragraph(text)) ?? []
}

@Suite("Dashboard: room snapshots, admin API, page")
struct DashboardTests {
    let secret = "dash-secret"

    func request(_ path: String, role: String?) -> HTTPRequest {
        var headers: HTTPHeaders = [:]
        if let role {
            let token = JWTVerifier.sign(["id": .string(role + "-1"), "role": .string(role)], secret: secret)
            headers = ["Authorization": "Bearer \(token)"]
        }
        return HTTPRequest(method: .get, target: path, headers: headers, body: [])
    }

    func call(_ router: Router, _ request: HTTPRequest) async -> (status: Int, body: String, headers: HTTPHeaders) {
        guard case .handler(let handler) = router.resolveHTTP(method: request.method, path: request.path) else {
            return (404, "", [:])
        }
        do {
            let response = try await handler(request)
            return (response.status.code, String(decoding: response.body, as: UTF8.self), response.headers)
        } catch let error as HTTPError {
            return (error.response.status.code, String(decoding: error.response.body, as: UTF8.self), error.response.headers)
        } catch {
            return (500, "", [:])
        }
    }

    func makeRouter(_ manager: DocumentManager) -> Router {
        var router = Router()
        AdminAPI(manager: manager, authenticator: TokenAuthenticator(secret: secret), socketIO: nil, channels: nil, metrics: nil)
            .install(on: &router)
        DashboardPage.install(on: &router)
        return router
    }

    @Test("A snapshot counts members by protocol, logs update sizes and authors, and renders the note per version")
    func snapshot() async throws {
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let writer = peer("s1", user: "alice")
        let reader = peer("y1", user: "bob", kind: .yWebSocket)
        try await manager.join("doc-1", peer: writer, outbound: RecordingOutbound(), color: "#ff0000")
        try await manager.join("doc-1", peer: reader, outbound: RecordingOutbound())
        // The y-websocket member names itself in awareness only.
        let awareness = AwarenessUpdate(entries: [
            .init(client: 7, clock: 1, state: ##"{"user":{"name":"Bob","color":"#00ff00"}}"##)
        ])
        try await manager.awarenessFromYProtocols("doc-1", bytes: awareness.encoded(), from: reader)
        let first = noteUpdate("Hello <world>")
        try await manager.applyUpdate("doc-1", update: first, from: writer)

        let snapshot = try #require(await manager.snapshot("doc-1", includeHTML: true))
        #expect(snapshot.memberCount == 2 && snapshot.socketIOMembers == 1 && snapshot.yWebSocketMembers == 1)
        #expect(snapshot.members.map(\.name) == ["Alice", "Bob"])
        #expect(snapshot.members.map(\.color) == ["#ff0000", "#00ff00"])
        #expect(snapshot.updatesApplied == 1 && snapshot.bytesApplied == first.count)
        #expect(snapshot.recentUpdates.map(\.bytes) == [first.count])
        #expect(snapshot.recentUpdates.first?.userID == "alice" && snapshot.recentUpdates.first?.kind == .socketIO)
        #expect(snapshot.html == "<p>Hello &lt;world&gt;</p>")
        #expect(snapshot.hasUnsavedChanges && snapshot.secondsSinceSave == nil)
        #expect(snapshot.stateBytes == (await manager.state("doc-1"))?.count)

        let second = noteUpdate("again")
        try await manager.applyUpdate("doc-1", update: second, from: writer)
        let later = try #require(await manager.snapshot("doc-1", includeHTML: true))
        #expect(later.html?.contains("again") == true && later.html?.contains("Hello") == true)
        #expect(later.recentUpdates.map(\.bytes) == [second.count, first.count])

        var limits = DocumentSnapshotLimits()
        limits.maxMembers = 1
        limits.maxHTMLBytes = 4
        let capped = try #require(await manager.snapshot("doc-1", includeHTML: true, limits: limits))
        #expect(capped.members.count == 1 && capped.memberCount == 2)
        #expect(capped.html?.utf8.count == 4 && capped.htmlTruncated)
        #expect(capped.html.map { later.html?.hasPrefix($0) } == true)
        let withoutHTML = try #require(await manager.snapshot("doc-1", includeHTML: false))
        #expect(withoutHTML.html == nil)
        #expect(await manager.snapshot("not-loaded", includeHTML: true) == nil)
    }

    @Test("The update log keeps the newest entries in a fixed ring")
    func ring() {
        var activity = RoomActivity()
        let start = ContinuousClock.now
        for size in 1...(RoomActivity.recentUpdateCapacity + 7) {
            activity.record(bytes: size, author: nil, now: start)
        }
        let recent = activity.recent.map(\.bytes)
        #expect(recent.count == RoomActivity.recentUpdateCapacity)
        #expect(recent.first == RoomActivity.recentUpdateCapacity + 7 && recent.last == 8)
        #expect(activity.updatesApplied == RoomActivity.recentUpdateCapacity + 7)
    }

    @Test("Admin routes need an admin token and never carry content outside the rendered note")
    func adminAPI() async throws {
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let writer = peer("s1", user: "alice")
        try await manager.join("note:n 1", peer: peer("s1", user: "alice", admin: true), outbound: RecordingOutbound())
        try await manager.applyUpdate("note:n 1", update: noteUpdate("secret text"), from: writer)
        let router = makeRouter(manager)

        #expect(await call(router, request("/api/v1/admin/overview", role: nil)).status == 401)
        #expect(await call(router, request("/api/v1/admin/overview", role: "user")).status == 403)
        #expect(await call(router, request("/api/v1/admin/documents/note%3An%201", role: "user")).status == 403)

        let overview = await call(router, request("/api/v1/admin/overview", role: "admin"))
        #expect(overview.status == 200 && overview.headers["cache-control"] == "no-store")
        let json = try JSONValue(parsing: Array(overview.body.utf8))
        #expect(json["documents"]?.arrayValue?.first?["id"]?.stringValue == "note:n 1")
        #expect(json["documents"]?.arrayValue?.first?["members"]?.intValue == 1)
        #expect(json["cluster"]?["redis"]?.stringValue == "not configured")
        #expect(!overview.body.contains("secret text"))

        let list = await call(router, request("/api/v1/admin/documents", role: "admin"))
        #expect(list.status == 200 && list.body.contains("note:n 1") && !list.body.contains("secret text"))

        let detail = await call(router, request("/api/v1/admin/documents/note%3An%201", role: "admin"))
        let document = try JSONValue(parsing: Array(detail.body.utf8))
        #expect(document["html"]?.stringValue == "<p>secret text</p>")
        #expect(document["member_list"]?.arrayValue?.first?["user_id"]?.stringValue == "alice")
        #expect(document["recent_updates"]?.arrayValue?.first?["user_id"]?.stringValue == "alice")
        let noHTML = await call(router, request("/api/v1/admin/documents/note%3An%201?html=0", role: "admin"))
        #expect(!noHTML.body.contains("secret text"))
        for path in ["/api/v1/admin/documents/missing", "/api/v1/admin/documents/", "/api/v1/admin/documents/a/b",
                     "/api/v1/admin/documents/%ZZ"] {
            #expect(await call(router, request(path, role: "admin")).status == 404, "\(path)")
        }
    }

    @Test("The document route counts versions and names the newest; the overview carries the latency buckets")
    func versionsAndLatencies() async throws {
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        let writer = peer("s1", user: "alice")
        let reader = peer("y1", user: "bob", kind: .yWebSocket)
        try await manager.join("doc-v", peer: writer, outbound: RecordingOutbound())
        try await manager.join("doc-v", peer: reader, outbound: RecordingOutbound())
        try await manager.applyUpdate("doc-v", update: noteUpdate("draft"), from: writer)
        let router = makeRouter(manager)
        let before = try JSONValue(parsing: Array(await call(router, request("/api/v1/admin/documents/doc-v", role: "admin")).body.utf8))
        #expect(before["versions"]?["count"]?.intValue == 0 && before["versions"]?["latest"] == .null)
        let version = try await manager.createVersion("doc-v", name: "first", author: "alice")
        let after = try JSONValue(parsing: Array(await call(router, request("/api/v1/admin/documents/doc-v", role: "admin")).body.utf8))
        #expect(after["versions"]?["count"]?.intValue == 1 && after["versions"]?["latest"]?.stringValue == version.id)

        let overview = try JSONValue(parsing: Array(await call(router, request("/api/v1/admin/overview", role: "admin")).body.utf8))
        for family in ["join", "relay", "save"] {
            let bounds = try #require(overview["latencies"]?[family]?["bounds"]?.arrayValue, "\(family)")
            let counts = try #require(overview["latencies"]?[family]?["counts"]?.arrayValue, "\(family)")
            #expect(bounds.count == MetricHistogram.latencyBuckets.count && counts.count == bounds.count + 1)
        }
        // Two joins (one per protocol) and one relayed update, summed over the protocol label.
        #expect(overview["latencies"]?["join"]?["counts"]?.arrayValue?.last?.intValue == 2)
        #expect(overview["latencies"]?["relay"]?["counts"]?.arrayValue?.last?.intValue == 1)
    }

    @Test("The page is self-contained: no external assets, a strict CSP, no token needed for the shell")
    func page() async {
        let router = makeRouter(DocumentManager(configuration: memoryConfiguration(), notes: nil))
        let html = await call(router, request("/", role: nil))
        #expect(html.status == 200 && html.body.contains("/dashboard/app.js"))
        #expect(html.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        #expect(html.headers["referrer-policy"] == "no-referrer")
        let script = await call(router, request("/dashboard/app.js", role: nil))
        let css = await call(router, request("/dashboard/app.css", role: nil))
        #expect(script.status == 200 && css.status == 200)
        for body in [html.body, script.body, css.body] {
            // The only URL is the SVG namespace; nothing is loaded from elsewhere.
            let rest = body.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            #expect(!rest.contains("http://") && !rest.contains("https://") && !rest.contains("\"//"))
        }
        #expect(script.body.contains("sessionStorage") && script.body.contains("Authorization"))
    }
}
