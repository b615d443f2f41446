import Testing
@testable import YCRDT

@Suite("y-protocols messages")
struct SyncProtocolTests {
    @Test("Known y-websocket messages encode to the bytes y-protocols writes")
    func knownBytes() throws {
        // syncStep1 with the empty state vector: [messageSync, step1, len 1, sv count 0]
        #expect(ProtocolMessage.sync(.step1(stateVector: [0])).encoded() == [0, 0, 1, 0])
        #expect(ProtocolMessage.sync(.step2(update: [0, 0])).encoded() == [0, 1, 2, 0, 0])
        #expect(ProtocolMessage.sync(.update([0, 0])).encoded() == [0, 2, 2, 0, 0])
        #expect(ProtocolMessage.queryAwareness.encoded() == [3])
        #expect(ProtocolMessage.authPermissionDenied(reason: "no").encoded() == [2, 0, 2, 110, 111])
        let awareness = AwarenessUpdate(entries: [.init(client: 300, clock: 1, state: "{}")])
        #expect(awareness.encoded() == [1, 0xac, 0x02, 1, 2, 123, 125])
        #expect(ProtocolMessage.awareness(awareness.encoded()).encoded() == [1, 7, 1, 0xac, 0x02, 1, 2, 123, 125])
    }

    @Test("Every message round-trips")
    func roundTrip() throws {
        let messages: [ProtocolMessage] = [
            .sync(.step1(stateVector: [1, 5, 3])), .sync(.step2(update: Array(0..<200))), .sync(.update([0, 0])),
            .awareness(AwarenessUpdate(entries: [.init(client: 1 << 40, clock: 7, state: "null")]).encoded()),
            .authPermissionDenied(reason: "read-only 🙂"), .queryAwareness,
        ]
        for message in messages {
            #expect(try ProtocolMessage(bytes: message.encoded()) == message)
        }
    }

    @Test(
        "Malformed messages throw with an offset",
        arguments: [
            [UInt8](), [9], [0], [0, 3, 0], [0, 0, 5, 1], [1], [1, 2, 0], [2, 1, 0], [2, 0, 3, 65], [3, 0],
            [0, 2, 2, 0, 0, 99], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
        ])
    func malformed(_ bytes: [UInt8]) {
        #expect(throws: DecodingError.self) { try ProtocolMessage(bytes: bytes) }
    }

    @Test("Awareness updates reject truncation, bad UTF-8 and too many entries")
    func malformedAwareness() {
        #expect(throws: DecodingError.self) { try AwarenessUpdate(bytes: [1, 1, 1, 5, 65]) }
        #expect(throws: DecodingError.self) { try AwarenessUpdate(bytes: [1, 1, 1, 1, 0xff]) }
        #expect(throws: DecodingError.self) { try AwarenessUpdate(bytes: [2, 1, 1, 1, 65]) }
        let three = AwarenessUpdate(entries: (1...3).map { .init(client: $0, clock: 1, state: "1") }).encoded()
        #expect(throws: DecodingError.self) { try AwarenessUpdate(bytes: three, maxEntries: 2) }
        #expect((try? AwarenessUpdate(bytes: three))?.entries.count == 3)
    }

    @Test("Random bytes never trap the message decoders")
    func fuzz() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0..<24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? ProtocolMessage(bytes: bytes)
            _ = try? AwarenessUpdate(bytes: bytes)
        }
    }
}

@Suite("Awareness table")
struct AwarenessTableTests {
    let start = ContinuousClock.Instant.now

    func update(_ entries: (ClientID, UInt64, String)...) -> AwarenessUpdate {
        AwarenessUpdate(entries: entries.map { .init(client: $0.0, clock: $0.1, state: $0.2) })
    }

    @Test("Newer clocks win; stale and duplicate entries are not relayed")
    func clocks() {
        var table = Awareness()
        var changes = table.apply(update((1, 1, "{\"a\":1}")), now: start)
        #expect(changes.added == [1])
        changes = table.apply(update((1, 1, "{\"a\":2}")), now: start)
        #expect(changes.isEmpty)
        changes = table.apply(update((1, 3, "{\"a\":3}"), (2, 1, "{}")), now: start)
        #expect(changes.updated == [1] && changes.added == [2])
        changes = table.apply(update((1, 2, "{\"a\":9}")), now: start)
        #expect(changes.isEmpty)
        #expect(table.activeClients == [1, 2])
        #expect(table.encodeAll() == update((1, 3, "{\"a\":3}"), (2, 1, "{}")))
    }

    @Test("A removal at the same clock removes; the removed clock still guards")
    func removal() {
        var table = Awareness()
        _ = table.apply(update((5, 4, "{}")), now: start)
        let changes = table.apply(update((5, 4, "null")), now: start)
        #expect(changes.removed == [5])
        #expect(table.activeClients.isEmpty)
        #expect(table.apply(update((5, 3, "{}")), now: start).isEmpty)
        #expect(table.apply(update((5, 5, "{}")), now: start).added == [5])
    }

    @Test("Closing a connection removes its clients with clock + 1")
    func removeOnClose() {
        var table = Awareness()
        _ = table.apply(update((1, 2, "{}"), (2, 7, "{}")), now: start)
        let removal = table.remove([2, 3], now: start)
        #expect(removal == update((2, 8, "null")))
        #expect(table.remove([2], now: start) == nil)
        #expect(table.activeClients == [1])
    }

    @Test("States not renewed within the timeout expire")
    func expiry() {
        var table = Awareness(timeout: .seconds(30))
        _ = table.apply(update((1, 1, "{}")), now: start)
        _ = table.apply(update((2, 1, "{}")), now: start + .seconds(20))
        #expect(table.expire(now: start + .seconds(29)) == nil)
        #expect(table.expire(now: start + .seconds(30)) == update((1, 2, "null")))
        #expect(table.activeClients == [2])
        table.forgetRemoved(olderThan: .seconds(60), now: start + .seconds(100))
        #expect(table.clients[1] == nil)
    }

    @Test("The client limit bounds memory")
    func clientLimit() {
        var table = Awareness(maxClients: 2)
        _ = table.apply(update((1, 1, "{}"), (2, 1, "{}"), (3, 1, "{}")), now: start)
        #expect(table.activeClients == [1, 2])
    }
}
