import Wire

/// Where durable events are kept: ``EventOutbox`` (one log file per user under the data directory) on one host, or
/// ``RedisOutbox`` (a hash per user under the shared key prefix) in cluster mode, so a user reconnecting to any node
/// gets the events stored by every node (Docs/events.md, "Outbox storage").
///
/// Both backends keep the same semantics: the limits of ``OutboxSettings`` (the event size checked before storing,
/// `maxPerUser` with delivered events forgotten first then ``OutboxError/full(_:)``, the expiry), ids per user
/// strictly increasing and never reused, cumulative acknowledgements, and entries that cannot be read skipped.
public protocol OutboxStore: Sendable {
    /// The limits this store enforces.
    var settings: OutboxSettings { get }

    /// Stores a durable event for `userID` and returns it with its id.
    /// - Throws: ``OutboxError/tooLarge(_:)``, ``OutboxError/full(_:)``, or ``OutboxError/storage(_:)`` when
    ///   nothing could be stored.
    func append(userID: String, event: String, data: JSONValue, now: Double) async throws(OutboxError) -> OutboxEntry

    /// The pending, unexpired events of `userID` with an id above `after`, oldest first.
    func pending(userID: String, after: Int64, now: Double) async throws(OutboxError) -> [OutboxEntry]

    /// Marks every pending event up to `id` delivered (acks are cumulative, as events arrive in order).
    /// - Returns: how many changed status.
    @discardableResult
    func acknowledge(userID: String, upTo id: Int64, now: Double) async throws(OutboxError) -> Int

    /// Every kept, unexpired event of `userID` with its status, oldest first.
    func entries(userID: String, now: Double) async throws(OutboxError) -> [OutboxEntry]

    /// Flushes what is buffered (shutdown).
    func sync() async
}

extension EventOutbox: OutboxStore {}

extension OutboxEntry {
    /// The entry of an `add` record (``EventOutbox``'s log record, ``RedisOutbox``'s hash value); nil when the
    /// record is not one (no positive integer id, no event name).
    init?(addRecord value: JSONValue) {
        guard let id = value["id"]?.intValue, id > 0, let event = value["event"]?.stringValue else { return nil }
        self.init(
            id: id, event: event, data: value["data"] ?? .null, createdAt: value["created_at"]?.doubleValue ?? 0,
            deliveredAt: value["delivered_at"]?.doubleValue)
    }
}
