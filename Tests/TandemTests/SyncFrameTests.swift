import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

@Suite("Shared y-websocket sync step 2 frames")
struct SyncFrameTests {
    /// The y-protocols message inside one server frame.
    static func message(_ frame: [UInt8]) throws -> ProtocolMessage {
        var decoder = WebSocketFrameDecoder(role: .client)
        decoder.append(frame)
        let decoded = try #require(try decoder.nextFrame())
        return try ProtocolMessage(bytes: decoded.payload)
    }

    @Test("Clients syncing from nothing get the full state, encoded once and shared until the document changes")
    func sharedUntilChanged() async throws {
        let updates = try fixtureUpdates(session: 1)
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        try await manager.join("d", peer: peer("w", kind: .yWebSocket), outbound: RecordingOutbound())
        for update in updates.dropLast() { try await manager.applyUpdate("d", update: update, from: peer("w", kind: .yWebSocket)) }
        let first = try await manager.syncStep2Frame("d", stateVector: [0])
        let second = try await manager.syncStep2Frame("d", stateVector: [0])
        #expect(first == second)
        #expect(first.withUnsafeBufferPointer { $0.baseAddress } == second.withUnsafeBufferPointer { $0.baseAddress },
                "the same buffer, not a copy")
        #expect(try Self.message(first) == .sync(.step2(update: try #require(await manager.state("d")))))

        try #require(updates.count > 1)
        try await manager.applyUpdate("d", update: updates[updates.count - 1], from: peer("w", kind: .yWebSocket))
        let after = try await manager.syncStep2Frame("d", stateVector: [0])
        #expect(try Self.message(after) == .sync(.step2(update: try fixtureState(session: 1))), "an update drops the cache")
    }

    @Test("A client with a state vector gets its diff, the same as before")
    func diffForKnownState() async throws {
        let updates = try fixtureUpdates(session: 1)
        let manager = DocumentManager(configuration: memoryConfiguration(), notes: nil)
        try await manager.join("d", peer: peer("w", kind: .yWebSocket), outbound: RecordingOutbound())
        for update in updates { try await manager.applyUpdate("d", update: update, from: peer("w", kind: .yWebSocket)) }
        var client = Document(clientID: 77)
        _ = try client.applyUpdate(try #require(updates.first))
        let vector = client.encodeStateVector()
        let frame = try await manager.syncStep2Frame("d", stateVector: vector)
        #expect(try Self.message(frame) == .sync(.step2(update: try await manager.diff("d", stateVector: vector))))
        await #expect(throws: DocumentRefusal.self) { try await manager.syncStep2Frame("d", stateVector: [5, 1]) }
        await #expect(throws: DocumentRefusal.self) { try await manager.syncStep2Frame("nope", stateVector: [0]) }
    }
}

@Suite("Socket.IO state and update packets written from the bytes")
struct SocketIOBytesPacketTests {
    static let origin = DocumentPeer(id: "sid-\"1\"", kind: .socketIO, userID: "user é")

    @Test("State and update packets are the same text as the JSONValue encoding", arguments: [
        DocumentEvent.state(documentID: "note:1", state: [0, 1, 99, 100, 255, 10], stateVector: [0], sessions: ["a", "b"],
                            content: nil),
        .state(documentID: "d", state: [], stateVector: [0], sessions: [], content: ["md": "# hi \"x\""]),
        .update(documentID: "d\\2", update: Array(0...255), origin: SocketIOBytesPacketTests.origin),
    ])
    func sameText(_ event: DocumentEvent) throws {
        let fast = try #require(DocumentWire.socketIOWithBytes(event))
        #expect(fast == DocumentWire.socketIOFromValues(event))
        #expect(try SocketIOPacket(decoding: fast).data != nil, "a packet that decodes")
    }

    @Test("The Engine.IO frame is the text frame of 4 + packet")
    func frame() throws {
        let packet = #"2["x",{"a":[1,2]}]"#
        #expect(SocketIOWireMessage(packet: packet).frame == WebSocketFrameEncoder.encode(.text("4" + packet)))
        let long = String(repeating: "y", count: 70_000)
        #expect(SocketIOWireMessage(packet: long).frame == WebSocketFrameEncoder.encode(.text("4" + long)))
        #expect(SocketIOWireMessage(packet: long).packet == long)
        #expect(DocumentWire.socketIOWithBytes(.left(documentID: "d", peer: Self.origin)) == nil)
    }
}
