/// Merging updates without a document (Yjs `mergeUpdates` / `mergeUpdatesV2`, yjs-format.md §4.2), in
/// O(n log k) time for n structs from k updates.
///
/// Yjs re-sorts all its readers after every struct, which is quadratic for many small updates (556 s for 100,000
/// automerge-paper updates). The choice Yjs makes at each step — the reader whose current struct has the highest
/// client, then the lowest clock, ties going to the reader that was first in the previous (stably sorted) order —
/// is exactly a priority queue keyed by (client descending, clock ascending, most recently re-inserted first).
/// Running the same per-step logic over a binary heap gives byte-identical output in O(log k) per step.
extension Update {
    /// Merges updates the way Yjs `mergeUpdates` does: the union of their structs per client in clock order,
    /// overlaps written once, gaps filled with Skip structs, and the union of the delete sets (sorted, merged).
    ///
    /// Items are not merged with each other (Yjs does not either); adjacent GC structs from different inputs are.
    public static func merged(_ updates: [Update]) -> Update {
        if updates.count == 1 { return updates[0] }
        var flat: [Block] = []
        var ranges: [(Int, Int)] = []
        for u in updates {
            let start = flat.count
            for s in u.sections { for b in s.blocks where !b.isSkip { flat.append(b) } }
            ranges.append((start, flat.count))
        }
        var out = BlockWriter()
        mergeFlat(flat, ranges: ranges, into: &out)
        return Update(sections: out.sections, deleteSet: DeleteSet.merged(updates.map(\.deleteSet)))
    }

    /// Merges encoded updates (Yjs `mergeUpdates` / `mergeUpdatesV2`). One update is returned unchanged, as Yjs
    /// does; otherwise the result is re-encoded in `format`.
    /// - Throws: ``DecodingError`` for the first malformed input.
    public static func merge(
        _ updates: [ArraySlice<UInt8>], format: UpdateFormat, limits: UpdateDecodingLimits = .default
    ) throws(DecodingError) -> [UInt8] {
        if updates.count == 1 { return Array(updates[0]) }
        var flat: [Block] = []
        var ranges: [(Int, Int)] = []
        ranges.reserveCapacity(updates.count)
        var deleteSets: [DeleteSet] = []
        deleteSets.reserveCapacity(updates.count)
        for u in updates {
            let start = flat.count
            let ds = try decodeFlat(u, format: format, filterSkips: true, into: &flat, limits: limits)
            if !ds.entries.isEmpty { deleteSets.append(ds) }
            ranges.append((start, flat.count))
        }
        var out = BlockWriter()
        mergeFlat(flat, ranges: ranges, into: &out)
        return Update(sections: out.sections, deleteSet: DeleteSet.merged(deleteSets)).encoded(format)
    }

    /// The Yjs merge loop over readers `ranges` of `flat` (Skips already removed).
    static func mergeFlat(_ flat: [Block], ranges: [(Int, Int)], into out: inout BlockWriter) {
        var pos = ranges.map(\.0)
        let end = ranges.map(\.1)
        var heap = ReaderHeap()
        heap.reserve(ranges.count)
        var stamp = ranges.count + 1
        for r in ranges.indices where pos[r] < end[r] {
            heap.items.append(.init(id: flat[pos[r]].id, stamp: ranges.count - r, reader: r))
        }
        heap.heapify()
        var currWrite: Block? = nil
        while let top = heap.popMin() {
            let r = top.reader
            var p = pos[r]
            let e = end[r]
            let head = flat[p]
            let firstClient = head.id.client
            var cw: Block
            if let current = currWrite {
                cw = current
                var iterated = false
                while p < e, flat[p].endClock <= cw.endClock, flat[p].id.client >= cw.id.client {
                    p += 1
                    iterated = true
                }
                if p == e {
                    pos[r] = p
                    continue
                }
                let c = flat[p]
                if c.id.client != firstClient || (iterated && c.id.clock > cw.endClock) {
                    pos[r] = p
                    heap.push(.init(id: c.id, stamp: stamp, reader: r))
                    stamp += 1
                    continue
                }
                if firstClient != cw.id.client {
                    out.write(cw)
                    cw = c
                    p += 1
                } else if cw.endClock < c.id.clock {
                    if case .skip(let id, _) = cw {
                        cw = .skip(id: id, length: c.endClock - id.clock)
                    } else {
                        out.write(cw)
                        cw = .skip(id: ID(client: firstClient, clock: cw.endClock), length: c.id.clock - cw.endClock)
                    }
                } else {
                    let diff = cw.endClock - c.id.clock
                    var sliced = c
                    if diff > 0 {
                        if case .skip(let id, let n) = cw {
                            cw = .skip(id: id, length: n - diff)
                        } else {
                            sliced = c.dropFirst(diff)
                        }
                    }
                    if !Self.mergeStructs(&cw, sliced) {
                        out.write(cw)
                        cw = sliced
                        p += 1
                    }
                }
            } else {
                cw = head
                p += 1
            }
            while p < e {
                let next = flat[p]
                guard next.id.client == firstClient, next.id.clock == cw.endClock, !next.isSkip else { break }
                out.write(cw)
                cw = next
                p += 1
            }
            currWrite = cw
            pos[r] = p
            if p < e {
                heap.push(.init(id: flat[p].id, stamp: stamp, reader: r))
                stamp += 1
            }
        }
        if let cw = currWrite { out.write(cw) }
    }

