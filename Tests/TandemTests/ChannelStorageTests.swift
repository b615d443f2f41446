import Foundation
import Testing
import Wire
@testable import Tandem

/// The channel backends against the same expectations: files (one node) and Redis (cluster mode, a real
/// redis-server), Docs/cluster.md "Notes and channels in Redis".
@Suite(.serialized)
struct ChannelStorageTests {
    @Test("Channels are created, read, listed by member, and changed by the owner; another node sees them", arguments: StoreBackend.allCases)
    func channels(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        let store = try fixture.channels()
        let general = try await store.createChannel(name: " general ", ownerID: "alice", memberIDs: ["bob"], now: 1)
        let random = try await store.createChannel(name: "random", ownerID: "carol", memberIDs: [], now: 2)
        #expect(general.name == "general" && general.isMember("alice") && general.isMember("bob"))
        let other = try fixture.otherNodeChannels()
        #expect(try await other.channel(general.id) == general)
        #expect(try await other.channel("nope") == nil)
        #expect(try await other.channels(of: "bob", includeAll: false).map(\.id) == [general.id])
        #expect(try await other.channels(of: "root", includeAll: true).map(\.id) == [general.id, random.id])
        await #expect(throws: ChannelError.notAllowed) {
            _ = try await other.changeMembers(general.id, add: ["dave"], remove: [], by: "bob", isAdmin: false, now: 3)
        }
        let changed = try await other.changeMembers(
            general.id, add: ["dave"], remove: ["bob", "alice"], by: "alice", isAdmin: false, now: 3)
        #expect(changed.members.keys.map(\.string).sorted() == ["alice", "dave"])  // the owner stays
        #expect(changed.updatedAt == 3)
        #expect(try await store.channel(general.id) == changed)
        #expect(try await store.channels(of: "bob", includeAll: false).isEmpty)
        #expect(try await store.channels(of: "dave", includeAll: false).map(\.id) == [general.id])
        await #expect(throws: ChannelError.channelNotFound("nope")) {
            _ = try await store.changeMembers("nope", add: [], remove: [], by: "root", isAdmin: true, now: 4)
        }
        #expect(try await fixture.reopenedChannels().channel(general.id) == changed)
    }

    @Test("Members post, page, edit and delete; non-members and non-authors are refused", arguments: StoreBackend.allCases)
    func messages(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        let store = try fixture.channels()
        let channel = try await store.createChannel(name: "c", ownerID: "alice", memberIDs: ["bob"], now: 1)
        var ids: [String] = []
        for index in 0..<7 {
            let author = index % 2 == 0 ? "alice" : "bob"
            ids.append(try await store.post(channel.id, userID: author, content: "m\(index)", parentID: nil, now: Int64(10 + index)).id)
        }
        let reply = try await store.post(channel.id, userID: "bob", content: "re", parentID: ids[0], now: 20)
        #expect(reply.parentID == ids[0])
        await #expect(throws: ChannelError.messageNotFound("missing")) {
            _ = try await store.post(channel.id, userID: "bob", content: "re", parentID: "missing", now: 21)
        }
        await #expect(throws: ChannelError.notMember) {
            _ = try await store.post(channel.id, userID: "eve", content: "hi", parentID: nil, now: 21)
        }
        await #expect(throws: ChannelError.channelNotFound("nope")) {
            _ = try await store.post("nope", userID: "bob", content: "hi", parentID: nil, now: 21)
        }
        let other = try fixture.otherNodeChannels()
        let edited = try await other.edit(channel.id, messageID: ids[1], content: "m1!", by: "bob", isAdmin: false, now: 50)
        #expect(edited.content == "m1!" && edited.updatedAt == 50 && edited.createdAt == 11)
        await #expect(throws: ChannelError.notAllowed) {
            _ = try await other.edit(channel.id, messageID: ids[0], content: "x", by: "bob", isAdmin: false, now: 51)
        }
        await #expect(throws: ChannelError.notMember) {
            _ = try await other.delete(channel.id, messageID: ids[0], by: "eve", isAdmin: false)
        }
        #expect(try await other.delete(channel.id, messageID: ids[2], by: "root", isAdmin: true).content == "m2")
        await #expect(throws: ChannelError.messageNotFound(ids[2])) {
            _ = try await other.delete(channel.id, messageID: ids[2], by: "alice", isAdmin: false)
        }
        // Pages, newest first, from either node and after a restart.
        for reader in [store, other, try fixture.reopenedChannels()] {
            let first = try await reader.messages(channel.id, userID: "bob", isAdmin: false, skip: 0, limit: 3)
            #expect(first.map(\.content) == ["re", "m6", "m5"])
            let next = try await reader.messages(channel.id, userID: "bob", isAdmin: false, skip: 3, limit: 3)
            #expect(next.map(\.content) == ["m4", "m3", "m1!"])
            #expect(try await reader.messages(channel.id, userID: "root", isAdmin: true, skip: 6, limit: nil).map(\.content) == ["m0"])
            #expect(try await reader.messages(channel.id, userID: "bob", isAdmin: false, skip: 100, limit: nil).isEmpty)
        }
        await #expect(throws: ChannelError.notMember) {
            _ = try await other.messages(channel.id, userID: "eve", isAdmin: false, skip: 0, limit: nil)
        }
        #expect(try await other.summaries().map(\.messages) == [7])
    }

    @Test("Read marks are kept per member, for members only", arguments: StoreBackend.allCases)
    func readMarks(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        let store = try fixture.channels()
        let channel = try await store.createChannel(name: "c", ownerID: "alice", memberIDs: ["bob"], now: 1)
        try await store.markRead(channel.id, userID: "bob", now: 42)
        await #expect(throws: ChannelError.notMember) { try await store.markRead(channel.id, userID: "eve", now: 43) }
        await #expect(throws: ChannelError.channelNotFound("nope")) { try await store.markRead("nope", userID: "bob", now: 43) }
        let seen = try await fixture.otherNodeChannels().channel(channel.id)
        #expect(seen?.members[ByteKey("bob")] == 42 && seen?.members[ByteKey("alice")] == 0)
        await store.sync()
        #expect(try await fixture.reopenedChannels().channel(channel.id)?.members[ByteKey("bob")] == 42)
    }

    @Test("Limits: name, members, message size, blank messages and page size", arguments: StoreBackend.allCases)
    func limits(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        fixture.limits.maxMembers = 3
        fixture.limits.maxMessageBytes = 10
        fixture.limits.maxPageSize = 4
        fixture.limits.maxNameLength = 5
        let store = try fixture.channels()
        await #expect(throws: ChannelError.self) { _ = try await store.createChannel(name: "  ", ownerID: "a", memberIDs: [], now: 1) }
        await #expect(throws: ChannelError.self) { _ = try await store.createChannel(name: "toolong", ownerID: "a", memberIDs: [], now: 1) }
        await #expect(throws: ChannelError.self) {
            _ = try await store.createChannel(name: "c", ownerID: "a", memberIDs: ["b", "c", "d"], now: 1)
        }
        let channel = try await store.createChannel(name: "c", ownerID: "a", memberIDs: ["b", "c"], now: 1)
        await #expect(throws: ChannelError.invalid("too many members (limit 3)")) {
            _ = try await store.changeMembers(channel.id, add: ["d"], remove: [], by: "a", isAdmin: false, now: 2)
        }
        #expect(try await store.changeMembers(channel.id, add: ["d"], remove: ["c"], by: "a", isAdmin: false, now: 2).members.count == 3)
        await #expect(throws: ChannelError.self) { _ = try await store.post(channel.id, userID: "a", content: "01234567890", parentID: nil, now: 3) }
        await #expect(throws: ChannelError.invalid("empty message")) { _ = try await store.post(channel.id, userID: "a", content: " \n", parentID: nil, now: 3) }
        let first = try await store.post(channel.id, userID: "a", content: "ok", parentID: nil, now: 3)
        await #expect(throws: ChannelError.self) {
            _ = try await store.edit(channel.id, messageID: first.id, content: "01234567890", by: "a", isAdmin: false, now: 4)
        }
        for index in 0..<6 { _ = try await store.post(channel.id, userID: "a", content: "m\(index)", parentID: nil, now: 5) }
        #expect(try await store.messages(channel.id, userID: "a", isAdmin: false, skip: 0, limit: 100).count == 4)
        #expect(try await store.messages(channel.id, userID: "a", isAdmin: false, skip: 0, limit: -1).isEmpty)
        #expect(try await store.messages(channel.id, userID: "a", isAdmin: false, skip: -5, limit: 1).map(\.content) == ["m5"])
    }

    @Test("Two nodes posting and editing at once see every message, each once, and no edit is lost", arguments: StoreBackend.allCases)
    func concurrentNodes(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        fixture.limits.maxPageSize = 200
        let (a, b) = (try fixture.channels(), try fixture.otherNodeChannels())
        let channel = try await a.createChannel(name: "c", ownerID: "alice", memberIDs: ["bob"], now: 1)
        let target = try await a.post(channel.id, userID: "alice", content: "target", parentID: nil, now: 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let store = index % 2 == 0 ? a : b
                    _ = try await store.post(channel.id, userID: index % 2 == 0 ? "alice" : "bob", content: "p\(index)", parentID: nil, now: 2)
                    // Admin edits of one message from both nodes: each is stored whole (the last one wins).
                    _ = try await store.edit(channel.id, messageID: target.id, content: "e\(index)", by: "root", isAdmin: true, now: Int64(index))
                    try await store.markRead(channel.id, userID: index % 2 == 0 ? "alice" : "bob", now: Int64(index))
                }
            }
            try await group.waitForAll()
        }
        for store in [a, b] {
            let all = try await store.messages(channel.id, userID: "bob", isAdmin: false, skip: 0, limit: 200)
            #expect(all.count == 41)
            #expect(Set(all.map(\.content)).isSuperset(of: (0..<40).map { "p\($0)" }))
            #expect(Set(all.map(\.id)).count == 41)
            #expect(all.last?.id == target.id && all.last?.content.hasPrefix("e") == true)
        }
    }

    @Test("A message entry that does not decode is skipped in pages and the history goes on", arguments: StoreBackend.allCases)
    func malformedMessage(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        let store = try fixture.channels()
        let channel = try await store.createChannel(name: "c", ownerID: "alice", memberIDs: [], now: 1)
        _ = try await store.post(channel.id, userID: "alice", content: "before", parentID: nil, now: 2)
        await store.sync()
        try await fixture.injectMalformedMessage(channel.id, Array("{not json".utf8))
        let reader = try fixture.reopenedChannels()
        #expect(try await reader.messages(channel.id, userID: "alice", isAdmin: false, skip: 0, limit: nil).map(\.content) == ["before"])
        _ = try await reader.post(channel.id, userID: "alice", content: "after", parentID: nil, now: 3)
        #expect(try await reader.messages(channel.id, userID: "alice", isAdmin: false, skip: 0, limit: nil).map(\.content) == ["after", "before"])
    }

    @Test("Unreadable channels and members in Redis are skipped and never written back")
    func malformedRedisChannels() async throws {
        let fixture = try StoreFixture(.redis)
        fixture.limits.maxMembers = 3
        let store = try fixture.channels()
        let client = try #require(fixture.client)
        let good = try await store.createChannel(name: "good", ownerID: "alice", memberIDs: [], now: 1)
        let crowded = try await store.createChannel(name: "crowded", ownerID: "alice", memberIDs: [], now: 1)
        _ = try await client.send(RESPCommand("HSET", fixture.keys.channelMembers(crowded.id), "b", "0", "c", "0", "d", "0"))
        _ = try await client.send(RESPCommand("HSET", fixture.keys.channelMembers(good.id), "bob", "yesterday"))
        _ = try await client.send(RESPCommand("SET", fixture.keys.channel("broken"), "{not json"))
        _ = try await client.send(RESPCommand("SET", fixture.keys.channel("alias"), RedisChannelStorage.fields(of: good)))
        _ = try await client.send(RESPCommand("SADD", fixture.keys.channels, "broken", "alias", "gone"))
        _ = try await client.send(RESPCommand("SADD", fixture.keys.userChannels("alice"), "broken", "gone"))
        #expect(try await store.channel("broken") == nil)
        #expect(try await store.channel("alias") == nil)
        #expect(try await store.channel(crowded.id) == nil)
        #expect(try await store.channel(good.id)?.members.keys.map(\.string) == ["alice"])
        #expect(try await store.channels(of: "alice", includeAll: false).map(\.id) == [good.id])
        #expect(try await store.summaries().map(\.channel.id) == [good.id])
        // A message whose JSON names another channel is not this channel's: skipped, not editable, kept.
        let message = try await store.post(good.id, userID: "alice", content: "hi", parentID: nil, now: 2)
        var foreign = message
        foreign.channelID = "elsewhere"
        let foreignJSON = foreign.json.serialized()
        _ = try await client.send(RESPCommand("HSET", fixture.keys.channelMessages(good.id), message.id, foreignJSON))
        #expect(try await store.messages(good.id, userID: "alice", isAdmin: false, skip: 0, limit: nil).isEmpty)
        await #expect(throws: ChannelError.messageNotFound(message.id)) {
            _ = try await store.edit(good.id, messageID: message.id, content: "x", by: "alice", isAdmin: false, now: 3)
        }
        let kept = try await client.send(RESPCommand("HGET", fixture.keys.channelMessages(good.id), message.id))
        #expect(kept.stringValue == foreignJSON)
        #expect(try await client.send(RESPCommand("GET", fixture.keys.channel("broken"))).stringValue == "{not json")
    }

    @Test("A Redis channel list reads its sets a page at a time and stops at its limit")
    func redisListLimit() async throws {
        let fixture = try StoreFixture(.redis)
        fixture.settings.listBatch = 2
        fixture.settings.maxListedChannels = 5
        let store = try fixture.channels()
        for index in 0..<8 { _ = try await store.createChannel(name: "c\(index)", ownerID: "alice", memberIDs: [], now: 1) }
        #expect(try await store.channels(of: "alice", includeAll: false).count == 5)
        #expect(try await store.summaries().count == 5)
    }

    @Test("A Redis failure is a storage error, not a trap or an empty answer")
    func redisDown() async throws {
        let fixture = try StoreFixture(.redis)
        fixture.settings.commandTimeout = .milliseconds(500)
        let store = try fixture.channels()
        let channel = try await store.createChannel(name: "c", ownerID: "alice", memberIDs: [], now: 1)
        fixture.stopRedis()
        await #expect(throws: ChannelError.self) { _ = try await store.channel(channel.id) }
        await #expect(throws: ChannelError.self) { _ = try await store.post(channel.id, userID: "alice", content: "x", parentID: nil, now: 2) }
        await #expect(throws: ChannelError.self) { _ = try await store.messages(channel.id, userID: "alice", isAdmin: false, skip: 0, limit: nil) }
    }
}

