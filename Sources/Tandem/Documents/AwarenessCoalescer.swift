import Wire
import YCRDT

/// A room's awareness changes collected over one short window (``DocumentConfiguration/awarenessFlushInterval``)
/// and sent as one message per member when it ends (issue 16: 500 clients at 1 Hz were 250,000 small writes a
/// second, one per member per update).
///
/// Entries are kept per client id, the latest one winning: the room only adds entries its ``Awareness`` table
/// accepted (a newer clock, or a removal at the same clock), so the latest entry of a client is the one every
/// member's table would end with after receiving them all (y-protocols `applyAwarenessUpdate`). A member never
/// receives entries it sent itself (their `origin`), as when each update was relayed on its own.
struct AwarenessCoalescer {
    /// One client's latest change in the window.
    struct Pending: Equatable {
        var entry: AwarenessUpdate.Entry
        /// The state as Open WebUI JSON text for Socket.IO members (a removal: the last state with `cursor: null`);
        /// nil when there is none to send them.
        var json: String?
        /// The member that sent it, which does not get it back; nil for the server's own (expiry, other nodes).
        var origin: String?
        var userID: String
    }

    /// What a member receives at the end of the window.
    struct Message {
        /// Open WebUI awareness JSON (`{"<client>": state, …}`); nil when no entry has one.
        var json: [UInt8]?
        /// One y-protocols awareness update with every entry; nil when there is none.
        var yProtocols: [UInt8]?
        /// The user of the entries when they all come from one user, else empty (`user_id` of the Socket.IO event).
        var userID: String
    }

    private var entries: [Pending] = []
    private var index: [ClientID: Int] = [:]
    /// The bytes of the window's only arrival when it was Open WebUI JSON, relayed untouched as before.
    private var single: (bytes: [UInt8], origin: String?)?
    private var arrivals = 0
    /// When the window ends; nil while nothing is pending.
    private(set) var flushAt: ContinuousClock.Instant?

    var isEmpty: Bool { entries.isEmpty }

    /// Adds the accepted changes of one arrival; `rawJSON` is the arrival's own Open WebUI bytes when it carried
    /// exactly these entries. Opens a window ending `interval` after `now` when none is open.
    mutating func add(
        _ changes: [Pending], rawJSON: [UInt8]?, now: ContinuousClock.Instant, interval: Duration
    ) {
        guard !changes.isEmpty else { return }
        arrivals += 1
        single = arrivals == 1 ? rawJSON.map { ($0, changes[0].origin) } : nil
        for change in changes {
            if let position = index[change.entry.client] {
                entries[position] = change
            } else {
                index[change.entry.client] = entries.count
                entries.append(change)
            }
        }
        if flushAt == nil { flushAt = now + interval }
    }

    /// The members that sent something in this window (their copies leave their own entries out).
    var origins: Set<String> { Set(entries.compactMap(\.origin)) }

    /// The message for a member with id `member` (nil: everything); nil when nothing is left for it.
    func message(for member: String?) -> Message? {
        let chosen = member.map { id in entries.filter { $0.origin != id } } ?? entries
        guard !chosen.isEmpty else { return nil }
        let users = Set(chosen.map(\.userID))
        let json: [UInt8]?
        if let single {
            json = single.bytes
        } else {
            var text = ""
            for change in chosen {
                guard let state = change.json else { continue }
                text += text.isEmpty ? "{" : ","
                text += "\"\(change.entry.client)\":" + state
            }
            json = text.isEmpty ? nil : Array((text + "}").utf8)
        }
        return Message(
            json: json, yProtocols: AwarenessUpdate(entries: chosen.map(\.entry)).encoded(),
            userID: users.count == 1 ? users.first ?? "" : "")
    }

    /// Empties the window.
    mutating func reset() {
        self = AwarenessCoalescer()
    }
}
