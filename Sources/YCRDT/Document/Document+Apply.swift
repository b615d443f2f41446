/// Where an incoming item says its parent is.
enum IncomingParent: Sendable {
    /// Not written: copied from the left or right neighbour.
    case none
    /// A root type by name.
    case root(String)
    /// The type held by the item with this ID.
    case item(client: UInt64, clock: Int)
}

/// A struct read from an update, not yet integrated (Yjs `Item` / `GC` / `Skip` between read and integrate).
struct IncomingStruct {
    enum Kind { case gc, skip, item }
    var kind: Kind
    var client: UInt64
    var clock: Int
    var length: Int
    var originClient: UInt64 = 0
    var originClock: Int = -1
    var rightOriginClient: UInt64 = 0
    var rightOriginClock: Int = -1
    var parent: IncomingParent = .none
    var parentSub: String? = nil
    var content: IncomingContent = .deleted

    var hasOrigin: Bool { self.originClock >= 0 }
    var hasRightOrigin: Bool { self.rightOriginClock >= 0 }
}

/// Structs that wait for missing dependencies (Yjs `store.pendingStructs`), with the first missing clock per client.
struct PendingStructs {
    var missing: [UInt64: Int]
    var structs: [UInt64: [IncomingStruct]]

    /// Adds the structs of `other`, keeping every client's list sorted by clock (overlaps are resolved at retry:
    /// a struct that is already known, fully or in part, is skipped or integrated with an offset).
    mutating func merge(_ other: PendingStructs) {
        for (client, clock) in other.missing {
            if let current = self.missing[client], current <= clock { continue }
            self.missing[client] = clock
        }
        for (client, list) in other.structs {
            var merged = self.structs[client, default: []]
            merged.append(contentsOf: list)
            merged.sort { $0.clock < $1.clock || ($0.clock == $1.clock && $0.length > $1.length) }
            self.structs[client] = merged
        }
    }
}

/// Applying updates (Yjs `readUpdateV2`, `integrateStructs`, `readAndApplyDeleteSet` in src/utils/encoding.js and
/// src/utils/DeleteSet.js), including the pending store for updates whose dependencies are missing.
extension Document {
    /// Applies decoded structs and a delete set inside a remote transaction.
    mutating func applyRemote(structs: [UInt64: [IncomingStruct]], deletes: [(UInt64, [DeleteRange])]) {
        let outer = self.txn == nil
        if outer { self.txn = TransactionState(beforeState: self.currentState(), local: false) }
        self.txn?.local = false
        for name in structs.values.flatMap({ $0 }).compactMap({ s -> String? in
            if case .root(let name) = s.parent { return name } else { return nil }
        }) {
            _ = self.rootType(named: name)
        }
        let rest = self.integrateStructs(structs)
        var retry = false
        if var pending = self.pendingStructs {
            for (client, clock) in pending.missing where clock < self.state(of: client) {
                retry = true
                break
            }
            if let rest {
                pending.merge(rest)
                self.pendingStructs = pending
            }
        } else {
            self.pendingStructs = rest
        }
        let unapplied = self.applyDeleteSet(deletes)
        if !self.pendingDeletes.isEmpty {
            let previous = self.pendingDeletes.map { ($0.key, $0.value) }
            self.pendingDeletes = [:]
            let unapplied2 = self.applyDeleteSet(previous)
            var merged = unapplied
            for (client, ranges) in unapplied2 { merged[client, default: []].append(contentsOf: ranges) }
            for client in merged.keys { sortAndMerge(&merged[client, default: []]) }
            self.pendingDeletes = merged
        } else {
            self.pendingDeletes = unapplied
        }
        if retry, let pending = self.pendingStructs {
            self.pendingStructs = nil
            self.applyRemote(structs: pending.structs, deletes: [])
        }
        if outer { _ = self.finishTransaction(encode: false) }
    }

    /// The current state per client slot.
    func currentState() -> [Int] {
        (0..<self.structs.count).map { self.state(slot: Int32($0)) }
    }

    /// Integrates structs in dependency order (Yjs `integrateStructs`).
    /// - Returns: the structs that could not be integrated, or nil.
    private mutating func integrateStructs(_ input: [UInt64: [IncomingStruct]]) -> PendingStructs? {
        var refs: [UInt64: (i: Int, refs: [IncomingStruct])] = [:]
        for (client, list) in input where !list.isEmpty { refs[client] = (0, list) }
        var clientIDs = refs.keys.sorted()
        guard !clientIDs.isEmpty else { return nil }
        var stack: [IncomingStruct] = []
        var rest: [UInt64: [IncomingStruct]] = [:]
        var missingSV: [UInt64: Int] = [:]
        var stateCache: [UInt64: Int] = [:]

        func nextTarget() -> UInt64? {
            while let last = clientIDs.last {
                if let entry = refs[last], entry.i < entry.refs.count { return last }
                clientIDs.removeLast()
            }
            return nil
        }
        func take(_ client: UInt64) -> IncomingStruct? {
            guard var entry = refs[client], entry.i < entry.refs.count else { return nil }
            let head = entry.refs[entry.i]
            entry.i += 1
            refs[client] = entry
            return head
        }
        func updateMissing(_ client: UInt64, _ clock: Int) {
            if let current = missingSV[client], current <= clock { return }
            missingSV[client] = clock
        }
        func addStackToRest() {
            for item in stack {
                let client = item.client
                if let entry = refs[client] {
                    let start = max(0, entry.i - 1)
                    rest[client] = Array(entry.refs[start...])
                    refs[client] = nil
                } else {
                    rest[client] = [item]
                }
                clientIDs.removeAll { $0 == client }
            }
            stack.removeAll()
        }

        guard var current = nextTarget(), var head = take(current) else { return nil }
        while true {
            if head.kind != .skip {
                let localClock: Int
                if let cached = stateCache[head.client] {
                    localClock = cached
                } else {
                    localClock = self.state(of: head.client)
                    stateCache[head.client] = localClock
                }
                let offset = localClock - head.clock
                if offset < 0 {
                    stack.append(head)
                    updateMissing(head.client, head.clock - 1)
                    addStackToRest()
                } else if let missing = self.missingDependency(of: head) {
                    stack.append(head)
                    if let next = take(missing) {
                        head = next
                        continue
                    }
                    updateMissing(missing, self.state(of: missing))
                    addStackToRest()
                } else {
                    // Resolve neighbours and parent even when the struct is already known, as Yjs does.
                    let resolved = self.resolve(head)
                    if offset == 0 || offset < head.length {
                        self.integrate(resolved, content: head.content, offset: offset)
                        stateCache[head.client] = head.clock + head.length
                    }
                }
            }
            if let top = stack.popLast() {
                head = top
            } else if let entry = refs[current], entry.i < entry.refs.count, let next = take(current) {
                head = next
            } else if let target = nextTarget(), let next = take(target) {
                current = target
                head = next
            } else {
                break
            }
        }
        guard !rest.isEmpty else { return nil }
        return PendingStructs(missing: missingSV, structs: rest)
    }

