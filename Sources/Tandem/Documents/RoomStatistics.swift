/// Counters of every room, shared by the rooms of one ``DocumentManager`` (for /metrics and tests).
public final class RoomStatistics: Sendable {
    /// A snapshot of the counters.
    public struct Counters: Sendable, Equatable {
        public var updatesApplied = 0
        public var updatesRejected = 0
        /// Updates refused because the log could not store them (disk full, I/O error).
        public var appendFailures = 0
        public var saves = 0
        public var saveFailures = 0
        /// Failed attempts to write a note's content back to its source (retried).
        public var noteSaveFailures = 0
        public var compactions = 0
        public var loads = 0
        public var unloads = 0
        /// Updates refused because the document would pass its size budget.
        public var documentTooLarge = 0
        /// History versions written (automatic and named).
        public var versionsCreated = 0
        /// Server-side content writes and restores applied.
        public var contentWrites = 0
        /// Subscribers joined to rooms now, every protocol.
        public var members = 0
        /// Full states encoded as a y-websocket sync step 2 frame for a client syncing from nothing (once per
        /// document version while the join cache holds it).
        public var syncFrameEncodings = 0
        /// Full states serialised into a Socket.IO `ydoc:document:state` packet (once per document version while
        /// the join cache holds it).
        public var socketIOStateEncodings = 0
    }

    private let counters = Locked(Counters())
    /// Join, relay and save latency histograms (observed by the rooms, exported on `/metrics`).
    public let latencies = DocumentLatencies()

    public init() {}

    /// The current counters.
    public var snapshot: Counters { counters.withLock { $0 } }

    func update(_ change: (inout Counters) -> Void) {
        counters.withLock { change(&$0) }
    }
}
