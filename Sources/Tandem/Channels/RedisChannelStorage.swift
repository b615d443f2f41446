import Foundation
import Wire

/// The channels of a cluster in Redis, shared by every node (Docs/cluster.md, "Notes and channels in Redis").
///
/// A channel is a string of its fields (`{prefix}:channel:<id>`, JSON without the members), a hash of its members
/// (user id → last-read time), a hash of its live messages (message id → ``ChannelMessage/json``), a sorted set
/// ordering them by a per-channel sequence number, and that counter; `{prefix}:channels` lists every channel and
/// `{prefix}:user:<id>:channels` a user's. Every change is one script (``ChannelScripts``), so a message and its
/// place, or members and their users' lists, change together. Edits and deletes read the message, check its author
/// here, and write only if it is still the message read (compare and set, retried ``ClusterSettings/casRetries``
/// times), so two nodes never lose each other's change. History pages read at most ``ChannelLimits/maxPageSize``
/// messages; lists walk the channel sets a page of ``ClusterSettings/listBatch`` at a time, up to
/// ``ClusterSettings/maxListedChannels``. Entries that do not decode are skipped, logged and counted
/// (`tandem_cluster_unreadable_entries_total`), never written back.
public struct RedisChannelStorage: ChannelStorage {
    public let client: RedisClient
    public let keys: ClusterKeys
    public let settings: ClusterSettings
    public let limits: ChannelLimits
    let unreadable: MetricCounter?

    public init(
        client: RedisClient, keys: ClusterKeys, settings: ClusterSettings, limits: ChannelLimits = ChannelLimits(),
        unreadable: MetricCounter? = nil
    ) {
        self.client = client
        self.keys = keys
        self.settings = settings
        self.limits = limits
        self.unreadable = unreadable
    }

    public func createChannel(name: String, ownerID: String, memberIDs: [String], now: Int64) async throws(ChannelError)
        -> Channel
    {
        let trimmed = try limits.validName(name)
        let ids = Set((memberIDs + [ownerID]).map(ByteKey.init))
        try limits.checkMembers(ids.count)
        let channel = Channel(
            id: UUID().uuidString.lowercased(), name: trimmed, ownerID: ownerID,
            members: Dictionary(uniqueKeysWithValues: ids.map { ($0, 0) }), createdAt: now)
        let members = ids.map(\.string)
        _ = try await evaluate(
            ChannelScripts.create,
            keys: [keys.channel(channel.id), keys.channelMembers(channel.id), keys.channels]
                + members.map(keys.userChannels),
            arguments: [channel.id, Self.fields(of: channel)] + members, "create channel")
        return channel
    }

    public func channel(_ id: String) async throws(ChannelError) -> Channel? {
        try await load([id]).first??.channel
    }

