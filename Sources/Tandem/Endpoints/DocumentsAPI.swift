import Wire
import YCRDT

/// REST routes of documents: state, safe content writes and history, with Bearer JWT (Docs/history.md).
///
/// | route | access | answer |
/// |---|---|---|
/// | `GET /api/v1/documents/{id}` | read | `{document_id, loaded, unsaved_changes, state_vector, size, members}` |
/// | `PUT`/`PATCH /api/v1/documents/{id}/content` `{format, content, expected_version?}` | write | the write result |
/// | `GET /api/v1/documents/{id}/versions` | read | the versions, oldest first |
/// | `POST /api/v1/documents/{id}/versions` `{name?}` | write | the new version |
/// | `GET /api/v1/documents/{id}/versions/{v}?format=text\|markdown\|html\|prosemirror\|raw` | read | the rendering |
/// | `GET /api/v1/documents/{id}/versions/{v}/diff?to={w\|current}` | read | blocks added and removed |
/// | `POST /api/v1/documents/{id}/versions/{v}/restore` | write | the write result |
///
/// `{id}` is percent-encoded (`note%3A<id>`); `note_<id>` is accepted as Open WebUI writes it.
public struct DocumentsAPI: Sendable {
    public let manager: DocumentManager
    public let authenticator: TokenAuthenticator
    /// Largest request body accepted (default 16 MiB).
    public var maxBodyBytes: Int = 16 << 20

    public init(manager: DocumentManager, authenticator: TokenAuthenticator) {
        self.manager = manager
        self.authenticator = authenticator
    }

    /// Adds the routes to `router`.
    public func install(on router: inout Router) {
        let api = self
        router.http(nil, "/api/v1/documents/", match: .prefix) { request in try await api.route(request) }
    }

    func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let user = authenticator.user(authorization: request.headers["authorization"]) else { throw APIError.unauthorized }
        // The REST peer carries neither the token nor the groups (as before the one user type): only id, name, role.
        let peer = DocumentPeer(id: "rest", kind: .socketIO, userID: user.id, userName: user.name, isAdmin: user.isAdmin)
        let rest = request.path.dropFirst("/api/v1/documents/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard let first = rest.first, let documentID = HTTPRequest.percentDecode(first), !documentID.isEmpty,
            documentID.utf8.count <= 1024
        else { throw APIError.make(.notFound, "no such route") }
        guard let canWrite = await manager.accessLevel(documentID, for: peer) else {
            throw APIError.make(.forbidden, "access denied")
        }
        func requireWrite() throws {
            if !canWrite { throw APIError.make(.forbidden, "write access required") }
        }
        let path = rest.dropFirst().map(String.init)
        do {
            switch (request.method, path) {
            case (.get, []):
                return .json(await infoJSON(documentID).serialized())
            case (.put, ["content"]), (.patch, ["content"]):
                try requireWrite()
                return try await writeContent(documentID, request, peer)
            case (.get, ["versions"]):
                return .json(JSONValue.array(try await manager.versions(documentID).map(\.json)).serialized())
            case (.post, ["versions"]):
                try requireWrite()
                let name = try body(request)["name"]?.stringValue
                let version = try await manager.createVersion(documentID, name: name, author: user.id)
                return .json(version.json.serialized(), status: .created)
            case (.get, let parts) where parts.count == 2 && parts[0] == "versions":
                return try await render(documentID, version: parts[1], format: request.query["format"] ?? "text")
            case (.get, let parts) where parts.count == 3 && parts[0] == "versions" && parts[2] == "diff":
                return try await diff(documentID, from: parts[1], to: request.query["to"] ?? "current")
            case (.post, let parts) where parts.count == 3 && parts[0] == "versions" && parts[2] == "restore":
                try requireWrite()
                return .json(Self.json(try await manager.restore(documentID, id: parts[1], author: peer)).serialized())
            default:
                throw APIError.make(.notFound, "no such route")
            }
        } catch let refusal as DocumentRefusal {
            throw Self.httpError(refusal)
        }
    }

