/// Transaction cleanup: garbage collection and struct merging (Yjs `cleanupTransactions`, `tryGc`,
/// `tryToMergeWithLefts`, `Item.gc`, `Item.mergeWith` in src/utils/Transaction.js and src/structs/Item.js).
extension Document {
    /// Replaces deleted content by `ContentDeleted`, or by GC structs inside a deleted type (Yjs `Item.gc`).
    mutating func gcItem(_ index: Int32, parentGCd: Bool) {
        let record = self.items[Int(index)]
        guard !record.isGC, record.isDeleted else { return }
        if record.kind == .type {
            let type = Int32(record.content)
            var child = self.types[Int(type)].start
            while child >= 0 {
                let next = self.items[Int(child)].right
                self.gcItem(child, parentGCd: true)
                child = next
            }
            self.types[Int(type)].start = -1
            for key in self.types[Int(type)].mapOrder {
                var child = self.types[Int(type)].map[key] ?? -1
                while child >= 0 {
                    let next = self.items[Int(child)].left
                    self.gcItem(child, parentGCd: true)
                    child = next
                }
            }
            self.types[Int(type)].map.removeAll()
            self.types[Int(type)].mapOrder.removeAll()
            self.types[Int(type)].markers.removeAll()
            self.types[Int(type)].length = 0
            // The type's item is about to become a deleted or GC struct that may merge away: forget it.
            self.types[Int(type)].item = TypeRecord.gone
        }
        self.releasePayload(of: index)
        if parentGCd {
            self.items[Int(index)] = .gc(client: record.client, clock: record.clock, length: record.length)
        } else {
            self.items[Int(index)].kind = .deleted
            self.items[Int(index)].content = 0
        }
    }

    /// Merges struct `right` into its left neighbour `left` in the same client array (Yjs `mergeWith`).
    /// - Returns: whether they merged; `right` is then free.
    mutating func mergeStructs(_ left: Int32, _ right: Int32) -> Bool {
        let l = self.items[Int(left)]
        let r = self.items[Int(right)]
        if l.isGC || r.isGC {
            guard l.isGC && r.isGC else { return false }
            self.items[Int(left)].length += r.length
            return true
        }
        guard l.kind == r.kind, l.kind.isSplittable,
            r.originClient == l.client, r.originClock == l.clock + l.length - 1,
            l.right == right,
            l.rightOriginClient == r.rightOriginClient,
            l.rightOriginClient < 0 || l.rightOriginClock == r.rightOriginClock,
            l.client == r.client, l.clock + l.length == r.clock,
            l.isDeleted == r.isDeleted
        else { return false }
        // Content.
        switch l.kind {
        case .string:
            if l.content + l.length != r.content {
                let start = self.utf16.count
                self.utf16.append(contentsOf: self.utf16[l.content..<(l.content + l.length)])
                self.utf16.append(contentsOf: self.utf16[r.content..<(r.content + r.length)])
                self.items[Int(left)].content = start
            }
        case .any, .json:
            let tail = self.payloads[r.content]
            self.payloads[l.content].append(tail)
            self.payloads[r.content] = .none
            self.freePayloads.append(r.content)
        default:
            break
        }
        if l.parent >= 0 && !self.types[Int(l.parent)].markers.isEmpty {
            for m in self.types[Int(l.parent)].markers.indices
            where self.types[Int(l.parent)].markers[m].item == right {
                self.types[Int(l.parent)].markers[m].item = left
                self.types[Int(l.parent)].markers[m].index -= l.visibleLength
            }
        }
        if r.isKept { self.items[Int(left)].flags |= ItemRecord.keepFlag }
        self.items[Int(left)].right = r.right
        if r.right >= 0 { self.items[Int(r.right)].left = left }
        self.items[Int(left)].length += r.length
        return true
    }

    /// Merges `structs[slot][position]` with its left neighbours while possible (Yjs `tryToMergeWithLefts`).
    /// - Returns: the number of structs merged away.
    mutating func tryToMergeWithLefts(slot: Int32, position: Int) -> Int {
        var i = position
        var right = self.structs[Int(slot)][i]
        var freed: [Int32] = []
        while i > 0 {
            let left = self.structs[Int(slot)][i - 1]
            let l = self.items[Int(left)]
            let r = self.items[Int(right)]
            guard l.isDeleted == r.isDeleted, l.isGC == r.isGC, self.mergeStructs(left, right) else { break }
            if !r.isGC, r.parentSub >= 0, r.parent >= 0, self.types[Int(r.parent)].map[r.parentSub] == right {
                self.types[Int(r.parent)].map[r.parentSub] = left
            }
            freed.append(right)
            right = left
            i -= 1
        }
        let merged = position - i
        if merged > 0 {
            self.structs[Int(slot)].removeSubrange((position + 1 - merged)...position)
            self.freeItems.append(contentsOf: freed)
        }
        return merged
    }

