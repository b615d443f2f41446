import Foundation
import Wire

/// Limits of the channel store; every one is checked before anything is stored.
public struct ChannelLimits: Sendable, Equatable {
    /// Largest message content in UTF-8 bytes (default 32 KiB).
    public var maxMessageBytes: Int = 32 << 10
    /// Largest history page (`limit` is clamped to it; default 100).
    public var maxPageSize: Int = 100
    /// Page size when none is asked for (default 50).
    public var defaultPageSize: Int = 50
    /// Longest channel name in characters (default 128).
    public var maxNameLength: Int = 128
    /// Most members a channel holds (default 10,000).
    public var maxMembers: Int = 10_000
    /// A channel's log is rewritten once it holds this many records more than live messages (default 1,000).
    public var compactionSlack: Int = 1_000
    /// fsync policy of the message logs (default: batched every 50 ms).
    public var syncPolicy: SyncPolicy = .batched(.milliseconds(50))

    public init() {}
}

/// Channels and their messages, stored under `<data>/channels/<safe id>/`: `channel.json` (written atomically) and
/// `messages.ylog`, an append-only log whose records are JSON entries (`post`, `edit`, `delete`).
///
/// Edits and deletes are appended as entries rather than rewriting history, so a crash loses nothing written before
/// it; a torn last record is dropped on start-up. When dead records pile up the log is rewritten (compaction) with
/// one `post` per live message.
public actor ChannelStore {
    public nonisolated let directory: String
    public nonisolated let limits: ChannelLimits

    private struct State {
        var channel: Channel
        var messages: [ChannelMessage] = []
        var positions: [ByteKey: Int] = [:]
        var log: WriteAheadLog
    }

    /// Keyed by the id's bytes (``ByteKey``): ids differing only in Unicode normalisation are distinct channels.
    private var channels: [ByteKey: State] = [:]

    /// Opens the channels folder of a data directory and replays every channel's log.
    public init(dataDirectory: String, limits: ChannelLimits = ChannelLimits()) throws(StorageError) {
        self.directory = dataDirectory + "/channels"
        self.limits = limits
        try FileIO.makeDirectories(directory)
        for name in FileIO.list(directory) {
            let folder = directory + "/" + name
            guard let bytes = try FileIO.read(folder + "/channel.json", limit: 16 << 20) else { continue }
            guard let value = try? JSONValue(parsing: bytes), let channel = Channel(stored: value),
                SafeFileName.encode(channel.id) == name
            else {
                throw StorageError(path: folder + "/channel.json", operation: "unreadable channel file", code: 0)
            }
            let records = try WriteAheadLog.recover(path: folder + "/messages.ylog")
            let log = try WriteAheadLog(
                path: folder + "/messages.ylog", policy: limits.syncPolicy, existingRecords: records.count)
            var state = State(channel: channel, log: log)
            for record in records {
                guard let entry = try? JSONValue(parsing: record) else { continue }
                ChannelStore.apply(entry, to: &state)
            }
            channels[ByteKey(channel.id)] = state
        }
    }

    // MARK: Channels

    /// Creates a channel owned by `ownerID`, who is always a member.
    public func createChannel(name: String, ownerID: String, memberIDs: [String] = [], now: Int64) throws(ChannelError)
        -> Channel
    {
        let trimmed = try limits.validName(name)
        let ids = Set((memberIDs + [ownerID]).map(ByteKey.init))
        try limits.checkMembers(ids.count)
        let id = UUID().uuidString.lowercased()
        let channel = Channel(
            id: id, name: trimmed, ownerID: ownerID, members: Dictionary(uniqueKeysWithValues: ids.map { ($0, 0) }),
            createdAt: now)
        let folder = directory + "/" + SafeFileName.encode(id)
        do {
            try FileIO.makeDirectories(folder)
            try FileIO.writeAtomically(Array(channel.storedJSON.serialized().utf8), to: folder + "/channel.json")
            let log = try WriteAheadLog(path: folder + "/messages.ylog", policy: limits.syncPolicy)
            channels[ByteKey(id)] = State(channel: channel, log: log)
        } catch {
            throw .storage(error.description)
        }
        return channel
    }

    /// The channel with `id`, if any.
    public func channel(_ id: String) -> Channel? { channels[ByteKey(id)]?.channel }

    /// Channels `userID` belongs to (all channels for an admin when `includeAll`), by name.
    public func channels(of userID: String, includeAll: Bool = false) -> [Channel] {
        channels.values.map(\.channel).filter { includeAll || $0.isMember(userID) }
            .sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    /// Every channel's id, name, member count and live message count, by name (the admin dashboard).
    public func summaries() -> [(channel: Channel, messages: Int)] {
        channels.values.map { ($0.channel, $0.messages.count) }
            .sorted { ($0.channel.name, $0.channel.id) < ($1.channel.name, $1.channel.id) }
    }

    /// Adds or removes members; only the owner or an admin may.
    public func changeMembers(
        _ channelID: String, add: [String], remove: [String], by userID: String, isAdmin: Bool, now: Int64
    ) throws(ChannelError) -> Channel {
        guard var state = channels[ByteKey(channelID)] else { throw .channelNotFound(channelID) }
        guard isAdmin || state.channel.ownerID.bytewiseEquals(userID) else { throw .notAllowed }
        var channel = state.channel
        for id in add where channel.members[ByteKey(id)] == nil { channel.members[ByteKey(id)] = 0 }
        for id in remove where !id.bytewiseEquals(channel.ownerID) { channel.members[ByteKey(id)] = nil }
        try limits.checkMembers(channel.members.count)
        channel.updatedAt = now
        try writeChannel(channel)
        state.channel = channel
        channels[ByteKey(channelID)] = state
        return channel
    }

    /// Records that `userID` read the channel at `now`.
    public func markRead(_ channelID: String, userID: String, now: Int64) throws(ChannelError) {
        guard var state = channels[ByteKey(channelID)] else { throw .channelNotFound(channelID) }
        guard state.channel.isMember(userID) else { throw .notMember }
        state.channel.members[ByteKey(userID)] = now
        try writeChannel(state.channel)
        channels[ByteKey(channelID)] = state
    }

    // MARK: Messages

    /// Posts a message by a member; the server assigns its id and timestamps.
    public func post(
        _ channelID: String, userID: String, content: String, parentID: String? = nil, now: Int64
    ) throws(ChannelError) -> ChannelMessage {
        guard var state = channels[ByteKey(channelID)] else { throw .channelNotFound(channelID) }
        guard state.channel.isMember(userID) else { throw .notMember }
        try validate(content)
        if let parentID, state.positions[ByteKey(parentID)] == nil { throw .messageNotFound(parentID) }
        let message = ChannelMessage(
            id: UUID().uuidString.lowercased(), channelID: channelID, userID: userID, content: content,
            parentID: parentID, createdAt: now)
        try append(["op": "post", "message": message.json], to: &state)
        ChannelStore.insert(message, into: &state)
        channels[ByteKey(channelID)] = state
        return message
    }

    /// Replaces a message's content; only its author or an admin may.
    public func edit(
        _ channelID: String, messageID: String, content: String, by userID: String, isAdmin: Bool, now: Int64
    ) throws(ChannelError) -> ChannelMessage {
        guard var state = channels[ByteKey(channelID)] else { throw .channelNotFound(channelID) }
        guard isAdmin || state.channel.isMember(userID) else { throw .notMember }
        guard let position = state.positions[ByteKey(messageID)] else { throw .messageNotFound(messageID) }
        guard isAdmin || state.messages[position].userID.bytewiseEquals(userID) else { throw .notAllowed }
        try validate(content)
        try append(["op": "edit", "id": .string(messageID), "content": .string(content), "updated_at": .int(now)], to: &state)
        state.messages[position].content = content
        state.messages[position].updatedAt = now
        let message = state.messages[position]
        channels[ByteKey(channelID)] = state
        return message
    }

    /// Deletes a message; only its author or an admin may.
    public func delete(_ channelID: String, messageID: String, by userID: String, isAdmin: Bool) throws(ChannelError)
        -> ChannelMessage
    {
        guard var state = channels[ByteKey(channelID)] else { throw .channelNotFound(channelID) }
        guard isAdmin || state.channel.isMember(userID) else { throw .notMember }
        guard let position = state.positions[ByteKey(messageID)] else { throw .messageNotFound(messageID) }
        let message = state.messages[position]
        guard isAdmin || message.userID.bytewiseEquals(userID) else { throw .notAllowed }
        try append(["op": "delete", "id": .string(messageID)], to: &state)
        ChannelStore.remove(messageID, from: &state)
        try compactIfNeeded(&state)
        channels[ByteKey(channelID)] = state
        return message
    }

    /// A page of history, newest first: `skip` messages are passed over and at most `limit` (clamped to
    /// ``ChannelLimits/maxPageSize``) are returned.
    public func messages(_ channelID: String, userID: String, isAdmin: Bool, skip: Int = 0, limit: Int? = nil)
        throws(ChannelError) -> [ChannelMessage]
    {
        guard let state = channels[ByteKey(channelID)] else { throw .channelNotFound(channelID) }
        guard isAdmin || state.channel.isMember(userID) else { throw .notMember }
        let size = limits.pageSize(limit)
        let skip = max(skip, 0)
        guard skip < state.messages.count, size > 0 else { return [] }
        let end = state.messages.count - skip
        let start = max(0, end - size)
        return state.messages[start..<end].reversed()
    }

    /// Flushes every log to disk (shutdown).
    public func sync() {
        for state in channels.values { try? state.log.sync() }
    }

    /// Records in a channel's log (for tests and metrics).
    public func logRecordCount(_ channelID: String) -> Int { channels[ByteKey(channelID)]?.log.recordCount ?? 0 }

    // MARK: Internals

    private func validate(_ content: String) throws(ChannelError) {
        try limits.validate(content: content)
    }

    private func writeChannel(_ channel: Channel) throws(ChannelError) {
        let path = directory + "/" + SafeFileName.encode(channel.id) + "/channel.json"
        do {
            try FileIO.writeAtomically(Array(channel.storedJSON.serialized().utf8), to: path)
        } catch {
            throw .storage(error.description)
        }
    }

    private func append(_ entry: JSONObject, to state: inout State) throws(ChannelError) {
        do {
            try state.log.append(Array(JSONValue.object(entry).serialized().utf8))
        } catch {
            throw .storage(error.description)
        }
    }

    private func compactIfNeeded(_ state: inout State) throws(ChannelError) {
        guard state.log.recordCount > state.messages.count + limits.compactionSlack else { return }
        let path = state.log.path
        let bytes = WALFormat.encode(
            state.messages.map { Array(JSONValue.object(["op": "post", "message": $0.json]).serialized().utf8) })
        do {
            try FileIO.writeAtomically(bytes, to: path)
            state.log = try WriteAheadLog(path: path, policy: limits.syncPolicy, existingRecords: state.messages.count)
        } catch {
            throw .storage(error.description)
        }
    }

    private static func apply(_ entry: JSONValue, to state: inout State) {
        switch entry["op"]?.stringValue {
        case "post":
            guard let value = entry["message"], let message = ChannelMessage(json: value),
                state.positions[ByteKey(message.id)] == nil
            else { return }
            insert(message, into: &state)
        case "edit":
            guard let id = entry["id"]?.stringValue, let position = state.positions[ByteKey(id)],
                let content = entry["content"]?.stringValue
            else { return }
            state.messages[position].content = content
            state.messages[position].updatedAt = entry["updated_at"]?.intValue ?? state.messages[position].updatedAt
        case "delete":
            guard let id = entry["id"]?.stringValue else { return }
            remove(id, from: &state)
        default:
            return
        }
    }

    private static func insert(_ message: ChannelMessage, into state: inout State) {
        state.positions[ByteKey(message.id)] = state.messages.count
        state.messages.append(message)
    }

    private static func remove(_ id: String, from state: inout State) {
        guard let position = state.positions[ByteKey(id)] else { return }
        state.messages.remove(at: position)
        state.positions[ByteKey(id)] = nil
        for index in position..<state.messages.count { state.positions[ByteKey(state.messages[index].id)] = index }
    }
}
