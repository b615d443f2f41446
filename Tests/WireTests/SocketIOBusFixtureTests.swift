import Foundation
import Testing
@testable import Wire

/// One message captured from python-socketio 5.16.2 by Tests/Fixtures/socketio-bus/generate.py.
struct BusFixture: CustomTestStringConvertible, Sendable {
    let name: String
    let channel: String
    let payload: String

    var testDescription: String { self.name }

    static let all: [BusFixture] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/socketio-bus/messages.json")
        guard let data = try? Data(contentsOf: url), let root = try? JSONValue(parsing: Array(data)),
            let messages = root["messages"]?.arrayValue
        else { return [] }
        return messages.compactMap { entry in
            guard let name = entry["name"]?.stringValue, let channel = entry["channel"]?.stringValue,
                let payload = entry["payload"]?.stringValue
            else { return nil }
            return BusFixture(name: name, channel: channel, payload: payload)
        }
    }()

    static func named(_ name: String) throws -> BusFixture {
        try #require(self.all.first { $0.name == name }, "fixture \(name) missing")
    }

    func message() throws -> SocketIOBusMessage {
        try SocketIOBusMessage(json: Array(self.payload.utf8))
    }
}

struct SocketIOBusFixtureTests {
    @Test("The capture holds every message kind")
    func captureIsComplete() {
        let names = Set(BusFixture.all.map(\.name))
        for name in ["emit-room", "emit-broadcast", "emit-skip-sid", "emit-multiple-args", "emit-binary", "emit-unicode",
            "call", "call-2", "enter-room", "leave-room", "close-room", "disconnect", "openwebui-room-channel",
            "openwebui-room-channel-broadcast"]
        {
            #expect(names.contains(name), "missing \(name)")
        }
    }

    @Test("Every captured message decodes and re-encodes to equivalent JSON", arguments: BusFixture.all)
    func roundTrip(_ fixture: BusFixture) throws {
        let message = try fixture.message()
        let original = try JSONValue(parsing: fixture.payload)
        let reencoded = try JSONValue(parsing: message.serializedBytes())
        #expect(reencoded.isEquivalent(to: original), "\(reencoded) vs \(original)")
        // Same members in python-socketio's order: only whitespace differs from json.dumps.
        #expect(reencoded.objectValue?.keys == original.objectValue?.keys)
        #expect(try SocketIOBusMessage(json: message.serializedBytes()) == message)
    }

    @Test("Every captured message was published on the channel the codec picks", arguments: BusFixture.all)
    func channelMatches(_ fixture: BusFixture) throws {
        let channels = SocketIOBusChannels(roomChannels: fixture.name.hasPrefix("openwebui-"))
        #expect(channels.channel(for: try fixture.message()) == fixture.channel)
    }

    @Test("An emit to a room carries event, arguments, namespace, room and host")
    func emitRoom() throws {
        guard case .emit(let emit) = try BusFixture.named("emit-room").message() else { Issue.record("not an emit"); return }
        #expect(emit.event == "events")
        #expect(emit.arguments == [["chat_id": "c1", "data": ["type": "status", "n": 1.5]]])
        #expect(emit.namespace == "/")
        #expect(emit.recipients == .room("user:42"))
        #expect(emit.skipSIDs.isEmpty && emit.callback == nil && emit.attachments.isEmpty)
        #expect(emit.hostID?.count == 32)
    }

    @Test("Broadcast, skip_sid and several arguments")
    func emitVariants() throws {
        guard case .emit(let broadcast) = try BusFixture.named("emit-broadcast").message(),
            case .emit(let skip) = try BusFixture.named("emit-skip-sid").message(),
            case .emit(let pair) = try BusFixture.named("emit-multiple-args").message()
        else { Issue.record("not emits"); return }
        #expect(broadcast.recipients == .everyone)
        #expect(skip.skipSIDs.count == 1 && skip.recipients == .room("doc_note:1"))
        #expect(pair.arguments == ["first", 2, nil, true])
        #expect(pair.namespace == "/chat" && pair.recipients == .room("room/with#hash"))
    }

