/// Deleted clock ranges per client: the delete set at the end of every update. Spec: yjs-format.md §2.4 / §3.3.
///
/// Clients and ranges keep the order they were decoded in, so decode→encode is byte-identical (including a client
/// with zero ranges, which Yjs's reader skips). ``normalized()`` and ``merged(_:)`` reproduce what Yjs writes.
public struct DeleteSet: Equatable, Sendable {
    /// One deleted range: `length` units starting at `clock`.
    public struct Range: Equatable, Hashable, Sendable {
        /// First deleted clock.
        public var clock: Clock
        /// Number of deleted units.
        public var length: Clock
        /// Creates a range.
        @inlinable public init(clock: Clock, length: Clock) {
            self.clock = clock
            self.length = length
        }
        /// The clock after the range.
        @inlinable public var end: Clock { self.clock + self.length }
    }

    /// The ranges of one client, in order.
    public struct Entry: Equatable, Sendable {
        /// The client whose content was deleted.
        public var client: ClientID
        /// Its deleted ranges.
        public var ranges: [Range]
        /// Creates an entry.
        public init(client: ClientID, ranges: [Range]) {
            self.client = client
            self.ranges = ranges
        }
    }

    /// Entries in order; normally one per client.
    public var entries: [Entry]

    /// Creates a delete set.
    public init(entries: [Entry] = []) { self.entries = entries }

    /// Whether there are no ranges at all.
    public var isEmpty: Bool { self.entries.allSatisfy { $0.ranges.isEmpty } }

    /// Whether `id` lies in a deleted range (linear scan of the client's ranges).
    public func contains(_ id: ID) -> Bool {
        for e in self.entries where e.client == id.client {
            for r in e.ranges where id.clock >= r.clock && id.clock < r.end { return true }
        }
        return false
    }

    /// Adds a range for `client` (appended; call ``normalized()`` to sort and merge).
    public mutating func insert(client: ClientID, clock: Clock, length: Clock) {
        if let i = self.entries.firstIndex(where: { $0.client == client }) {
            self.entries[i].ranges.append(Range(clock: clock, length: length))
        } else {
            self.entries.append(Entry(client: client, ranges: [Range(clock: clock, length: length)]))
        }
    }

    /// What Yjs writes after `readDeleteSet` then `writeDeleteSet` (as in `diffUpdate`): clients with no ranges are
    /// dropped, a repeated client's ranges are concatenated, and clients are sorted by descending ID. Ranges are
    /// not sorted.
    public func regrouped() -> DeleteSet {
        var order: [ClientID] = []
        var byClient: [ClientID: [Range]] = [:]
        for e in self.entries where !e.ranges.isEmpty {
            if byClient[e.client] == nil { order.append(e.client) }
            byClient[e.client, default: []].append(contentsOf: e.ranges)
        }
        return DeleteSet(entries: order.sorted(by: >).map { Entry(client: $0, ranges: byClient[$0] ?? []) })
    }

    /// ``regrouped()`` plus Yjs `sortAndMergeDeleteSet`: each client's ranges sorted by clock (stable), and
    /// overlapping or adjacent ranges joined.
    public func normalized() -> DeleteSet {
        var ds = self.regrouped()
        for i in ds.entries.indices { ds.entries[i].ranges = DeleteSet.sortAndMerge(ds.entries[i].ranges) }
        return ds
    }

    /// Yjs `mergeDeleteSets` followed by `writeDeleteSet`'s ordering: the union of all ranges, normalised.
    public static func merged(_ sets: [DeleteSet]) -> DeleteSet {
        var acc = DeleteSetAccumulator()
        for set in sets {
            for e in set.entries {
                for r in e.ranges { acc.add(client: e.client, r) }
            }
        }
        return acc.merged()
    }

    /// Sorts ranges by clock (stable) and joins overlapping or adjacent ones (Yjs `sortAndMergeDeleteSet`).
    public static func sortAndMerge(_ ranges: [Range]) -> [Range] {
        guard ranges.count > 1 else { return ranges }
        var sorted = ranges
        var ordered = true
        for i in 1 ..< sorted.count where sorted[i - 1].clock > sorted[i].clock {
            ordered = false
            break
        }
        if !ordered {
            sorted = ranges.enumerated().sorted { $0.element.clock != $1.element.clock ? $0.element.clock < $1.element.clock : $0.offset < $1.offset }.map(\.element)
        }
        var out: [Range] = []
        out.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = out.last, last.end >= r.clock {
                out[out.count - 1].length = max(last.length, r.end - last.clock)
            } else {
                out.append(r)
            }
        }
        return out
    }
}

/// Collects ranges from many delete sets, per client, for ``DeleteSet/merged(_:)``.
struct DeleteSetAccumulator {
    var byClient: [ClientID: [DeleteSet.Range]] = [:]

    mutating func add(client: ClientID, _ range: DeleteSet.Range) {
        self.byClient[client, default: []].append(range)
    }

    /// Clients by descending ID, each client's ranges sorted (stably) and joined.
    func merged() -> DeleteSet {
        DeleteSet(entries: self.byClient.keys.sorted(by: >).map {
            DeleteSet.Entry(client: $0, ranges: DeleteSet.sortAndMerge(self.byClient[$0] ?? []))
        })
    }
}