    static func httpError(_ refusal: DocumentRefusal) -> HTTPError {
        switch refusal {
        case .conflict(let current):
            return HTTPError(
                .json(
                    JSONValue.object([
                        "detail": .string(refusal.description), "state_vector": .byteArray(current),
                        "expected_version": .string(Base64.encode(current)),
                    ]).serialized(), status: .conflict))
        case .versionNotFound, .notFound: return APIError.make(.notFound, refusal.description)
        case .forbidden, .readOnly: return APIError.make(.forbidden, refusal.description)
        case .invalidUpdate: return APIError.make(.badRequest, refusal.description)
        case .documentTooLarge, .tooLarge: return APIError.make(.payloadTooLarge, refusal.description)
        default: return APIError.make(.serviceUnavailable, refusal.description)
        }
    }

    func body(_ request: HTTPRequest) throws -> JSONObject {
        guard request.body.count <= maxBodyBytes else { throw APIError.make(.payloadTooLarge, "body larger than \(maxBodyBytes) bytes") }
        guard !request.body.isEmpty else { return [:] }
        guard let object = try? JSONValue(parsing: request.body).objectValue else {
            throw APIError.make(.badRequest, "expected a JSON object")
        }
        return object
    }

    func infoJSON(_ documentID: String) async -> JSONValue {
        let info = await manager.info(documentID)
        return [
            "document_id": .string(DocumentManager.normalize(documentID)), "loaded": .bool(info?.loaded ?? false),
            "unsaved_changes": .bool(info?.unsavedChanges ?? false),
            "state_vector": info?.stateVector.map(JSONValue.byteArray) ?? .null,
            "size": info?.stateBytes.map { .int(Int64($0)) } ?? .null, "members": .int(Int64(info?.members ?? 0)),
        ]
    }

    static func json(_ result: ContentWriteResult) -> JSONValue {
        [
            "update_bytes": .int(Int64(result.updateBytes)), "state_vector": .byteArray(result.stateVector),
            "expected_version": .string(Base64.encode(result.stateVector)),
            "version_before": result.versionBefore?.json ?? .null,
        ]
    }

    /// `{format: markdown|text|html|prosemirror, content, expected_version?}`.
    func writeContent(_ documentID: String, _ request: HTTPRequest, _ peer: DocumentPeer) async throws -> HTTPResponse {
        let form = try body(request)
        let format = form["format"]?.stringValue ?? "markdown"
        let node: ProseMirrorNode
        switch (format, form["content"]) {
        case ("markdown", .string(let text)?): node = MarkdownParser.parse(text)
        case ("text", .string(let text)?): node = MarkdownParser.parsePlainText(text)
        case ("html", .string(let text)?): node = HTMLParser.parse(text)
        case ("prosemirror", let value?):
            do {
                if case .string(let text) = value {
                    node = try ProseMirrorNode(parsing: text)
                } else {
                    node = try ProseMirrorNode(validating: value.yAny)
                }
            } catch {
                throw APIError.make(.badRequest, error.description)
            }
        default:
            throw APIError.make(.badRequest, "expected format markdown|text|html|prosemirror and a content")
        }
        let expected = try Self.expectedVersion(form["expected_version"])
        let result = try await manager.writeContent(
            documentID, node, keepUnlistedAttributes: format != "prosemirror", expectedVersion: expected, author: peer)
        return .json(Self.json(result).serialized())
    }

    /// `expected_version` as base64 text or an array of bytes; nil when absent.
    static func expectedVersion(_ value: JSONValue?) throws -> [UInt8]? {
        guard let value, !value.isNull else { return nil }
        if let text = value.stringValue {
            guard let bytes = Base64.decode(text) else { throw APIError.make(.badRequest, "expected_version: invalid base64") }
            return bytes
        }
        guard let bytes = try? value.bytes() else {
            throw APIError.make(.badRequest, "expected_version: expected base64 text or an array of bytes")
        }
        return bytes
    }
}