    @Test("A binary emit keeps placeholders and decodes base64 attachments")
    func emitBinary() throws {
        guard case .emit(let emit) = try BusFixture.named("emit-binary").message() else { Issue.record("not an emit"); return }
        #expect(emit.attachments == [[0, 1, 0xFE, 0xFF], Array("hello".utf8)])
        #expect(emit.arguments[0]["bytes"] == .placeholder(0))
        let resolved = try emit.resolvedArguments()
        #expect(resolved == [["name": "x", "bytes": [0, 1, 254, 255], "more": [[104, 101, 108, 108, 111], "text"]]])
    }

    @Test("Non-ASCII text and escapes survive (python escapes to \\uXXXX)")
    func emitUnicode() throws {
        guard case .emit(let emit) = try BusFixture.named("emit-unicode").message() else { Issue.record("not an emit"); return }
        #expect(emit.arguments == ["h\u{E9}llo \u{2603} \u{1F600} \"quoted\" \\ \n"])
        #expect(String(decoding: SocketIOBusMessage.emit(emit).serializedBytes(), as: UTF8.self).contains("\\ud83d\\ude00"))
    }

    @Test("A call is an emit with a callback, answered by a callback message to the caller's host")
    func callAndCallback() throws {
        guard case .emit(let emit) = try BusFixture.named("call").message(),
            case .callback(let callback) = try BusFixture.named("call-2").message()
        else { Issue.record("wrong kinds"); return }
        let request = try #require(emit.callback)
        #expect(request.room == callback.sid && request.namespace == "/" && request.id == 1)
        #expect(emit.recipients == .room(callback.sid))
        #expect(callback.hostID == emit.hostID)
        #expect(callback.id == request.id)
        #expect(callback.arguments == [["answer": 42, "to": ["q": "life"]]])
        // The caller acts on the callback; everyone else ignores it.
        let host = try #require(emit.hostID)
        #expect(SocketIOBusMessage.callback(callback).isFor(hostID: host))
        #expect(!SocketIOBusMessage.callback(callback).isFor(hostID: "other"))
        #expect(!SocketIOBusMessage.emit(emit).isFor(hostID: host))
        #expect(SocketIOBusMessage.emit(emit).isFor(hostID: "other"))
    }

    @Test("Room changes, close_room and disconnect")
    func roomMessages() throws {
        let enter = try BusFixture.named("enter-room").message()
        guard case .enterRoom(let sid, "doc_note:1", "/", let host?) = enter else { Issue.record("\(enter)"); return }
        #expect(try BusFixture.named("leave-room").message() == .leaveRoom(sid: sid, room: "doc_note:1", namespace: "/", hostID: host))
        #expect(try BusFixture.named("close-room").message() == .closeRoom(room: "doc_note:1", namespace: "/", hostID: host))
        #expect(try BusFixture.named("disconnect").message() == .disconnect(sid: sid, namespace: "/", hostID: host))
    }

    @Test("Open WebUI's room-channel manager publishes a room emit on socketio#<namespace>#<room>")
    func openWebUIRoomChannel() throws {
        let fixture = try BusFixture.named("openwebui-room-channel")
        #expect(fixture.channel == "socketio#/#note:n1")
        let channels = SocketIOBusChannels()
        #expect(channels.room(ofChannel: fixture.channel)! == ("/", "note:n1"))
        #expect(channels.room(ofChannel: "socketio#/#a#b")! == ("/", "a#b"))
        #expect(channels.room(ofChannel: "socketio") == nil)
        #expect(channels.room(ofChannel: "other#/#x") == nil)
        #expect(SocketIOBusChannels(roomChannels: false).channel(for: try fixture.message()) == "socketio")
    }
}
