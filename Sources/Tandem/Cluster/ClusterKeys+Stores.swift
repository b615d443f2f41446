extension ClusterKeys {
    // MARK: Notes (RedisNoteStorage)

    /// A note: Open WebUI's note JSON (``Note/json``), a string.
    public func note(_ noteID: String) -> String { "\(prefix):note:\(noteID)" }
    /// The index of every note: a sorted set of note ids scored by `updated_at` in milliseconds (lists read it
    /// newest first, a page at a time).
    public var notes: String { "\(prefix):notes" }

    // MARK: Channels (RedisChannelStorage)

    /// A channel's fields as JSON `{id, name, user_id, created_at, updated_at}` (a string); its members are in
    /// ``channelMembers(_:)``.
    public func channel(_ channelID: String) -> String { "\(prefix):channel:\(channelID)" }
    /// A channel's members: hash user id → last-read time (nanoseconds since 1970, 0 when never read).
    public func channelMembers(_ channelID: String) -> String { "\(prefix):channel:\(channelID):members" }
    /// A channel's live messages: hash message id → the message JSON (``ChannelMessage/json``).
    public func channelMessages(_ channelID: String) -> String { "\(prefix):channel:\(channelID):messages" }
    /// A channel's message order: sorted set of message ids scored by their sequence number (paging reads it
    /// newest first with `ZREVRANGE skip … skip+limit-1`).
    public func channelOrder(_ channelID: String) -> String { "\(prefix):channel:\(channelID):order" }
    /// The counter allocating a channel's message sequence numbers (`INCR`).
    public func channelSequence(_ channelID: String) -> String { "\(prefix):channel:\(channelID):seq" }
    /// Every channel id (a set, read with `SSCAN` pages for the admin dashboard).
    public var channels: String { "\(prefix):channels" }
    /// The channels a user belongs to (a set of channel ids), kept with the members hash by the same scripts.
    public func userChannels(_ userID: String) -> String { "\(prefix):user:\(userID):channels" }
}

extension ClusterKeys {
    // MARK: Chat read markers (RedisChatReadStorage)

    /// A user's chat read markers: hash chat id → last read (nanoseconds since 1970).
    public func chatReads(_ userID: String) -> String { "\(prefix):user:\(userID):chat-reads" }
    /// The same chats in a sorted set scored by the time, so the least recently read is dropped beyond the limit.
    public func chatReadOrder(_ userID: String) -> String { "\(prefix):user:\(userID):chat-reads-order" }
}
