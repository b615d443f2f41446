import Testing
import Wire
@testable import Tandem

/// The next message, or nil after `timeout`.
private func nextMessage(
    _ iterator: inout AsyncStream<RedisSubscriber.Message>.Iterator, timeout: Duration = .seconds(3)
) async -> RedisSubscriber.Message? {
    let box = IteratorBox(iterator)
    let message = await withTaskGroup(of: RedisSubscriber.Message?.self) { group in
        group.addTask { await box.next() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
    iterator = box.iterator
    return message
}

private final class IteratorBox: @unchecked Sendable {
    var iterator: AsyncStream<RedisSubscriber.Message>.Iterator
    init(_ iterator: AsyncStream<RedisSubscriber.Message>.Iterator) { self.iterator = iterator }
    func next() async -> RedisSubscriber.Message? { await self.iterator.next() }
}

@Suite(.serialized)
struct RedisSubscriberTests {
    @Test("SUBSCRIBE and PSUBSCRIBE deliver published messages in order; UNSUBSCRIBE stops them")
    func pubsub() async throws {
        let server = try RedisServerProcess()
        let configuration = try testRedisConfiguration(server.url)
        let client = RedisClient(configuration: configuration)
        let subscriber = RedisSubscriber(configuration: configuration)
        defer { Task { await client.close(); await subscriber.close() } }
        var messages = subscriber.messages.makeAsyncIterator()
        try await subscriber.subscribe(["socketio"])
        try await subscriber.psubscribe(["socketio#*"])
        #expect(await subscriber.subscribedChannels == ["socketio"])
        let payload = Array(#"{"method":"emit"}"#.utf8) + [0, 255]
        #expect(try await client.send(RESPCommand("PUBLISH", "socketio", payload)) == .integer(1))
        _ = try await client.send(RESPCommand("PUBLISH", "socketio#/#note:1", "room"))
        for index in 0..<100 { _ = try await client.send(RESPCommand("PUBLISH", "socketio", index)) }
        #expect(await nextMessage(&messages) == RedisSubscriber.Message(channel: "socketio", payload: payload))
        #expect(await nextMessage(&messages)
            == RedisSubscriber.Message(channel: "socketio#/#note:1", pattern: "socketio#*", payload: Array("room".utf8)))
        for index in 0..<100 {
            #expect(await nextMessage(&messages)?.payload == Array(String(index).utf8))
        }
        try await subscriber.unsubscribe(["socketio"])
        #expect(try await client.send(RESPCommand("PUBLISH", "socketio", "gone")) == .integer(0))
        try await subscriber.punsubscribe(["socketio#*"])
        #expect(try await client.send(RESPCommand("PUBSUB", "NUMPAT")) == .integer(0))
    }

    @Test("A real bus message published by the client decodes on the subscriber side")
    func busMessage() async throws {
        let server = try RedisServerProcess()
        let configuration = try testRedisConfiguration(server.url)
        let client = RedisClient(configuration: configuration)
        let subscriber = RedisSubscriber(configuration: configuration)
        defer { Task { await client.close(); await subscriber.close() } }
        var messages = subscriber.messages.makeAsyncIterator()
        let channels = SocketIOBusChannels()
        try await subscriber.subscribe([channels.base, channels.channel(namespace: "/", room: "note:1")])
        let sent = SocketIOBusMessage.emit(SocketIOBusEmit(
            event: "events:note", arguments: [["note_id": "1"]], recipients: .room("note:1"), hostID: "tandem"))
        _ = try await client.send(RESPCommand("PUBLISH", channels.channel(for: sent), sent.serializedBytes()))
        let received = try #require(await nextMessage(&messages))
        #expect(received.channel == "socketio#/#note:1")
        #expect(try SocketIOBusMessage(json: received.payload) == sent)
    }

    @Test("After the server restarts, the subscriber reconnects and resubscribes by itself")
    func resubscribe() async throws {
        let server = try RedisServerProcess()
        let configuration = try testRedisConfiguration(server.url)
        let client = RedisClient(configuration: configuration)
        let subscriber = RedisSubscriber(configuration: configuration)
        defer { Task { await client.close(); await subscriber.close() } }
        var messages = subscriber.messages.makeAsyncIterator()
        try await subscriber.subscribe(["a", "b"])
        try await subscriber.psubscribe(["p*"])
        server.stop()
        try server.start()
        // Wait until both subscriptions are back (PUBSUB reports them from the server's side).
        var restored = false
        for _ in 0..<200 {
            if let counts = try? await client.send(RESPCommand("PUBSUB", "NUMSUB", "a", "b"), timeout: .milliseconds(300)),
                counts == .array([.bulk("a"), .integer(1), .bulk("b"), .integer(1)]),
                (try? await client.send(RESPCommand("PUBSUB", "NUMPAT"))) == .integer(1)
            {
                restored = true
                break
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(restored)
        _ = try await client.send(RESPCommand("PUBLISH", "b", "after"))
        _ = try await client.send(RESPCommand("PUBLISH", "pq", "pattern"))
        #expect(await nextMessage(&messages) == RedisSubscriber.Message(channel: "b", payload: Array("after".utf8)))
        #expect(await nextMessage(&messages)?.pattern == "p*")
        #expect(await subscriber.state == .connected)
    }
}
