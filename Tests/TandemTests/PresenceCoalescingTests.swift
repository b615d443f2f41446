import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

@Suite("Presence coalesced per room: one awareness message per member per window")
struct PresenceCoalescingTests {
    /// A room whose window is long enough never to end by itself during a test (10 s, far below the 30 s awareness
    /// timeout): the test ends it with `tick`.
    static func room(interval: Duration = .seconds(10)) -> DocumentRoom {
        var configuration = memoryConfiguration()
        configuration.awarenessFlushInterval = interval
        return DocumentRoom(documentID: "d", configuration: configuration, notes: nil, stats: RoomStatistics(), onClosed: { _ in })
    }

    static func join(_ room: DocumentRoom, _ id: String, kind: DocumentPeer.Kind) async throws -> RecordingOutbound {
        let outbound = RecordingOutbound()
        try await room.join(peer(id, kind: kind), outbound: outbound, canWrite: true, grant: nil, color: nil, requested: .now)
        _ = outbound.take()
        return outbound
    }

    static func state(_ name: String, _ n: Int) -> String { #"{"user":{"name":"\#(name)"},"cursor":{"anchor":\#(n)}}"# }

    static func send(_ room: DocumentRoom, _ client: ClientID, clock: UInt64, _ state: String, from id: String) async throws {
        let update = AwarenessUpdate(entries: [.init(client: client, clock: clock, state: state)])
        try await room.awarenessFromYProtocols(update.encoded(), from: peer(id, kind: .yWebSocket))
    }

    /// Ends the current window.
    static func endWindow(_ room: DocumentRoom) async {
        await room.tick(now: .now + .seconds(11))
    }

    @Test("Updates within one window reach each member as one message with the latest state of every client")
    func oneMessagePerWindow() async throws {
        let room = Self.room()
        let w1 = try await Self.join(room, "w1", kind: .yWebSocket)
        let w2 = try await Self.join(room, "w2", kind: .yWebSocket)
        let observer = try await Self.join(room, "o", kind: .yWebSocket)
        let openWebUI = try await Self.join(room, "s", kind: .socketIO)
        for n in 1...5 { try await Self.send(room, 1, clock: UInt64(n), Self.state("A", n), from: "w1") }
        for n in 1...3 { try await Self.send(room, 2, clock: UInt64(n), Self.state("B", n), from: "w2") }
        #expect(observer.take().isEmpty, "nothing is sent before the window ends")

        await Self.endWindow(room)
        let received = observer.takeAwareness()
        #expect(received.count == 1)
        #expect(received.first?.entries == [.init(client: 1, clock: 5, state: Self.state("A", 5)),
                                            .init(client: 2, clock: 3, state: Self.state("B", 3))])
        let events = openWebUI.take("ydoc:awareness:update")
        #expect(events.count == 1)
        let json = try JSONValue(parsing: try #require(events.first?["update"]?.byteArrayValue))
        #expect(json["1"] == (try JSONValue(parsing: Self.state("A", 5))))
        #expect(json["2"] == (try JSONValue(parsing: Self.state("B", 3))))
        #expect(w1.takeAwareness().map(\.entries) == [[.init(client: 2, clock: 3, state: Self.state("B", 3))]],
                "a sender does not get its own entries back")
        #expect(w2.takeAwareness().map(\.entries) == [[.init(client: 1, clock: 5, state: Self.state("A", 5))]])

