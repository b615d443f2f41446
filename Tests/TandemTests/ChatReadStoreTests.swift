import Foundation
import Testing
import Wire
@testable import Tandem

@Suite("Chat read markers")
struct ChatReadStoreTests {
    @Test("Markers persist; bad chat ids are refused; the least recently read chat is forgotten beyond the limit")
    func limits() async throws {
        let dir = try makeTemporaryDirectory("chat-reads")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var limits = ChatReadLimits()
        limits.maxChatsPerUser = 2
        limits.maxChatIDBytes = 8
        let store = try ChatReadStore(dataDirectory: dir, limits: limits)
        #expect(await store.markRead(userID: "u", chatID: "", now: 1) == nil)
        #expect(await store.markRead(userID: "u", chatID: "123456789", now: 1) == nil)
        #expect(await store.markRead(userID: "u", chatID: "a", now: 10) == 10)
        #expect(await store.markRead(userID: "u", chatID: "b", now: 20) == 20)
        #expect(await store.markRead(userID: "u", chatID: "a", now: 30) == 30)
        #expect(await store.markRead(userID: "u", chatID: "c", now: 40) == 40)
        #expect(await store.markRead(userID: "v", chatID: "b", now: 50) == 50)
        #expect(await store.lastRead(userID: "u", chatID: "b") == nil)
        let reopened = try ChatReadStore(dataDirectory: dir, limits: limits)
        #expect(await reopened.lastRead(userID: "u", chatID: "a") == 30)
        #expect(await reopened.lastRead(userID: "u", chatID: "c") == 40)
        #expect(await reopened.lastRead(userID: "v", chatID: "b") == 50)
        #expect(await reopened.lastRead(userID: "u", chatID: "b") == nil)
    }

    @Test("Without a data directory the markers live in memory; a garbage file starts empty")
    func memoryAndGarbage() async throws {
        let memory = try ChatReadStore(dataDirectory: nil)
        #expect(await memory.markRead(userID: "u", chatID: "a", now: 5) == 5)
        #expect(await memory.lastRead(userID: "u", chatID: "a") == 5)
        let dir = try makeTemporaryDirectory("chat-reads")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileIO.makeDirectories(dir + "/chats")
        try FileIO.writeAtomically(Array("{not json".utf8), to: dir + "/chats/last_read.json")
        let store = try ChatReadStore(dataDirectory: dir)
        #expect(await store.lastRead(userID: "u", chatID: "a") == nil)
    }
}