    /// Yjs `mergeWith` in the doc-less setting: GC+GC and Skip+Skip join; Items never do (their `right` is null).
    static func mergeStructs(_ left: inout Block, _ right: Block) -> Bool {
        switch (left, right) {
        case (.gc(let id, let a), .gc(_, let b)):
            left = .gc(id: id, length: a + b)
            return true
        case (.skip(let id, let a), .skip(_, let b)):
            left = .skip(id: id, length: a + b)
            return true
        default:
            return false
        }
    }
}

/// Collects written structs into client sections the way Yjs's `LazyStructWriter` does: a new section whenever
/// the client changes. Items are re-encoded as Yjs's doc-less tools re-encode them (``Item/yjsReencoded``).
struct BlockWriter {
    var sections: [ClientSection] = []

    mutating func write(_ block: Block) {
        let b: Block
        if case .item(let item) = block { b = .item(item.yjsReencoded) } else { b = block }
        let client = b.id.client
        if let last = self.sections.indices.last, self.sections[last].client == client {
            self.sections[last].blocks.append(b)
        } else {
            self.sections.append(ClientSection(client: client, clock: b.id.clock, blocks: [b]))
        }
    }
}

/// A binary min-heap of readers keyed by (client descending, clock ascending, stamp descending).
struct ReaderHeap {
    struct Entry {
        var id: ID
        var stamp: Int
        var reader: Int

        @inline(__always) func precedes(_ other: Entry) -> Bool {
            if self.id.client != other.id.client { return self.id.client > other.id.client }
            if self.id.clock != other.id.clock { return self.id.clock < other.id.clock }
            return self.stamp > other.stamp
        }
    }

    var items: [Entry] = []

    mutating func reserve(_ n: Int) { self.items.reserveCapacity(n) }

    mutating func heapify() {
        guard self.items.count > 1 else { return }
        var i = self.items.count / 2 - 1
        while i >= 0 {
            self.siftDown(i)
            i -= 1
        }
    }

    mutating func push(_ e: Entry) {
        self.items.append(e)
        var i = self.items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard self.items[i].precedes(self.items[parent]) else { break }
            self.items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popMin() -> Entry? {
        guard let first = self.items.first else { return nil }
        let last = self.items.removeLast()
        if !self.items.isEmpty {
            self.items[0] = last
            self.siftDown(0)
        }
        return first
    }

    mutating func siftDown(_ start: Int) {
        var i = start
        let n = self.items.count
        while true {
            let l = 2 * i + 1
            guard l < n else { return }
            var m = l
            if l + 1 < n, self.items[l + 1].precedes(self.items[l]) { m = l + 1 }
            guard self.items[m].precedes(self.items[i]) else { return }
            self.items.swapAt(i, m)
            i = m
        }
    }
}