    /// The client whose structs an incoming item needs and we do not have (Yjs `Item.getMissing`, first half).
    private func missingDependency(of s: IncomingStruct) -> UInt64? {
        guard s.kind == .item else { return nil }
        if s.hasOrigin && (s.originClient != s.client || s.originClock >= s.clock)
            && s.originClock >= self.state(of: s.originClient)
        {
            return s.originClient
        }
        if s.hasRightOrigin && (s.rightOriginClient != s.client || s.rightOriginClock >= s.clock)
            && s.rightOriginClock >= self.state(of: s.rightOriginClient)
        {
            return s.rightOriginClient
        }
        if case .item(let client, let clock) = s.parent, clock >= self.state(of: client),
            client != s.client || clock >= s.clock
        {
            return client
        }
        return nil
    }

    /// Resolves neighbours and parent of an incoming struct (Yjs `Item.getMissing`, second half).
    private mutating func resolve(_ s: IncomingStruct) -> ItemRecord {
        let slot = self.slot(for: s.client)
        var record = ItemRecord.gc(client: slot, clock: s.clock, length: s.length)
        guard s.kind == .item else { return record }
        var leftIsGC = false
        var rightIsGC = false
        if s.hasOrigin {
            let originSlot = self.slot(for: s.originClient)
            let left = self.itemCleanEnd(slot: originSlot, clock: s.originClock)
            record.left = left
            record.originClient = originSlot
            record.originClock = self.lastClock(left)
            leftIsGC = self.items[Int(left)].isGC
        }
        if s.hasRightOrigin {
            let rightSlot = self.slot(for: s.rightOriginClient)
            let right = self.itemCleanStart(slot: rightSlot, clock: s.rightOriginClock)
            record.right = right
            record.rightOriginClient = rightSlot
            record.rightOriginClock = self.items[Int(right)].clock
            rightIsGC = self.items[Int(right)].isGC
        }
        if leftIsGC || rightIsGC {
            record.parent = -1
            return record
        }
        switch s.parent {
        case .none:
            if record.left >= 0 {
                record.parent = self.items[Int(record.left)].parent
                record.parentSub = self.items[Int(record.left)].parentSub
            } else if record.right >= 0 {
                record.parent = self.items[Int(record.right)].parent
                record.parentSub = self.items[Int(record.right)].parentSub
            }
            return record
        case .root(let name):
            record.parent = self.rootType(named: name)
        case .item(let client, let clock):
            let parentSlot = self.slot(for: client)
            let parentItem = self.items[Int(self.find(slot: parentSlot, clock: clock))]
            record.parent = parentItem.kind == .type ? Int32(parentItem.content) : -1
        }
        if let key = s.parentSub { record.parentSub = self.intern(key) }
        return record
    }

    /// Applies a delete set (Yjs `readAndApplyDeleteSet`).
    /// - Returns: the ranges beyond our state, to keep pending.
    private mutating func applyDeleteSet(_ deletes: [(UInt64, [DeleteRange])]) -> [UInt64: [DeleteRange]] {
        var unapplied: [UInt64: [DeleteRange]] = [:]
        for (client, ranges) in deletes {
            let state = self.state(of: client)
            let slot = self.clientSlots[client]
            for range in ranges where range.length > 0 {
                let clock = range.clock
                let end = range.clock + range.length
                guard clock < state, let slot else {
                    unapplied[client, default: []].append(range)
                    continue
                }
                if state < end { unapplied[client, default: []].append(DeleteRange(clock: state, length: end - state)) }
                var index = self.findIndex(slot: slot, clock: clock)
                let first = self.structs[Int(slot)][index]
                let record = self.items[Int(first)]
                if !record.isDeleted && record.clock < clock {
                    let right = self.splitItem(first, at: clock - record.clock)
                    self.structs[Int(slot)].insert(right, at: index + 1)
                    index += 1
                }
                while index < self.structs[Int(slot)].count {
                    let item = self.structs[Int(slot)][index]
                    index += 1
                    let record = self.items[Int(item)]
                    guard record.clock < end else { break }
                    if !record.isDeleted {
                        if end < record.clock + record.length {
                            let right = self.splitItem(item, at: end - record.clock)
                            self.structs[Int(slot)].insert(right, at: index)
                        }
                        self.deleteItem(item)
                    }
                }
            }
        }
        return unapplied
    }
}
