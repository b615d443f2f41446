import Foundation
import Wire
@testable import Tandem

/// The captured Open WebUI 0.12.4 answers in Tests/Fixtures/openwebui-api (see generate.py there).
enum OpenWebUIFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/openwebui-api")

    /// The raw bytes of a fixture file.
    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: self.folder.appendingPathComponent(name)))
    }

    /// A fixture parsed as JSON.
    static func json(_ name: String) throws -> JSONValue {
        try JSONValue(parsing: try self.bytes(name))
    }

    /// Whether the fixtures were captured from a real Open WebUI (generate.py writes CAPTURED).
    static var captured: Bool {
        FileManager.default.fileExists(atPath: self.folder.appendingPathComponent("CAPTURED").path)
    }
}

/// What the fake saw, shared between its handlers and the test.
final class FakeOpenWebUIRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var hits: [String: Int] = [:]
    private var bodies: [String: [UInt8]] = [:]

    func record(_ request: HTTPRequest) {
        self.lock.withLock {
            self.hits[request.method.rawValue + " " + request.path, default: 0] += 1
            if !request.body.isEmpty { self.bodies[request.path] = request.body }
        }
    }

    func count(_ key: String) -> Int { self.lock.withLock { self.hits[key] ?? 0 } }
    func body(_ path: String) -> [UInt8]? { self.lock.withLock { self.bodies[path] } }
}

/// A fake Open WebUI 0.12.4 on Tandem's own server, answering with the fixture bodies.
///
/// Tokens: `tok-admin` (the note's owner), `tok-user` (read grant), `tok-pending`, anything else is 401. Notes:
/// `n1` exists, `gone` is 404, `secret` is 403 for `tok-user`. `/api/v1/notes/n1/update` answers the update
/// fixture to the owner and 403 to `tok-user`. `slow-` tokens wait 100 ms; `tok-broken` gets a 500.
enum FakeOpenWebUI {
    static func router(_ recorder: FakeOpenWebUIRecorder) throws -> Router {
        let admin = try OpenWebUIFixtures.bytes("auths-admin.json")
        let user = try OpenWebUIFixtures.bytes("auths-user.json")
        let invalid = try OpenWebUIFixtures.bytes("auths-401.json")
        let owner = try OpenWebUIFixtures.bytes("note-owner.json")
        let reader = try OpenWebUIFixtures.bytes("note-reader.json")
        let forbidden = try OpenWebUIFixtures.bytes("note-403.json")
        let missing = try OpenWebUIFixtures.bytes("note-404.json")
        let updated = try OpenWebUIFixtures.bytes("note-update.json")
        let updateForbidden = try OpenWebUIFixtures.bytes("note-update-403.json")
        let channels = try OpenWebUIFixtures.bytes("channels.json")
        let noteID = try OpenWebUIFixtures.json("note-owner.json")["id"]?.stringValue ?? "n1"
        var pending = try OpenWebUIFixtures.json("auths-user.json").objectValue ?? [:]
        pending["role"] = "pending"
        let pendingBytes = JSONValue.object(pending).serializedBytes()

        var router = Router()
        router.get("/api/v1/auths/") { request in
            recorder.record(request)
            let token = token(request)
            if token.hasPrefix("slow-") { try await Task.sleep(for: .milliseconds(100)) }
            switch token {
            case "tok-admin", "slow-admin": return json(admin)
            case "tok-user": return json(user)
            case "tok-pending": return json(pendingBytes)
            case "tok-broken": return json(Array("{\"detail\":\"boom\"}".utf8), .internalServerError)
            case "tok-garbage": return HTTPResponse(status: .ok, contentType: "text/html", body: "<html>")
            default: return json(invalid, .unauthorized)
            }
        }
        router.get("/api/v1/notes/", match: .prefix) { request in
            recorder.record(request)
            let id = request.path.dropFirst("/api/v1/notes/".count)
            let who = token(request)
            switch (id, who) {
            case (Substring(noteID), "tok-admin"), ("n1", "tok-admin"): return json(owner)
            case (Substring(noteID), "tok-user"), ("n1", "tok-user"): return json(reader)
            case ("secret", _): return json(forbidden, .forbidden)
            default: return json(missing, .notFound)
            }
        }
        router.post("/api/v1/notes/", match: .prefix) { request in
            recorder.record(request)
            guard request.path.hasSuffix("/update") else { return json(missing, .notFound) }
            switch token(request) {
            case "tok-admin": return json(updated)
            case "tok-user": return json(updateForbidden, .forbidden)
            default: return json(invalid, .unauthorized)
            }
        }
        router.get("/api/v1/channels/") { request in
            recorder.record(request)
            return json(channels)
        }
        return router
    }

    @Sendable private static func json(_ bytes: [UInt8], _ status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: bytes)
    }

    @Sendable private static func token(_ request: HTTPRequest) -> String {
        let value = request.headers["Authorization"] ?? ""
        return value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : ""
    }
}
