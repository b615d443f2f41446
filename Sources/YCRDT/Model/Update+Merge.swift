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
        for op in mergeFlat(flat, ranges: ranges) { out.write(op, from: flat) }
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
        let totalBytes = updates.reduce(0) { $0 + $1.count }
        flat.reserveCapacity(updates.count + totalBytes / 64)
        var ranges: [(Int, Int)] = []
        ranges.reserveCapacity(updates.count)
        var deletions = DeleteSetAccumulator()
        for u in updates {
            let start = flat.count
            try decodeFlat(u, format: format, filterSkips: true, into: &flat, deletions: &deletions, limits: limits)
            ranges.append((start, flat.count))
        }
        let ops = mergeFlat(flat, ranges: ranges)
        let ds = deletions.merged()
        switch format {
        case .v1:
            var encoder = V1FieldEncoder(capacity: totalBytes / 2)
            encoder.writeMerged(ops, from: flat, deleteSet: ds)
            return encoder.finish()
        case .v2:
            var encoder = V2FieldEncoder()
            encoder.writeMerged(ops, from: flat, deleteSet: ds)
            return encoder.finish()
        }
    }

    /// The Yjs merge loop over readers `ranges` of `flat` (Skips already removed).
    ///
    /// The loop works on plain (id, length, kind) headers and only copies a block when it is written, so the
    /// per-step cost is a few integer comparisons plus the heap operation.
    static func mergeFlat(_ flat: [Block], ranges: [(Int, Int)]) -> [Pending] {
        var out = PendingList()
        out.ops.reserveCapacity(flat.count)
        var keys: [Pending] = []
        keys.reserveCapacity(flat.count)
        for (i, b) in flat.enumerated() { keys.append(Pending(block: b, source: i)) }
        var pos = ranges.map(\.0)
        let end = ranges.map(\.1)
        var heap = ReaderHeap()
        heap.reserve(ranges.count)
        var stamp = ranges.count + 1
        for r in ranges.indices where pos[r] < end[r] {
            heap.items.append(.init(id: keys[pos[r]].id, stamp: ranges.count - r, reader: r))
        }
        heap.heapify()
        var currWrite: Pending? = nil
        while let top = heap.popMin() {
            let r = top.reader
            var p = pos[r]
            let e = end[r]
            let firstClient = keys[p].id.client
            var cw: Pending
            if let current = currWrite {
                cw = current
                var iterated = false
                while p < e, keys[p].endClock <= cw.endClock, keys[p].id.client >= cw.id.client {
                    p += 1
                    iterated = true
                }
                if p == e {
                    pos[r] = p
                    continue
                }
                let c = keys[p]
                if c.id.client != firstClient || (iterated && c.id.clock > cw.endClock) {
                    pos[r] = p
                    heap.push(.init(id: c.id, stamp: stamp, reader: r))
                    stamp += 1
                    continue
                }
                if firstClient != cw.id.client {
                    out.write(cw, from: flat)
                    cw = c
                    p += 1
                } else if cw.endClock < c.id.clock {
                    if cw.kind == .skip {
                        cw.length = c.endClock - cw.id.clock
                    } else {
                        out.write(cw, from: flat)
                        cw = Pending(skip: ID(client: firstClient, clock: cw.endClock), length: c.id.clock - cw.endClock)
                    }
                } else {
                    let diff = cw.endClock - c.id.clock
                    var sliced = c
                    if diff > 0 {
                        if cw.kind == .skip {
                            cw.length -= diff
                        } else {
                            sliced.id.clock += diff
                            sliced.length -= diff
                            sliced.offset += diff
                        }
                    }
                    if cw.kind != .item && cw.kind == sliced.kind {
                        cw.length += sliced.length
                    } else {
                        out.write(cw, from: flat)
                        cw = sliced
                        p += 1
                    }
                }
            } else {
                cw = keys[p]
                p += 1
            }
            while p < e {
                let next = keys[p]
                guard next.id.client == firstClient, next.id.clock == cw.endClock, next.kind != .skip else { break }
                out.write(cw, from: flat)
                cw = next
                p += 1
            }
            currWrite = cw
            pos[r] = p
            if p < e {
                heap.push(.init(id: keys[p].id, stamp: stamp, reader: r))
                stamp += 1
            }
        }
        if let cw = currWrite { out.write(cw, from: flat) }
        return out.ops
    }

    /// A struct waiting to be written: which input block (if any), from which offset, or a GC/Skip by length.
    struct Pending {
        enum Kind: UInt8 { case item, gc, skip }
        var id: ID
        var length: Clock
        var kind: Kind
        /// Index into the flat input, or -1 for a synthesized Skip.
        var source: Int
        /// Units cut from the front of an item (Yjs `sliceStruct`).
        var offset: Clock = 0

        init(block: Block, source: Int) {
            self.id = block.id
            self.length = block.length
            switch block {
            case .item: self.kind = .item
            case .gc: self.kind = .gc
            case .skip: self.kind = .skip
            }
            self.source = source
        }

        init(skip id: ID, length: Clock) {
            self.id = id
            self.length = length
            self.kind = .skip
            self.source = -1
        }

        @inline(__always) var endClock: Clock { self.id.clock + self.length }
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

/// The structs the merge loop writes, in order.
struct PendingList {
    var ops: [Update.Pending] = []
    @inline(__always) mutating func write(_ p: Update.Pending, from flat: [Block]) { self.ops.append(p) }
}

extension UpdateFieldEncoder {
    /// Writes merge output straight from the input blocks, grouping runs of one client into a section the way
    /// Yjs's `LazyStructWriter` does, and re-encoding items as Yjs's doc-less reader sees them.
    mutating func writeMerged(_ ops: [Update.Pending], from flat: [Block], deleteSet: DeleteSet) {
        var sections = 0
        var i = 0
        while i < ops.count {
            let client = ops[i].id.client
            while i < ops.count, ops[i].id.client == client { i += 1 }
            sections += 1
        }
        self.rest.writeVarUInt(sections)
        i = 0
        while i < ops.count {
            let client = ops[i].id.client
            var j = i
            while j < ops.count, ops[j].id.client == client { j += 1 }
            self.rest.writeVarUInt(j - i)
            self.writeClient(client)
            self.rest.writeVarUInt(ops[i].id.clock)
            for k in i ..< j {
                let op = ops[k]
                switch op.kind {
                case .gc: self.writeBlock(.gc(id: op.id, length: op.length))
                case .skip: self.writeBlock(.skip(id: op.id, length: op.length))
                case .item:
                    if op.offset == 0, case .item(let item) = flat[op.source], item.isPlainForYjs {
                        self.writeItem(item, yjsInfo: true)
                    } else {
                        self.writeBlock(flat[op.source].dropFirst(op.offset).yjsReencoded)
                    }
                }
            }
            i = j
        }
        self.writeDeleteSet(deleteSet)
    }
}

/// Collects written structs into client sections the way Yjs's `LazyStructWriter` does: a new section whenever
/// the client changes. Items are re-encoded as Yjs's doc-less tools re-encode them (``Item/yjsReencoded``).
struct BlockWriter {
    var sections: [ClientSection] = []

    mutating func write(_ p: Update.Pending, from flat: [Block]) {
        switch p.kind {
        case .gc: self.write(.gc(id: p.id, length: p.length))
        case .skip: self.write(.skip(id: p.id, length: p.length))
        case .item:
            if p.offset == 0 { self.write(flat[p.source]) } else { self.write(flat[p.source].dropFirst(p.offset)) }
        }
    }

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
