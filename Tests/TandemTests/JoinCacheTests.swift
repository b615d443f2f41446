import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// Keeps the raw messages a room sends, to compare bytes and buffers.
final class RawOutbound: DocumentOutbound, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [DocumentWireMessage] = []

    func send(_ message: DocumentWireMessage) { lock.withLock { messages.append(message) } }
    func revoked() {}

    /// The Socket.IO messages received so far, and clears the record.
    func takeSocketIO() -> [SocketIOWireMessage] {
        lock.withLock {
            defer { messages.removeAll() }
            return messages.compactMap { if case .socketIO(let message) = $0 { message } else { nil } }
        }
    }
}

@Suite("Socket.IO join cache: one serialised state per document version")
struct JoinCacheTests {
    static let content: JSONValue = ["md": "# note", "html": "<h1>note</h1>"]

    static func room(_ configuration: DocumentConfiguration = memoryConfiguration()) -> (DocumentRoom, RoomStatistics) {
        let stats = RoomStatistics()
        return (DocumentRoom(documentID: "note:n", configuration: configuration, notes: nil, stats: stats, onClosed: { _ in }), stats)
    }

    /// Joins `id` as a Socket.IO member (with the note's content when `content`) and returns its state packet.
    static func join(_ room: DocumentRoom, _ id: String, content: Bool = true) async throws -> SocketIOWireMessage {
        let outbound = RawOutbound()
        let grant = NoteGrant(canWrite: true, storedContent: content ? Self.content : nil)
        try await room.join(peer(id), outbound: outbound, canWrite: true, grant: grant, color: nil, requested: .now)
        return try #require(outbound.takeSocketIO().first)
    }

    static func payload(_ packet: String) throws -> JSONValue {
        let decoded = try SocketIOPacket(decoding: packet)
        guard case .array(let items)? = decoded.data, items.first == "ydoc:document:state", items.count == 2 else {
            throw BenchLikeError("not a state packet: \(packet.prefix(80))")
        }
        return items[1]
    }

    /// The address of the largest part of a message's frame (the serialised state), to tell sharing from copies.
    static func stateBuffer(_ message: SocketIOWireMessage) -> UnsafePointer<UInt8>? {
        let largest = message.frameParts.max { $0.count < $1.count } ?? []
        return largest.withUnsafeBufferPointer { $0.baseAddress }
    }

    struct BenchLikeError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test("Joiners at the same version get the same packet, serialised once; an update in between gives a fresh one")
    func sharedPerVersion() async throws {
        let updates = try fixtureUpdates(session: 1)
        try #require(updates.count > 1)
        let (room, stats) = Self.room()
        _ = try await Self.join(room, "writer")
        for update in updates.dropLast() { try await room.applyUpdate(update, noteData: nil, from: peer("writer")) }
        let encodingsBefore = stats.snapshot.socketIOStateEncodings

        let first = try await Self.join(room, "a")
        let second = try await Self.join(room, "b")
        #expect(first.frame == second.frame)
        #expect(first.packet == second.packet)
        #expect(first.frame == WebSocketFrameEncoder.encode(.text("4" + first.packet)), "one text frame of 4 + packet")
        #expect(Self.stateBuffer(first) == Self.stateBuffer(second), "the same state buffer, not a copy")
        #expect(stats.snapshot.socketIOStateEncodings == encodingsBefore + 1)
        let expected = DocumentWire.socketIOFromValues(
            .state(documentID: "note:n", state: await room.state(), stateVector: [0], sessions: [], content: Self.content))
        #expect(first.packet == expected, "the same text as the JSONValue encoding")

        try await room.applyUpdate(updates[updates.count - 1], noteData: nil, from: peer("writer"))
        let third = try await Self.join(room, "c")
        #expect(stats.snapshot.socketIOStateEncodings == encodingsBefore + 2)
        #expect(try Self.payload(third.packet)["state"]?.byteArrayValue == (try fixtureState(session: 1)),
                "the update is in the new joiner's state")
    }

    @Test("Content on join and sessions on resync never mix; joiners with their own sessions share the serialised state")
    func variantsDoNotMix() async throws {
        let (room, stats) = Self.room()
        _ = try await Self.join(room, "writer")
        try await room.applyUpdate(try fixtureState(session: 1), noteData: nil, from: peer("writer"))
        let encodingsBefore = stats.snapshot.socketIOStateEncodings

        let joinedMessage = try await Self.join(room, "a")
        #expect(!joinedMessage.hasPacketText, "no packet text until a polling session asks for it")
        let joined = try Self.payload(joinedMessage.packet)
        #expect(joinedMessage.hasPacketText)
        #expect(joined["content"] == Self.content)
        #expect(joined["sessions"] == nil)

        let resyncing = RawOutbound()
        try await room.join(peer("r"), outbound: resyncing, canWrite: true, grant: nil, color: nil, requested: .now)
        _ = resyncing.takeSocketIO()
        try await room.resync(peer("r"))
        let resyncMessage = try #require(resyncing.takeSocketIO().first)
        #expect(Self.stateBuffer(resyncMessage) == Self.stateBuffer(joinedMessage),
                "another tail, the same serialised state buffer")
        let resynced = try Self.payload(resyncMessage.packet)
        #expect(resynced["content"] == nil, "a resync carries sessions, not the content")
        #expect(resynced["sessions"] == ["a", "r", "writer"])
        #expect(resynced["state"] == joined["state"])

        let later = try Self.payload(try await Self.join(room, "b").packet)
        #expect(later["content"] == Self.content, "a join after a resync gets the content again")
        #expect(later["sessions"] == nil)
        #expect(stats.snapshot.socketIOStateEncodings == encodingsBefore + 1, "one serialisation for all three")
    }

    @Test("A lifetime of zero serialises the state for every joiner; the cache goes when it was not used for its lifetime")
    func lifetime() async throws {
        var configuration = memoryConfiguration()
        configuration.joinCacheLifetime = .zero
        let (uncached, uncachedStats) = Self.room(configuration)
        _ = try await Self.join(uncached, "writer")
        try await uncached.applyUpdate(try fixtureState(session: 1), noteData: nil, from: peer("writer"))
        let before = uncachedStats.snapshot.socketIOStateEncodings
        let a = try await Self.join(uncached, "a")
        let b = try await Self.join(uncached, "b")
        #expect(a.packet == b.packet)
        #expect(uncachedStats.snapshot.socketIOStateEncodings == before + 2)

        let (room, stats) = Self.room()
        _ = try await Self.join(room, "writer")
        try await room.applyUpdate(try fixtureState(session: 1), noteData: nil, from: peer("writer"))
        let encodings = stats.snapshot.socketIOStateEncodings
        _ = try await Self.join(room, "a")
        _ = try await room.syncStep2Frame(stateVector: [0])
        #expect(await room.joinCache.isEmpty == false)
        await room.tick(now: .now + .seconds(11))
        #expect(await room.joinCache.isEmpty, "dropped after 10 s unused")
        _ = try await Self.join(room, "b")
        #expect(stats.snapshot.socketIOStateEncodings == encodings + 2)
    }
}
