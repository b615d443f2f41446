import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// Issue 19: per-user caps on joined documents and awareness entries (both protocols), and member names and colours
/// decided by the server, not the client.
@Suite("Per-user limits and member display", .serialized)
struct MemberLimitsTests {
    let secret = "member-limits"

    func token(_ id: String, name: String? = nil) -> String {
        JWTVerifier.sign(["id": .string(id), "name": .string(name ?? id.capitalized), "role": "user"], secret: secret)
    }

    func harness(_ dir: String, _ configure: (inout DocumentConfiguration) -> Void = { _ in }) async throws -> AppHarness {
        var configuration = AppConfiguration()
        configuration.documents.dataDirectory = dir
        configuration.documents.walSync = .never
        configuration.jwtSecret = secret
        // Awareness relayed at once (no coalescing window), so each step's relay can be checked right after it.
        configuration.documents.awarenessFlushInterval = .zero
        configure(&configuration.documents)
        return try await AppHarness(configuration: configuration)
    }

    /// The client ids of the y-protocols awareness updates `socket` received (taken).
    static func awarenessClients(_ socket: HarnessSocket) -> [ClientID] {
        socket.take { message in
            guard case .binary(let b) = message, case .awareness? = try? ProtocolMessage(bytes: b) else { return false }
            return true
        }.flatMap { message -> [ClientID] in
            guard case .binary(let b) = message, case .awareness(let bytes)? = try? ProtocolMessage(bytes: b),
                let update = try? AwarenessUpdate(bytes: bytes)
            else { return [] }
            return update.entries.map(\.client)
        }
    }

    /// The JSON of the type-100 notices `socket` received (taken).
    static func notices(_ socket: HarnessSocket) -> [JSONValue] {
        socket.take { message in
            if case .binary(let b) = message { b.first == DocumentWire.tandemNoticeType } else { false }
        }.compactMap { message in
            guard case .binary(let b) = message, let start = b.firstIndex(of: UInt8(ascii: "{")) else { return nil }
            return try? JSONValue(parsing: Array(b[start...]))
        }
    }

