import Foundation

/// Where channels, their members, read marks and messages are kept: ``ChannelStore`` (files under the data
/// directory, one node) or ``RedisChannelStorage`` (cluster mode, shared by every node). Both check the same limits
/// (``ChannelLimits``), refuse with the same ``ChannelError`` in the same order, and give the same guarantees
/// (Docs/cluster.md, "Notes and channels in Redis"):
///
/// - a change is stored whole or not at all (a message and its place in the history, members and their channel
///   lists), and is seen by every later read on any node;
/// - history pages are newest first, at most ``ChannelLimits/maxPageSize`` messages;
/// - a stored entry that does not decode is skipped (logged and counted in Redis), never written back.
public protocol ChannelStorage: Sendable {
    /// The limits checked before anything is stored.
    var limits: ChannelLimits { get }
    /// Creates a channel owned by `ownerID`, who is always a member.
    func createChannel(name: String, ownerID: String, memberIDs: [String], now: Int64) async throws(ChannelError)
        -> Channel
    /// The channel with `id`; nil when there is none.
    /// - Throws: ``ChannelError/storage(_:)`` when the store cannot be asked.
    func channel(_ id: String) async throws(ChannelError) -> Channel?
    /// Channels `userID` belongs to (every channel when `includeAll`), by name.
    func channels(of userID: String, includeAll: Bool) async throws(ChannelError) -> [Channel]
    /// Every channel with its live message count, by name (the admin dashboard).
    func summaries() async throws(ChannelError) -> [(channel: Channel, messages: Int)]
    /// Adds or removes members; only the owner or an admin may.
    func changeMembers(
        _ channelID: String, add: [String], remove: [String], by userID: String, isAdmin: Bool, now: Int64
    ) async throws(ChannelError) -> Channel
    /// Records that `userID` read the channel at `now`.
    func markRead(_ channelID: String, userID: String, now: Int64) async throws(ChannelError)
    /// Posts a message by a member; the store assigns its id and timestamps.
    func post(_ channelID: String, userID: String, content: String, parentID: String?, now: Int64)
        async throws(ChannelError) -> ChannelMessage
    /// Replaces a message's content; only its author or an admin may.
    func edit(_ channelID: String, messageID: String, content: String, by userID: String, isAdmin: Bool, now: Int64)
        async throws(ChannelError) -> ChannelMessage
    /// Deletes a message; only its author or an admin may. Returns the deleted message.
    func delete(_ channelID: String, messageID: String, by userID: String, isAdmin: Bool) async throws(ChannelError)
        -> ChannelMessage
    /// A page of history, newest first: `skip` newest messages are skipped, then at most `limit` (clamped to
    /// ``ChannelLimits/maxPageSize``; ``ChannelLimits/defaultPageSize`` when nil) are returned.
    func messages(_ channelID: String, userID: String, isAdmin: Bool, skip: Int, limit: Int?) async throws(ChannelError)
        -> [ChannelMessage]
    /// Makes every write durable (shutdown).
    func sync() async
}

extension ChannelLimits {
    /// The trimmed channel name, or ``ChannelError/invalid(_:)`` when empty or too long.
    func validName(_ name: String) throws(ChannelError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= maxNameLength else {
            throw .invalid("a channel name needs 1 to \(maxNameLength) characters")
        }
        return trimmed
    }

    /// Refuses message content that is too large or blank.
    func validate(content: String) throws(ChannelError) {
        guard content.utf8.count <= maxMessageBytes else {
            throw .invalid("message larger than \(maxMessageBytes) bytes")
        }
        guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalid("empty message")
        }
    }

    /// The page size for a requested `limit`.
    func pageSize(_ limit: Int?) -> Int { min(max(limit ?? defaultPageSize, 0), maxPageSize) }

    /// Refuses a member count over ``maxMembers``.
    func checkMembers(_ count: Int) throws(ChannelError) {
        guard count <= maxMembers else { throw .invalid("too many members (limit \(maxMembers))") }
    }
}

extension ChannelStore: ChannelStorage {}
