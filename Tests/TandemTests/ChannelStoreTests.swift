import Foundation
import Testing
import Wire
@testable import Tandem

@Suite("Channels")
struct ChannelStoreTests {
    @Test("Members post, page, edit and delete; history survives a restart")
    func lifecycle() async throws {
        let dir = try makeTemporaryDirectory("channels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ChannelStore(dataDirectory: dir)
        let channel = try await store.createChannel(name: " general ", ownerID: "alice", memberIDs: ["bob"], now: 1)
        #expect(channel.name == "general")
        #expect(channel.isMember("alice") && channel.isMember("bob"))
        var ids: [String] = []
        for index in 0..<5 {
            let message = try await store.post(channel.id, userID: index % 2 == 0 ? "alice" : "bob", content: "m\(index)", now: Int64(10 + index))
            ids.append(message.id)
        }
        let edited = try await store.edit(channel.id, messageID: ids[1], content: "m1 edited", by: "bob", isAdmin: false, now: 50)
        #expect(edited.updatedAt == 50)
        _ = try await store.delete(channel.id, messageID: ids[2], by: "alice", isAdmin: false)
        let page = try await store.messages(channel.id, userID: "bob", isAdmin: false, skip: 0, limit: 2)
        #expect(page.map(\.content) == ["m4", "m3"])
        let rest = try await store.messages(channel.id, userID: "bob", isAdmin: false, skip: 2, limit: 10)
        #expect(rest.map(\.content) == ["m1 edited", "m0"])
        try await store.markRead(channel.id, userID: "bob", now: 99)
        await store.sync()

        let reopened = try ChannelStore(dataDirectory: dir)
        let all = try await reopened.messages(channel.id, userID: "alice", isAdmin: false)
        #expect(all.map(\.content) == ["m4", "m3", "m1 edited", "m0"])
        #expect(all.map(\.id) == [ids[4], ids[3], ids[1], ids[0]])
        #expect(await reopened.channel(channel.id)?.members[ByteKey("bob")] == 99)
    }

    @Test("Non-members and non-authors are refused")
    func authorization() async throws {
        let dir = try makeTemporaryDirectory("channels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ChannelStore(dataDirectory: dir)
        let channel = try await store.createChannel(name: "c", ownerID: "alice", memberIDs: ["bob"], now: 1)
        let message = try await store.post(channel.id, userID: "alice", content: "hi", now: 2)
        await #expect(throws: ChannelError.notMember) {
            _ = try await store.post(channel.id, userID: "mallory", content: "x", now: 3)
        }
        await #expect(throws: ChannelError.notMember) {
            _ = try await store.messages(channel.id, userID: "mallory", isAdmin: false)
        }
        await #expect(throws: ChannelError.notAllowed) {
            _ = try await store.edit(channel.id, messageID: message.id, content: "x", by: "bob", isAdmin: false, now: 3)
        }
        await #expect(throws: ChannelError.notAllowed) {
            _ = try await store.delete(channel.id, messageID: message.id, by: "bob", isAdmin: false)
        }
        await #expect(throws: ChannelError.notAllowed) {
            _ = try await store.changeMembers(channel.id, add: ["mallory"], remove: [], by: "bob", isAdmin: false, now: 3)
        }
        // An admin may edit anyone's message and manage members.
        _ = try await store.edit(channel.id, messageID: message.id, content: "moderated", by: "root", isAdmin: true, now: 4)
        let changed = try await store.changeMembers(channel.id, add: ["carol"], remove: ["bob", "alice"], by: "root", isAdmin: true, now: 5)
        #expect(changed.isMember("carol") && !changed.isMember("bob"))
        #expect(changed.isMember("alice"), "the owner cannot be removed")
        #expect(await store.channels(of: "carol").map(\.id) == [channel.id])
        #expect(await store.channels(of: "bob").isEmpty)
    }

    @Test("Oversized, empty and dangling-reply messages are refused and not stored")
    func validation() async throws {
        let dir = try makeTemporaryDirectory("channels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var limits = ChannelLimits()
        limits.maxMessageBytes = 10
        let store = try ChannelStore(dataDirectory: dir, limits: limits)
        let channel = try await store.createChannel(name: "c", ownerID: "a", now: 1)
        await #expect(throws: ChannelError.self) { _ = try await store.post(channel.id, userID: "a", content: String(repeating: "x", count: 11), now: 2) }
        await #expect(throws: ChannelError.self) { _ = try await store.post(channel.id, userID: "a", content: "  \n", now: 2) }
        await #expect(throws: ChannelError.messageNotFound("nope")) { _ = try await store.post(channel.id, userID: "a", content: "r", parentID: "nope", now: 2) }
        await #expect(throws: ChannelError.channelNotFound("missing")) { _ = try await store.post("missing", userID: "a", content: "r", now: 2) }
        await #expect(throws: ChannelError.self) { _ = try await store.createChannel(name: "", ownerID: "a", now: 1) }
        #expect(await store.logRecordCount(channel.id) == 0)
    }

    @Test("Deletes compact the log once dead records pile up")
    func compaction() async throws {
        let dir = try makeTemporaryDirectory("channels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var limits = ChannelLimits()
        limits.compactionSlack = 4
        let store = try ChannelStore(dataDirectory: dir, limits: limits)
        let channel = try await store.createChannel(name: "c", ownerID: "a", now: 1)
        var ids: [String] = []
        for index in 0..<6 { ids.append(try await store.post(channel.id, userID: "a", content: "\(index)", now: Int64(index)).id) }
        for id in ids.prefix(3) { _ = try await store.delete(channel.id, messageID: id, by: "a", isAdmin: false) }
        #expect(await store.logRecordCount(channel.id) == 3)
        let reopened = try ChannelStore(dataDirectory: dir, limits: limits)
        #expect(try await reopened.messages(channel.id, userID: "a", isAdmin: false).map(\.content) == ["5", "4", "3"])
    }

    @Test("A torn or garbage log record is skipped on restart")
    func tornLog() async throws {
        let dir = try makeTemporaryDirectory("channels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ChannelStore(dataDirectory: dir)
        let channel = try await store.createChannel(name: "c", ownerID: "a", now: 1)
        _ = try await store.post(channel.id, userID: "a", content: "kept", now: 2)
        await store.sync()
        let logPath = dir + "/channels/" + SafeFileName.encode(channel.id) + "/messages.ylog"
        var bytes = try #require(try FileIO.read(logPath))
        bytes += WriteAheadLog.lengthPrefix(3) + Array("{x!".utf8)  // a complete record that is not JSON
        bytes += [50, 1, 2]  // a torn record
        try FileIO.writeAtomically(bytes, to: logPath)
        let reopened = try ChannelStore(dataDirectory: dir)
        #expect(try await reopened.messages(channel.id, userID: "a", isAdmin: false).map(\.content) == ["kept"])
    }

    @Test("The typing limiter allows a burst, then the refill rate")
    func rateLimiter() {
        var limiter = RateLimiter<String>(perSecond: 2, burst: 3)
        let start = ContinuousClock.Instant.now
        let burst = (0..<5).map { _ in limiter.allow("u", now: start) }
        #expect(burst == [true, true, true, false, false])
        let other = limiter.allow("other", now: start)
        let tooSoon = limiter.allow("u", now: start + .milliseconds(400))
        let refilled = limiter.allow("u", now: start + .milliseconds(600))
        #expect(other && !tooSoon && refilled)
        limiter.prune(now: start + .seconds(120))
        #expect(limiter.trackedCount == 0)
    }
}
