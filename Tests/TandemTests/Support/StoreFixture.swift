import Foundation
import Testing
import Wire
@testable import Tandem

/// The two backends of notes and channels, for the parameterised suites.
enum StoreBackend: String, CaseIterable, Sendable {
    case files
    case redis
}

/// One backend's storage for notes and channels: a data directory, or a private redis-server.
///
/// ``node()`` is what another node sees: for files the same store (one node owns its directory), for Redis a new
/// store on the same server with its own connection. ``restart()`` is a new store over the same storage (files are
/// read again). ``raw(_:)`` writes behind the stores' back (malformed entries).
final class StoreFixture: @unchecked Sendable {
    let backend: StoreBackend
    let directory: String
    let keys = ClusterKeys(prefix: "t")
    var settings = ClusterSettings()
    var maxNoteBytes = 1 << 20
    var limits = ChannelLimits()
    private var server: RedisServerProcess?
    private(set) var client: RedisClient?
    private var fileNotes: NoteStore?

    init(_ backend: StoreBackend) throws {
        self.backend = backend
        self.directory = try makeTemporaryDirectory("stores-\(backend.rawValue)")
        settings.keyPrefix = "t"
        limits.syncPolicy = .always
        if backend == .redis {
            let server = try RedisServerProcess()
            self.server = server
            client = RedisClient(configuration: try testRedisConfiguration(server.url))
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A Redis client of its own (another node's connection).
    func newClient() throws -> RedisClient {
        guard let server else { throw StorageError(path: "", operation: "no redis", code: 0) }
        return RedisClient(configuration: try testRedisConfiguration(server.url))
    }

    // MARK: Notes

    /// The note store this node uses.
    func notes() throws -> any NoteStorage {
        switch backend {
        case .files:
            if let fileNotes { return fileNotes }
            let store = try NoteStore(dataDirectory: directory, maxNoteBytes: maxNoteBytes)
            fileNotes = store
            return store
        case .redis:
            return RedisNoteStorage(
                client: try newClient(), keys: keys, settings: settings, maxNoteBytes: maxNoteBytes)
        }
    }

    /// Another node's note store (files: the same store).
    func otherNodeNotes() throws -> any NoteStorage { try notes() }

    /// A store opened anew over the same storage (a restart).
    func reopenedNotes() throws -> any NoteStorage {
        fileNotes = nil
        return try notes()
    }

    /// Writes `bytes` as note `id`'s stored entry behind the store's back (and, in Redis, indexes it).
    func writeRawNote(_ id: String, _ bytes: [UInt8]) async throws {
        switch backend {
        case .files:
            try FileIO.makeDirectories(directory + "/notes")
            try FileIO.writeAtomically(bytes, to: directory + "/notes/" + SafeFileName.encode(id) + ".json")
        case .redis:
            guard let client else { return }
            _ = try await client.send(RESPCommand("SET", keys.note(id), bytes))
            _ = try await client.send(RESPCommand("ZADD", keys.notes, 9_999_999_999_999, id))
        }
    }

    /// The stored bytes of note `id`, read behind the store's back.
    func rawNote(_ id: String) async throws -> [UInt8]? {
        switch backend {
        case .files: return try FileIO.read(directory + "/notes/" + SafeFileName.encode(id) + ".json")
        case .redis: return try await client?.send(RESPCommand("GET", keys.note(id))).bytesValue
        }
    }

    // MARK: Channels

    private var fileChannels: ChannelStore?

    /// The channel store this node uses.
    func channels() throws -> any ChannelStorage {
        switch backend {
        case .files:
            if let fileChannels { return fileChannels }
            let store = try ChannelStore(dataDirectory: directory, limits: limits)
            fileChannels = store
            return store
        case .redis:
            return RedisChannelStorage(client: try newClient(), keys: keys, settings: settings, limits: limits)
        }
    }

    /// Another node's channel store (files: the same store).
    func otherNodeChannels() throws -> any ChannelStorage { try channels() }

    /// A channel store opened anew over the same storage (a restart).
    func reopenedChannels() throws -> any ChannelStorage {
        fileChannels = nil
        return try channels()
    }

    /// Adds a message entry that does not decode to a channel's history, behind the store's back (files: a log
    /// record; Redis: a hash entry and its place in the order), newest.
    func injectMalformedMessage(_ channelID: String, _ bytes: [UInt8]) async throws {
        switch backend {
        case .files:
            let path = directory + "/channels/" + SafeFileName.encode(channelID) + "/messages.ylog"
            let handle = try #require(FileHandle(forWritingAtPath: path))
            handle.seekToEndOfFile()
            handle.write(Data(WALFormat.record(bytes)))
            try handle.close()
        case .redis:
            guard let client else { return }
            _ = try await client.send(RESPCommand("HSET", keys.channelMessages(channelID), "junk", bytes))
            _ = try await client.send(RESPCommand("ZADD", keys.channelOrder(channelID), 1_000_000, "junk"))
        }
    }

    // MARK: Chat read markers

    var chatLimits = ChatReadLimits()
    private var fileChatReads: ChatReadStore?

    /// The chat read store this node uses (files: one store; Redis: a new connection each time, another node).
    func chatReads() throws -> any ChatReadStorage {
        switch backend {
        case .files:
            if let fileChatReads { return fileChatReads }
            let store = try ChatReadStore(dataDirectory: directory, limits: chatLimits)
            fileChatReads = store
            return store
        case .redis:
            return RedisChatReadStorage(client: try newClient(), keys: keys, limits: chatLimits, timeout: .seconds(2))
        }
    }

    /// A chat read store opened anew over the same storage (a restart).
    func reopenedChatReads() throws -> any ChatReadStorage {
        fileChatReads = nil
        return try chatReads()
    }

    /// Makes Redis unreachable.
    func stopRedis() { server?.stop() }
}