    static func awareness(_ clients: [ClientID], clock: UInt64 = 1) -> WebSocketMessage {
        let update = AwarenessUpdate(entries: clients.map { .init(client: $0, clock: clock, state: #"{"user":{"name":"x"}}"#) })
        return .binary(ProtocolMessage.awareness(update.encoded()).encoded())
    }

    static func tableClients(_ manager: DocumentManager, _ documentID: String) async -> [ClientID] {
        guard let bytes = await manager.awarenessStates(documentID), let update = try? AwarenessUpdate(bytes: bytes) else {
            return []
        }
        return update.entries.filter { !$0.isRemoval }.map(\.client).sorted()
    }

    @Test("maxDocumentsPerUser counts distinct documents over every connection and both protocols")
    func documentsPerUser() async throws {
        let dir = try makeTemporaryDirectory("per-user-docs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = try await harness(dir) { $0.maxDocumentsPerUser = 3 }
        let manager = h.app.manager
        let tab1 = try await HarnessSocketIOClient.connect(h, token: token("alice"))
        let tab2 = try await HarnessSocketIOClient.connect(h, token: token("alice"))
        await tab1.emit("ydoc:document:join", ["document_id": "doc-0"])
        await tab1.emit("ydoc:document:join", ["document_id": "doc-1"])
        _ = try await tab1.events("ydoc:document:state", count: 2)
        await tab2.emit("ydoc:document:join", ["document_id": "doc-1"])  // held already: counts once
        _ = try await tab2.events("ydoc:document:state")
        #expect(manager.documentCount(ofUser: "alice") == 2)
        let editor = try await h.connect("/yjs/doc-2?token=\(token("alice"))")
        #expect(editor.closeCode == nil && manager.documentCount(ofUser: "alice") == 3)

        // Over the limit: Socket.IO gets `error`, y-websocket a `limit` notice and close 4029; nothing is joined.
        await tab2.emit("ydoc:document:join", ["document_id": "doc-3"])
        let error = try #require(try await tab2.events("error").first)
        #expect(error["message"]?.stringValue?.contains("at most 3 documents") == true)
        #expect(error["document_id"] == "doc-3" && !manager.isLoaded("doc-3"))
        let refused = try await h.connect("/yjs/doc-4?token=\(token("alice"))")
        #expect(refused.closeCode == AuthOutcome.tooManyDocuments.closeCode && refused.closeCode?.rawValue == 4029)
        let notice = try #require(Self.notices(refused).first)
        #expect(notice["type"] == "ydoc:document:refused" && notice["code"] == "limit" && notice["limit"] == 3)
        #expect(!manager.isLoaded("doc-4") && manager.documentCount(ofUser: "alice") == 3)
        // A document the user holds can still be joined from another tab; other users are not affected.
        await tab2.emit("ydoc:document:join", ["document_id": "doc-0"])
        #expect(try await tab2.events("ydoc:document:state").first?["document_id"] == "doc-0")
        let bob = try await HarnessSocketIOClient.connect(h, token: token("bob"))
        await bob.emit("ydoc:document:join", ["document_id": "doc-3"])
        #expect(try await bob.events("ydoc:document:state").first?["document_id"] == "doc-3")

        // Closing the y-websocket connection frees its document.
        await editor.close()
        #expect(manager.documentCount(ofUser: "alice") == 2)
        await tab2.emit("ydoc:document:join", ["document_id": "doc-3"])
        #expect(try await tab2.events("ydoc:document:state").first?["document_id"] == "doc-3")
        #expect(manager.documentCount(ofUser: "alice") == 3 && manager.documentCount(ofUser: "bob") == 1)
        _ = await h.app.shutdown()
    }

    @Test("The peer index counts per user, undoes reservations and frees documents on leave and disconnect")
    func peerIndex() {
        var index = DocumentPeerIndex()
        let (a, b) = (ByteKey("a"), ByteKey("b"))
        #expect(index.reserve(peer: "p1", user: "u", document: a, limit: 1) == .added)
        #expect(index.reserve(peer: "p1", user: "u", document: a, limit: 1) == .existing)
        #expect(index.reserve(peer: "p2", user: "u", document: a, limit: 1) == .added, "the same document counts once")
        #expect(index.reserve(peer: "p2", user: "u", document: b, limit: 1) == .overLimit)
        #expect(index.reserve(peer: "p3", user: "v", document: b, limit: 1) == .added)
        #expect(index.documentCount(ofUser: "u") == 1 && index.documentCount(ofPeer: "p2") == 1)
        index.remove(peer: "p1", document: a)
        #expect(index.documentCount(ofUser: "u") == 1, "p2 still holds it")
        #expect(index.removeAll(peer: "p2") == [a])
        #expect(index.documentCount(ofUser: "u") == 0 && !index.contains(peer: "p2", document: a))
        #expect(index.reserve(peer: "p2", user: "u", document: b, limit: 1) == .added)
        #expect(index.reserve(peer: "p4", user: "w", document: b, limit: 0) == .added, "0 turns the limit off")
        #expect(index.reserve(peer: "p4", user: "w", document: a, limit: 0, peerLimit: 1) == .overPeerLimit)
        #expect(index.reserve(peer: "p4", user: "w", document: b, limit: 0, peerLimit: 1) == .existing)
    }

    @Test("y-websocket: extra awareness client ids past the per-connection and per-user caps are dropped")
    func awarenessCapsYWebSocket() async throws {
        let dir = try makeTemporaryDirectory("awareness-yws")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = try await harness(dir) {
            $0.maxAwarenessEntriesPerPeer = 2
            $0.maxAwarenessEntriesPerUser = 3
        }
        let manager = h.app.manager
        let alice = try await h.connect("/yjs/doc?token=\(token("alice"))")
        let observer = try await h.connect("/yjs/doc?token=\(token("bob"))")
        _ = Self.awarenessClients(observer)
        await alice.send(Self.awareness([1, 2, 3, 4]))
        let notice = try #require(Self.notices(alice).first)
        #expect(notice["code"] == "limit" && notice["limit"] == 2)
        #expect(Self.awarenessClients(observer) == [1, 2], "dropped entries are never relayed")
        #expect(await Self.tableClients(manager, "doc") == [1, 2], "… nor stored")
        // Renewing an own id passes without a notice; a removal frees a slot.
        await alice.send(Self.awareness([1], clock: 2))
        #expect(Self.awarenessClients(observer) == [1] && Self.notices(alice).isEmpty)
        let removal = AwarenessUpdate(entries: [.init(client: 2, clock: 2, state: "null")])
        await alice.send(.binary(ProtocolMessage.awareness(removal.encoded()).encoded()))
        await alice.send(Self.awareness([5]))
        #expect(Self.notices(alice).isEmpty)
        #expect(await Self.tableClients(manager, "doc") == [1, 5])

        // A second connection of the same user: 2 more would make 4 > 3 for the user.
        let second = try await h.connect("/yjs/doc?token=\(token("alice"))")
        await second.send(Self.awareness([6, 7]))
        let userNotice = try #require(Self.notices(second).first)
        #expect(userNotice["limit"] == 3 && userNotice["message"]?.stringValue?.contains("user") == true)
        #expect(await Self.tableClients(manager, "doc") == [1, 5, 6])
        // Another user is not affected.
        await observer.send(Self.awareness([8, 9]))
        #expect(Self.notices(observer).isEmpty)
        #expect(await Self.tableClients(manager, "doc") == [1, 5, 6, 8, 9])
        _ = await h.app.shutdown()
    }

    @Test("Socket.IO: awareness JSON past the caps is filtered before it is relayed, and the sender is told")
    func awarenessCapsSocketIO() async throws {
        let dir = try makeTemporaryDirectory("awareness-sio")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = try await harness(dir) {
            $0.maxAwarenessEntriesPerPeer = 2
            $0.maxAwarenessEntriesPerUser = 3
        }
        let manager = h.app.manager
        let tab1 = try await HarnessSocketIOClient.connect(h, token: token("alice"))
        let tab2 = try await HarnessSocketIOClient.connect(h, token: token("alice"))
        let carol = try await HarnessSocketIOClient.connect(h, token: token("carol"))
        for client in [tab1, tab2, carol] {
            await client.emit("ydoc:document:join", ["document_id": "doc"])
            _ = try await client.events("ydoc:document:state")
        }
        func send(_ client: HarnessSocketIOClient, _ ids: [Int]) async {
            var object = JSONObject()
            for id in ids { object[String(id)] = ["cursor": .null] }
            await client.emit(
                "ydoc:awareness:update",
                ["document_id": "doc", "update": .byteArray(Array(JSONValue.object(object).serialized().utf8))])
        }
        func relayedKeys() async throws -> [String] {
            let event = try #require(try await carol.events("ydoc:awareness:update").first)
            let json = try JSONValue(parsing: try #require(event["update"]?.byteArrayValue))
            return (json.objectValue?.keys).map { $0.sorted() } ?? []
        }
        // Per connection: 3 new ids, 2 pass.
        await send(tab1, [11, 12, 13])
        let refused = try #require(try await tab1.events("ydoc:document:refused").first)
        #expect(refused["code"] == "limit" && refused["limit"] == 2)
        #expect(try await tab1.events("error").first?["message"]?.stringValue?.contains("at most 2 client ids") == true)
        #expect(try await relayedKeys() == ["11", "12"])
        // Per user: tab2 may add one more id for alice.
        await send(tab2, [21, 22])
        #expect(try await tab2.events("ydoc:document:refused").first?["limit"] == 3)
        #expect(try await relayedKeys() == ["21"])
        #expect(await Self.tableClients(manager, "doc") == [11, 12, 21])
        // Only refused ids: nothing is stored or relayed. The room keeps each outbound's order, so had 23 been
        // relayed, tab1 would see it before carol's 31.
        _ = try await tab1.events("ydoc:awareness:update", count: 1)  // tab2's 21
        await send(tab2, [23])
        _ = try await tab2.events("ydoc:document:refused")
        await send(carol, [31])
        let atTab1 = try await tab1.events("ydoc:awareness:update")
        let keys = try atTab1.map { event in
            try JSONValue(parsing: try #require(event["update"]?.byteArrayValue)).objectValue?.keys.sorted() ?? []
        }
        #expect(keys == [["31"]])
        #expect(await Self.tableClients(manager, "doc") == [11, 12, 21, 31])
        _ = await h.app.shutdown()
    }

    @Test("ydoc:user:joined carries the authenticated name; a forged name never reaches the others; bad colours are replaced")
    func memberDisplay() async throws {
        let dir = try makeTemporaryDirectory("display")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = try await harness(dir)
        let bob = try await HarnessSocketIOClient.connect(h, token: token("bob"))
        await bob.emit("ydoc:document:join", ["document_id": "doc"])
        _ = try await bob.events("ydoc:document:state")
        // Open WebUI 0.12.4's join, with a forged name and a style injection as the colour.
        let alice = try await HarnessSocketIOClient.connect(h, token: token("alice", name: "Alice Admin"))
        await alice.emit(
            "ydoc:document:join",
            ["document_id": "doc", "user_id": "bob", "user_name": "Bob (admin)", "user_color": "red;background:url(x)"])
        let joined = try #require(try await bob.events("ydoc:user:joined").first)
        #expect(joined["user_id"] == "alice" && joined["user_name"] == "Alice Admin")
        #expect(joined["user_color"]?.stringValue == MemberDisplay.derivedColor(userID: "alice"))
        #expect(MemberDisplay.palette.contains(MemberDisplay.derivedColor(userID: "alice")))
        #expect(MemberDisplay.derivedColor(userID: "alice") == MemberDisplay.derivedColor(userID: "alice"))
        // A well-formed colour, as the real client sends it, is kept.
        let carol = try await HarnessSocketIOClient.connect(h, token: token("carol"))
        await carol.emit("ydoc:document:join", ["document_id": "doc", "user_name": "Carol", "user_color": "#85C1E9"])
        let second = try #require(try await bob.events("ydoc:user:joined").first)
        #expect(second["user_name"] == "Carol" && second["user_color"] == "#85C1E9")
        // A y-websocket member is announced under its token's name too.
        _ = try await h.connect("/yjs/doc?token=\(token("dave", name: "Dave D"))")
        let third = try #require(try await bob.events("ydoc:user:joined").first)
        #expect(third["user_name"] == "Dave D" && third["user_color"]?.stringValue == MemberDisplay.derivedColor(userID: "dave"))
        let dashboard = try #require(await h.app.manager.snapshot("doc", includeHTML: false))
        #expect(dashboard.members.contains { $0.userID == "alice" && $0.name == "Alice Admin" })
        _ = await h.app.shutdown()
    }

    @Test("Hex colours: #rgb and #rrggbb in either case; anything else is derived from the user id")
    func hexColours() {
        for good in ["#abc", "#ABC", "#85C1E9", "#000000", "#ff6b6b"] { #expect(MemberDisplay.isHexColor(good), "\(good)") }
        for bad in ["", "#", "#abcd", "#12345", "#1234567", "85C1E9", "#GGGGGG", "red", "#fff;x", "\u{FF03}abc", "#ab\u{E9}"] {
            #expect(!MemberDisplay.isHexColor(bad), "\(bad)")
        }
        #expect(MemberDisplay.color(requested: "#abc", userID: "u") == "#abc")
        #expect(MemberDisplay.color(requested: nil, userID: "u") == MemberDisplay.derivedColor(userID: "u"))
        #expect(MemberDisplay.name(of: DocumentPeer(id: "p", kind: .socketIO, userID: "u")) == "Anonymous")
        // The derived colours spread over the palette.
        #expect(Set(["a", "b", "c", "d", "e", "f", "g", "h"].map { MemberDisplay.derivedColor(userID: $0) }).count > 1)
    }
}