    public func channels(of userID: String, includeAll: Bool) async throws(ChannelError) -> [Channel] {
        let set = includeAll ? keys.channels : keys.userChannels(userID)
        return try await walk(set).map(\.channel).filter { includeAll || $0.isMember(userID) }
            .sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    public func summaries() async throws(ChannelError) -> [(channel: Channel, messages: Int)] {
        try await walk(keys.channels).sorted { ($0.channel.name, $0.channel.id) < ($1.channel.name, $1.channel.id) }
    }

    public func changeMembers(
        _ channelID: String, add: [String], remove: [String], by userID: String, isAdmin: Bool, now: Int64
    ) async throws(ChannelError) -> Channel {
        guard var channel = try await channel(channelID) else { throw .channelNotFound(channelID) }
        guard isAdmin || channel.ownerID.bytewiseEquals(userID) else { throw .notAllowed }
        channel.updatedAt = now
        let reply = try await evaluate(
            ChannelScripts.changeMembers,
            keys: [keys.channel(channelID), keys.channelMembers(channelID)] + (add + remove).map(keys.userChannels),
            arguments: [channelID, channel.ownerID, String(limits.maxMembers), String(add.count), Self.fields(of: channel)]
                + add + remove,
            "change members")
        switch reply.integerValue {
        case 1: break
        case -4: throw .invalid("too many members (limit \(limits.maxMembers))")
        default: throw .channelNotFound(channelID)
        }
        guard let changed = try await self.channel(channelID) else { throw .channelNotFound(channelID) }
        return changed
    }

    public func markRead(_ channelID: String, userID: String, now: Int64) async throws(ChannelError) {
        let reply = try await evaluate(
            ChannelScripts.markRead, keys: [keys.channel(channelID), keys.channelMembers(channelID)],
            arguments: [userID, String(now)], "mark read")
        try Self.check(reply, channelID: channelID, messageID: "")
    }

    public func sync() async {}

    // MARK: Reading channels

    /// Channels read from Redis, with their live message counts; nil for absent or unreadable ones.
    func load(_ ids: [String]) async throws(ChannelError) -> [(channel: Channel, messages: Int)?] {
        guard !ids.isEmpty else { return [] }
        let triples = ids.flatMap { [keys.channel($0), keys.channelMembers($0), keys.channelOrder($0)] }
        let reply = try await evaluate(
            ChannelScripts.load, keys: triples, arguments: [String(limits.maxMembers)], "read channels")
        let values = reply.arrayValue ?? []
        return ids.enumerated().map { index, id in
            guard index < values.count, let parts = values[index].arrayValue, !parts.isEmpty else { return nil }
            guard parts.count == 3, let channel = decode(id: id, fields: parts[0], members: parts[1]) else {
                skip(keys.channel(id), "not a channel with this id and at most \(limits.maxMembers) members")
                return nil
            }
            return (channel, Int(parts[2].integerValue ?? 0))
        }
    }

    /// The channels whose ids are in `set`, read a page at a time (`SSCAN`), up to the listing limit.
    private func walk(_ set: String) async throws(ChannelError) -> [(channel: Channel, messages: Int)] {
        var cursor = "0"
        var seen = Set<ByteKey>()
        var found: [(channel: Channel, messages: Int)] = []
        let batch = max(settings.listBatch, 1)
        repeat {
            let reply = try await send(RESPCommand("SSCAN", set, cursor, "COUNT", batch), "list channels")
            guard let parts = reply.arrayValue, parts.count == 2, let next = parts[0].stringValue else { break }
            cursor = next
            var ids: [String] = []
            for case let id? in (parts[1].arrayValue ?? []).map(\.stringValue)
            where seen.count < settings.maxListedChannels && seen.insert(ByteKey(id)).inserted {
                ids.append(id)
            }
            for case let entry? in try await load(ids) { found.append(entry) }
        } while cursor != "0" && seen.count < settings.maxListedChannels
        return found
    }

    private func decode(id: String, fields: RESPValue, members: RESPValue) -> Channel? {
        guard let bytes = fields.bytesValue, let json = try? JSONValue(parsing: bytes),
            let storedID = json["id"]?.stringValue, storedID.bytewiseEquals(id),
            let ownerID = json["user_id"]?.stringValue, let createdAt = json["created_at"]?.intValue,
            members.integerValue == nil
        else { return nil }
        var table: [ByteKey: Int64] = [:]
        for (field, value) in members.hashPairs {
            guard let member = field.stringValue, let lastRead = value.intValue else {
                skip(keys.channelMembers(id), "a member entry that is not a user id and a time")
                continue
            }
            table[ByteKey(member)] = lastRead
        }
        var channel = Channel(
            id: id, name: json["name"]?.stringValue ?? "", ownerID: ownerID, members: table, createdAt: createdAt)
        channel.updatedAt = json["updated_at"]?.intValue ?? createdAt
        return channel
    }

    /// The stored fields of a channel (its JSON without the members).
    static func fields(of channel: Channel) -> String {
        JSONValue.object([
            "id": .string(channel.id), "name": .string(channel.name), "user_id": .string(channel.ownerID),
            "created_at": .int(channel.createdAt), "updated_at": .int(channel.updatedAt),
        ]).serialized()
    }

    // MARK: Round trips

    func skip(_ key: String, _ reason: String) {
        unreadable?.increment()
        Log.shared.warn("cluster: unreadable channel entry skipped", ["key": key, "reason": reason])
    }

    /// Maps a script's status code to the store's errors (1 passes).
    static func check(_ reply: RESPValue, channelID: String, messageID: String) throws(ChannelError) {
        switch reply.integerValue {
        case -1: throw .channelNotFound(channelID)
        case 0: throw .notMember
        case -2: throw .messageNotFound(messageID)
        default: return
        }
    }

    func send(_ command: RESPCommand, _ operation: String) async throws(ChannelError) -> RESPValue {
        do {
            return try await client.send(command, timeout: settings.commandTimeout)
        } catch {
            throw .storage("redis \(operation): \(error)")
        }
    }

    func evaluate(_ script: RedisScript, keys scriptKeys: [String], arguments: [String], _ operation: String)
        async throws(ChannelError) -> RESPValue
    {
        do {
            return try await client.evaluate(
                script, keys: scriptKeys.map { Array($0.utf8) }, arguments: arguments.map { Array($0.utf8) },
                timeout: settings.commandTimeout)
        } catch {
            throw .storage("redis \(operation): \(error)")
        }
    }
}