        await Self.endWindow(room)
        #expect(observer.take().isEmpty, "an empty window sends nothing")
    }

    @Test("Nothing is lost or reordered per client: a member's table ends as the server's, removals included")
    func latestPerClient() async throws {
        let room = Self.room()
        _ = try await Self.join(room, "w1", kind: .yWebSocket)
        _ = try await Self.join(room, "w2", kind: .yWebSocket)
        let observer = try await Self.join(room, "o", kind: .yWebSocket)
        var mirror = Awareness()
        for round in 0..<3 {
            let base = UInt64(round * 4)
            try await Self.send(room, 1, clock: base + 1, Self.state("A", round), from: "w1")
            try await Self.send(room, 2, clock: base + 1, Self.state("B", round), from: "w2")
            try await Self.send(room, 1, clock: base + 2, "null", from: "w1")
            try await Self.send(room, 3, clock: base + 1, Self.state("C", round), from: "w2")
            try await Self.send(room, 1, clock: base + 3, Self.state("A", round + 10), from: "w1")
            try await Self.send(room, 1, clock: base + 1, Self.state("stale", 0), from: "w1")  // older: dropped
            if round == 2 { try await Self.send(room, 3, clock: base + 2, "null", from: "w2") }
            await Self.endWindow(room)
            for update in observer.takeAwareness() { _ = mirror.apply(update, now: .now) }
            let server = try AwarenessUpdate(bytes: try #require(await room.awarenessStates()))
            #expect(mirror.encodeAll() == server, "round \(round)")
        }
        #expect(mirror.clients[3]?.state == nil, "the removal of client 3 arrived")
    }

    @Test("Open WebUI awareness: one arrival is relayed untouched, several are merged into one JSON object")
    func openWebUIMerged() async throws {
        let room = Self.room()
        let a = try await Self.join(room, "a", kind: .socketIO)
        let b = try await Self.join(room, "b", kind: .socketIO)
        let observer = try await Self.join(room, "o", kind: .socketIO)
        let bytesA = Array(#"{"11":{"user":{"name":"A"},"cursor":null}}"#.utf8)
        try await room.awarenessFromJSON(bytesA, from: peer("a"))
        await Self.endWindow(room)
        #expect(observer.take("ydoc:awareness:update").first?["update"]?.byteArrayValue == bytesA)
        #expect(a.take("ydoc:awareness:update").isEmpty)
        _ = b.take()

        try await room.awarenessFromJSON(Array(#"{"11":{"user":{"name":"A"},"cursor":{"x":1}}}"#.utf8), from: peer("a"))
        try await room.awarenessFromJSON(Array(#"{"12":{"user":{"name":"B"},"cursor":null}}"#.utf8), from: peer("b"))
        try await room.awarenessFromJSON(Array(#"{"11":{"user":{"name":"A"},"cursor":{"x":2}}}"#.utf8), from: peer("a"))
        await Self.endWindow(room)
        let merged = observer.take("ydoc:awareness:update")
        #expect(merged.count == 1)
        let json = try JSONValue(parsing: try #require(merged.first?["update"]?.byteArrayValue))
        #expect(json == ["11": ["user": ["name": "A"], "cursor": ["x": 2]], "12": ["user": ["name": "B"], "cursor": .null]])
        let toA = try JSONValue(parsing: try #require(a.take("ydoc:awareness:update").first?["update"]?.byteArrayValue))
        #expect(toA == ["12": ["user": ["name": "B"], "cursor": .null]], "A gets B's entry, not its own")
    }

    @Test("Interval 0 relays every update at once, one message each, as before")
    func intervalZero() async throws {
        let room = Self.room(interval: .zero)
        let observer = try await Self.join(room, "o", kind: .yWebSocket)
        let sender = try await Self.join(room, "w", kind: .yWebSocket)
        for n in 1...4 { try await Self.send(room, 1, clock: UInt64(n), Self.state("A", n), from: "w") }
        #expect(observer.takeAwareness().map(\.entries) == (1...4).map { [.init(client: 1, clock: UInt64($0), state: Self.state("A", $0))] })
        #expect(sender.takeAwareness().isEmpty)
    }

    @Test("The room's timer ends the window by itself")
    func timerFlushes() async throws {
        let room = Self.room(interval: .milliseconds(20))
        let observer = try await Self.join(room, "o", kind: .yWebSocket)
        _ = try await Self.join(room, "w", kind: .yWebSocket)
        for n in 1...3 { try await Self.send(room, 1, clock: UInt64(n), Self.state("A", n), from: "w") }
        var received: [AwarenessUpdate] = []
        try await eventually("the latest state reaches the observer", timeout: .seconds(30)) {
            received += observer.takeAwareness()
            return received.last?.entries.last == .init(client: 1, clock: 3, state: Self.state("A", 3))
        }
    }

    @Test("The next expiry is a running minimum: renewals do not rescan, and a state still expires after 30 s")
    func expiryRunningMinimum() async throws {
        let room = Self.room()
        let observer = try await Self.join(room, "o", kind: .yWebSocket)
        _ = try await Self.join(room, "w", kind: .yWebSocket)
        let start = ContinuousClock.now
        try await Self.send(room, 1, clock: 1, Self.state("A", 1), from: "w")
        try await Self.send(room, 2, clock: 1, Self.state("B", 1), from: "w")
        guard case .at(let due) = await room.awarenessExpiry else {
            Issue.record("the expiry is known after an update")
            return
        }
        #expect(due >= start + .seconds(30))
        await room.tick(now: start + .seconds(10))
        _ = observer.take()
        try await Self.send(room, 2, clock: 2, Self.state("B", 2), from: "w")  // a renewal lowers nothing
        await room.tick(now: .now + .seconds(31))
        let removals = observer.takeAwareness().flatMap(\.entries).filter(\.isRemoval)
        #expect(Set(removals.map(\.client)) == [1, 2], "both expired once their 30 s passed")
        #expect(await room.nextAwarenessExpiry() == nil)
    }
}
