import Foundation
import Testing
import Wire
@testable import Tandem

@Suite("Channels REST API")
struct ChannelsAPITests {
    let secret = "channels-api-secret"

    func request(_ method: HTTPMethod, _ path: String, as user: String?, body: JSONValue? = nil) -> HTTPRequest {
        var headers: HTTPHeaders = [:]
        if let user {
            let claims: JSONObject = ["id": .string(user), "name": .string(user), "role": user == "root" ? "admin" : "user"]
            headers = ["Authorization": "Bearer \(JWTVerifier.sign(claims, secret: secret))"]
        }
        return HTTPRequest(
            method: method, target: path, headers: headers, body: body.map { Array($0.serialized().utf8) } ?? [])
    }

    /// Runs a request through the API's handlers and returns status and parsed body.
    func call(_ api: ChannelsAPI, _ request: HTTPRequest) async -> (Int, JSONValue?) {
        do {
            let response: HTTPResponse
            switch request.path {
            case "/api/v1/channels/create": response = try await api.create(request)
            case "/api/v1/channels/", "/api/v1/channels": response = try await api.list(request)
            default: response = try await api.route(request)
            }
            return (response.status.code, try? JSONValue(parsing: response.body))
        } catch let error as HTTPError {
            return (error.response.status.code, try? JSONValue(parsing: error.response.body))
        } catch {
            return (500, nil)
        }
    }

    func makeAPI(_ dir: String) throws -> ChannelsAPI {
        var limits = ChannelLimits()
        limits.maxMessageBytes = 16
        limits.maxPageSize = 3
        let service = ChannelService(store: try ChannelStore(dataDirectory: dir, limits: limits), server: nil)
        return ChannelsAPI(service: service, authenticator: TokenAuthenticator(secret: secret), now: { 5 })
    }

    @Test("Create, list, members, post, page, update and delete with owner, author and admin checks")
    func lifecycle() async throws {
        let dir = try makeTemporaryDirectory("channels-api")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let api = try makeAPI(dir)
        #expect(await call(api, request(.post, "/api/v1/channels/create", as: nil, body: ["name": "x"])).0 == 401)
        #expect(await call(api, request(.post, "/api/v1/channels/create", as: "alice", body: ["user_ids": []])).0 == 400)
        #expect(await call(api, request(.post, "/api/v1/channels/create", as: "alice", body: ["name": "x", "user_ids": [1]])).0 == 400)
        let (status, created) = await call(api, request(.post, "/api/v1/channels/create", as: "alice", body: ["name": "general", "user_ids": ["bob"]]))
        #expect(status == 200 && created?["member_ids"] == ["alice", "bob"] && created?["created_at"] == 5)
        let id = try #require(created?["id"]?.stringValue)
        #expect(await call(api, request(.get, "/api/v1/channels/", as: "bob")).1?.arrayValue?.count == 1)
        #expect(await call(api, request(.get, "/api/v1/channels/", as: "carol")).1 == [])
        #expect(await call(api, request(.get, "/api/v1/channels/\(id)", as: "carol")).0 == 403)
        #expect(await call(api, request(.get, "/api/v1/channels/\(id)", as: "root")).0 == 200)
        #expect(await call(api, request(.get, "/api/v1/channels/nope", as: "alice")).0 == 404)

        // Members: only the owner or an admin.
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/members/add", as: "bob", body: ["user_ids": ["carol"]])).0 == 403)
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/members/add", as: "root", body: ["user_ids": ["carol"]])).1?["member_ids"] == ["alice", "bob", "carol"])
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/members/remove", as: "alice", body: ["user_ids": ["carol"]])).1?["member_ids"] == ["alice", "bob"])
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/members/remove", as: "alice", body: [:])).0 == 400)

        // Messages.
        var ids: [String] = []
        for index in 0..<5 {
            let (posted, message) = await call(api, request(.post, "/api/v1/channels/\(id)/messages/post", as: index % 2 == 0 ? "alice" : "bob", body: ["content": .string("m\(index)")]))
            #expect(posted == 200)
            ids.append(try #require(message?["id"]?.stringValue))
        }
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/messages/post", as: "alice", body: ["content": .string(String(repeating: "x", count: 17))])).0 == 400)
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/messages/post", as: "carol", body: ["content": "x"])).0 == 403)
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/messages/post", as: "alice", body: ["text": "x"])).0 == 400)
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/messages/post", as: "alice", body: ["content": "x", "parent_id": 1])).0 == 400)
        let contents = { (page: JSONValue?) in page?.arrayValue?.compactMap { $0["content"]?.stringValue } ?? [] }
        #expect(contents(await call(api, request(.get, "/api/v1/channels/\(id)/messages", as: "bob")).1) == ["m4", "m3", "m2"])
        #expect(contents(await call(api, request(.get, "/api/v1/channels/\(id)/messages?skip=3&limit=10", as: "bob")).1) == ["m1", "m0"])
        #expect(await call(api, request(.get, "/api/v1/channels/\(id)/messages?skip=-1", as: "bob")).0 == 400)
        #expect(await call(api, request(.get, "/api/v1/channels/\(id)/messages", as: "carol")).0 == 403)

        // Only the author or an admin edits and deletes.
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/messages/\(ids[1])/update", as: "alice", body: ["content": "no"])).0 == 403)
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/messages/\(ids[1])/update", as: "bob", body: ["content": "m1!"])).1?["content"] == "m1!")
        #expect(await call(api, request(.delete, "/api/v1/channels/\(id)/messages/\(ids[0])/delete", as: "bob")).0 == 403)
        #expect(await call(api, request(.delete, "/api/v1/channels/\(id)/messages/\(ids[0])/delete", as: "root")).1 == true)
        #expect(await call(api, request(.delete, "/api/v1/channels/\(id)/messages/\(ids[0])/delete", as: "root")).0 == 404)
        #expect(contents(await call(api, request(.get, "/api/v1/channels/\(id)/messages?skip=3", as: "bob")).1) == ["m1!"])
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/read", as: "bob")).1 == true)
        #expect(try await api.service.store.channel(id)?.members[ByteKey("bob")] == 5)
        #expect(await call(api, request(.post, "/api/v1/channels/\(id)/nothing", as: "bob")).0 == 404)
    }
}
