import Foundation
import Wire

/// Where an event goes: every connection of a user, a room, or one session.
public enum EventTarget: Sendable, Equatable {
    /// Room `user:<id>`: every Socket.IO socket and `/ws/notify` connection of the user, on every host.
    case user(String)
    /// Any Socket.IO room (`channel:<id>`, `note:<id>`, …), plain chat connections included for `channel:<id>`.
    case room(String)
    /// One Socket.IO sid or notify connection id (`notify-<n>`, or `notify-<host id>-<n>` with a Redis bus).
    case session(String)

    /// The Socket.IO room of the target.
    public var room: SocketIORoom {
        switch self {
        case .user(let id): return .user(id)
        case .room(let room): return SocketIORoom(room)
        case .session(let sid): return .session(sid)
        }
    }
}

/// Sends host-backend events to users (the events API, Docs/events.md): plain emits through ``SocketIOServer``
/// (which publishes them on the Redis bus when there is one), durable ones stored first in the ``EventOutbox``.
///
/// Durable events reach Socket.IO sockets as `events:outbox {id, event, data, created_at}`; clients acknowledge with
/// `events:ack {id}` (cumulative) and ask for what they missed with `events:resume {after}` or the CONNECT auth field
/// `outbox_after`. `/ws/notify` translates the same emits to its own JSON (``NotifyEndpoint``).
public struct EventDispatcher: Sendable {
    /// The Socket.IO event name of durable events.
    public static let durableEventName = "events:outbox"

    public let server: SocketIOServer
    public let outbox: (any OutboxStore)?
    public let wallClock: @Sendable () -> Double
    /// Counters of emits, calls and the outbox (`/metrics`).
    public let metrics: EventsMetrics

    public init(
        server: SocketIOServer, outbox: (any OutboxStore)?, metrics: EventsMetrics = EventsMetrics(registry: nil),
        wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.server = server
        self.outbox = outbox
        self.metrics = metrics
        self.wallClock = wallClock
    }

    /// The wire form of a durable event (Socket.IO `events:outbox` payload).
    public static func wire(_ entry: OutboxEntry) -> JSONValue {
        ["id": .int(entry.id), "event": .string(entry.event), "data": entry.data, "created_at": .double(entry.createdAt)]
    }

    /// Emits `event` to `target`; returns how many local receivers it reached.
    public func emit(_ event: String, data: JSONValue, to target: EventTarget) async -> Int {
        let receivers = await server.emit(event, [data], to: target.room)
        metrics.emitted(to: target, durable: false, receivers: receivers)
        return receivers
    }

    /// Stores a durable event for `userID`, then emits it to every connection of the user.
    public func emitDurable(_ event: String, data: JSONValue, toUser userID: String) async throws(OutboxError) -> (entry: OutboxEntry, receivers: Int) {
        guard let outbox else { throw .storage("no data directory: durable events are unavailable") }
        let entry: OutboxEntry
        do {
            entry = try await outbox.append(userID: userID, event: event, data: data, now: wallClock())
        } catch {
            metrics.refused(error)
            throw error
        }
        metrics.outboxStored.increment()
        let receivers = await server.emit(Self.durableEventName, [Self.wire(entry)], to: EventTarget.user(userID).room)
        metrics.emitted(to: .user(userID), durable: true, receivers: receivers)
        return (entry, receivers)
    }

    /// Sends the pending durable events of `userID` after `after` to one connection (a Socket.IO sid or a tapped
    /// plain id), oldest first; returns how many.
    @discardableResult
    public func resend(toUser userID: String, after: Int64, session: String) async -> Int {
        guard let outbox else { return 0 }
        let now = wallClock()
        if after > 0 {
            let changed = (try? await outbox.acknowledge(userID: userID, upTo: after, now: now)) ?? 0
            metrics.outboxAcknowledged.increment(by: Int64(changed))
        }
        let pending = (try? await outbox.pending(userID: userID, after: after, now: now)) ?? []
        for entry in pending { await server.emit(Self.durableEventName, [Self.wire(entry)], to: .session(session)) }
        metrics.outboxResent.increment(by: Int64(pending.count))
        return pending.count
    }

    /// Registers `events:ack` and `events:resume`, and resends on CONNECT when the auth carries `outbox_after`.
    public func install() async {
        let dispatcher = self
        await server.on("events:ack") { event in
            guard let user = event.session.user, let id = event.data?["id"]?.intValue else {
                await event.ack?([["ok": false, "error": "events:ack needs {id: int}"]])
                return
            }
            let changed: Int
            do {
                changed = try await dispatcher.outbox?.acknowledge(userID: user.id, upTo: id, now: dispatcher.wallClock()) ?? 0
            } catch {
                await event.ack?([["ok": false, "error": .string("outbox unavailable")]])
                return
            }
            dispatcher.metrics.outboxAcknowledged.increment(by: Int64(changed))
            await event.ack?([["ok": true, "acknowledged": .int(Int64(changed))]])
        }
        await server.on("events:resume") { event in
            guard let user = event.session.user else { return }
            let after = event.data?["after"]?.intValue ?? 0
            let count = await dispatcher.resend(toUser: user.id, after: max(0, after), session: event.session.sid)
            await event.ack?([["ok": true, "sent": .int(Int64(count))]])
        }
        await server.onConnect { session in
            guard let user = session.user, let after = session.auth?["outbox_after"]?.intValue else { return }
            await dispatcher.resend(toUser: user.id, after: max(0, after), session: session.sid)
        }
    }
}