    /// Ends the open transaction: sorts its delete set, garbage collects, merges structs, checks our client ID, and
    /// encodes the transaction as a v1 update when `encode` is set (Yjs `cleanupTransactions`).
    ///
    /// A remote transaction that touched formatted text may be followed by a local formatting cleanup (Yjs
    /// `cleanupYTextAfterTransaction`); its update is returned as `followUp` and must be sent to the other peers,
    /// as Yjs emits it, or they keep formats this document deleted.
    mutating func finishTransaction(encode: Bool) -> [UInt8]? {
        self.finishTransactionWithFollowUp(encode: encode).main
    }

    mutating func finishTransactionWithFollowUp(encode: Bool) -> (main: [UInt8]?, followUp: [UInt8]?) {
        guard var state = self.txn else { return (nil, nil) }
        for slot in state.deleteSet.keys { sortAndMerge(&state.deleteSet[slot, default: []]) }
        self.txn = state
        // Observer phase: remote changes drop search markers and may need a formatting cleanup (YText
        // `_callObserver` → `cleanupYTextAfterTransaction`, run as a second, local transaction).
        var followUp: TransactionState?
        if !state.local && !state.changed.isEmpty {
            var needsCleanup = false
            for type in state.changed {
                let record = self.types[Int(type)]
                if self.isTypeDeleted(type) { continue }
                self.types[Int(type)].markers.removeAll()
                if record.kind.isText && record.hasFormatting { needsCleanup = true }
            }
            if needsCleanup && self.options.formattingCleanup {
                followUp = self.formattingCleanup(after: state)
                state = self.txn ?? state
            }
        }
        self.collect(state)
        if !state.local, let own = self.clientSlots[self.clientID],
            state.before(own) != self.state(slot: own)
        {
            self.clientID = UInt64(UInt32.random(in: 0...UInt32.max, using: &self.rng))
            self.clientIDChanges += 1
        }
        var update: [UInt8]?
        if encode { update = self.encodeTransaction(state) }
        self.txn = nil
        var followUpdate: [UInt8]?
        if var followUp {
            for slot in followUp.deleteSet.keys { sortAndMerge(&followUp.deleteSet[slot, default: []]) }
            self.collect(followUp)
            followUpdate = self.encodeTransaction(followUp)
        }
        return (update, followUpdate)
    }

    /// GC and merge phase of cleanup for one transaction.
    private mutating func collect(_ state: TransactionState) {
        let ds = state.deleteSet
        if self.options.gc {
            for (slot, ranges) in ds {
                for range in ranges.reversed() {
                    let end = range.clock + range.length
                    var si = self.findIndex(slot: slot, clock: range.clock)
                    while si < self.structs[Int(slot)].count {
                        let index = self.structs[Int(slot)][si]
                        let record = self.items[Int(index)]
                        if record.clock >= end { break }
                        if !record.isGC && record.isDeleted && !record.isKept {
                            self.gcItem(index, parentGCd: false)
                        }
                        si += 1
                    }
                }
            }
        }
        for (slot, ranges) in ds {
            for range in ranges.reversed() {
                let count = self.structs[Int(slot)].count
                var si = min(count - 1, 1 + self.findIndex(slot: slot, clock: range.clock + range.length - 1))
                while si > 0 && self.items[Int(self.structs[Int(slot)][si])].clock >= range.clock {
                    si -= 1 + self.tryToMergeWithLefts(slot: slot, position: si)
                }
            }
        }
        for slot in self.structs.indices {
            let slot = Int32(slot)
            let before = state.before(slot)
            let after = self.state(slot: slot)
            guard before != after else { continue }
            let firstChange = max(self.findIndex(slot: slot, clock: before), 1)
            var i = self.structs[Int(slot)].count - 1
            while i >= firstChange {
                i -= 1 + self.tryToMergeWithLefts(slot: slot, position: i)
            }
        }
        for (slot, clock) in state.mergeStructs.reversed() {
            let position = self.findIndex(slot: slot, clock: clock)
            if position + 1 < self.structs[Int(slot)].count {
                if self.tryToMergeWithLefts(slot: slot, position: position + 1) > 1 { continue }
            }
            if position > 0 {
                _ = self.tryToMergeWithLefts(slot: slot, position: position)
            }
        }
    }
}