/// Open WebUI chats' read markers on both backends (files; Redis in cluster mode).
@Suite(.serialized)
struct ChatReadStorageTests {
    @Test("Markers are shared, survive a restart, refuse bad chat ids and forget the least recently read beyond the limit", arguments: StoreBackend.allCases)
    func markers(_ backend: StoreBackend) async throws {
        let fixture = try StoreFixture(backend)
        fixture.chatLimits.maxChatsPerUser = 2
        fixture.chatLimits.maxChatIDBytes = 8
        let store = try fixture.chatReads()
        #expect(await store.markRead(userID: "u", chatID: "", now: 1) == nil)
        #expect(await store.markRead(userID: "u", chatID: "123456789", now: 1) == nil)
        for (chat, time) in [("a", 10), ("b", 20), ("a", 30), ("c", 40)] {
            #expect(await store.markRead(userID: "u", chatID: chat, now: Int64(time)) == Int64(time))
        }
        #expect(await store.markRead(userID: "v", chatID: "b", now: 50) == 50)
        for reader in [try fixture.chatReads(), try fixture.reopenedChatReads()] {
            #expect(await reader.lastRead(userID: "u", chatID: "a") == 30)
            #expect(await reader.lastRead(userID: "u", chatID: "c") == 40)
            #expect(await reader.lastRead(userID: "u", chatID: "b") == nil)
            #expect(await reader.lastRead(userID: "v", chatID: "b") == 50)
        }
    }

    @Test("A stored marker that is not a number reads as none and is replaced by the next mark")
    func malformedRedisMarker() async throws {
        let fixture = try StoreFixture(.redis)
        let client = try #require(fixture.client)
        _ = try await client.send(RESPCommand("HSET", fixture.keys.chatReads("u"), "a", "yesterday"))
        let store = try fixture.chatReads()
        #expect(await store.lastRead(userID: "u", chatID: "a") == nil)
        #expect(await store.markRead(userID: "u", chatID: "a", now: 7) == 7)
        #expect(await store.lastRead(userID: "u", chatID: "a") == 7)
    }
}
