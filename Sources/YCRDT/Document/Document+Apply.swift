/// Structs that wait for missing dependencies (Yjs `store.pendingStructs`), with the first missing clock per client.
struct PendingStructs: Sendable {
    var missing: [UInt64: Int]
    var structs: [UInt64: [Block]]

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
            merged.sort { $0.id.clock < $1.id.clock || ($0.id.clock == $1.id.clock && $0.length > $1.length) }
            self.structs[client] = merged
        }
    }
}

/// Applying updates (Yjs `readUpdateV2`, `integrateStructs`, `readAndApplyDeleteSet` in src/utils/encoding.js and
/// src/utils/DeleteSet.js), including the pending store for updates whose dependencies are missing.
extension Document {
    /// Applies a decoded update (Yjs `applyUpdate`): integrates what it can, keeps the rest pending until the
    /// missing structs arrive, and applies the delete set (keeping deletes of unknown structs pending too).
    ///
    /// - Returns: the v1 update of the formatting cleanup Yjs runs after remote changes to formatted text (it deletes
    ///   redundant format marks), or nil. Send it to the other peers as Yjs does, or they will diverge.
    @discardableResult
    public mutating func apply(_ update: Update) -> [UInt8]? {
        var structs: [UInt64: [Block]] = [:]
        var incoming = 0
        for section in update.sections where !section.blocks.isEmpty {
            incoming += section.blocks.count
            // Zero-length structs carry nothing and would break the clock arithmetic of the store: drop them. The
            // usual section has none and one section per client: share its array instead of copying every block.
            if structs[section.client] == nil, section.blocks.allSatisfy({ $0.length > 0 }) {
                structs[section.client] = section.blocks
            } else {
                structs[section.client, default: []].append(contentsOf: section.blocks.lazy.filter { $0.length > 0 })
            }
            for block in section.blocks {
                if case .item(let item) = block, case .root(let name)? = item.parent { _ = self.rootType(named: name) }
            }
        }
        self.reserveStore(forIncoming: incoming)
        var deletes: [(UInt64, [DeleteRange])] = []
        for entry in update.deleteSet.entries {
            deletes.append(
                (entry.client, entry.ranges.map { DeleteRange(clock: Int($0.clock), length: Int($0.length)) }))
        }
        return self.applyRemote(structs: structs, deletes: deletes)
    }

    /// Decodes and applies an update in format v1 (default) or v2.
    /// - Returns: the formatting-cleanup update to forward to other peers, if any (see ``apply(_:)``).
    /// - Throws: ``DecodingError`` when the bytes are not a valid update; the document is then unchanged.
    @discardableResult
    public mutating func applyUpdate(_ bytes: [UInt8], format: UpdateFormat = .v1) throws(DecodingError) -> [UInt8]? {
        self.apply(try Update(bytes: bytes[...], format: format))
    }

    /// Applies structs and a delete set inside a remote transaction.
    @discardableResult
    mutating func applyRemote(structs: [UInt64: [Block]], deletes: [(UInt64, [DeleteRange])]) -> [UInt8]? {
        let outer = self.txn == nil
        if outer { self.txn = TransactionState(beforeState: self.currentState(), local: false) }
        self.txn?.local = false
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
        if outer { return self.finishTransactionWithFollowUp(encode: false).followUp }
        return nil
    }

    /// The current state per client slot.
    func currentState() -> [Int] {
        (0..<self.structs.count).map { self.state(slot: Int32($0)) }
    }

    /// Integrates structs in dependency order (Yjs `integrateStructs`).
    /// - Returns: the structs that could not be integrated, or nil.
    private mutating func integrateStructs(_ input: [UInt64: [Block]]) -> PendingStructs? {
        // Fast path for the common single-client update: integrate in order while nothing is missing, and hand
        // the rest to the general algorithm, which then behaves exactly as it would have from the start.
        if input.count == 1, let (client, list) = input.first {
            var i = 0
            while i < list.count {
                let head = list[i]
                if !head.isSkip {
                    let clock = Int(head.id.clock)
                    let offset = self.state(of: client) - clock
                    if offset < 0 || self.missingDependency(of: head) != nil {
                        return self.integrateStructsInOrder([client: Array(list[i...])])
                    }
                    let resolved = self.resolve(head)
                    if offset == 0 || offset < Int(head.length) {
                        self.integrate(resolved, content: IncomingContent(head), offset: offset)
                    }
                }
                i += 1
            }
            return nil
        }
        return self.integrateStructsInOrder(input)
    }

    /// The general `integrateStructs`: clients highest first, a stack to chase dependencies across clients.
    private mutating func integrateStructsInOrder(_ input: [UInt64: [Block]]) -> PendingStructs? {
        var refs: [UInt64: (i: Int, refs: [Block])] = [:]
        for (client, list) in input where !list.isEmpty { refs[client] = (0, list) }
        var clientIDs = refs.keys.sorted()
        guard !clientIDs.isEmpty else { return nil }
        var stack: [Block] = []
        var rest: [UInt64: [Block]] = [:]
        var missingSV: [UInt64: Int] = [:]
        var stateCache: [UInt64: Int] = [:]

        func nextTarget() -> UInt64? {
            while let last = clientIDs.last {
                if let entry = refs[last], entry.i < entry.refs.count { return last }
                clientIDs.removeLast()
            }
            return nil
        }
        func take(_ client: UInt64) -> Block? {
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
                let client = item.id.client
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
            if !head.isSkip {
                let client = head.id.client
                let clock = Int(head.id.clock)
                let localClock: Int
                if let cached = stateCache[client] {
                    localClock = cached
                } else {
                    localClock = self.state(of: client)
                    stateCache[client] = localClock
                }
                let offset = localClock - clock
                if offset < 0 {
                    stack.append(head)
                    updateMissing(client, clock - 1)
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
                    if offset == 0 || offset < Int(head.length) {
                        self.integrate(resolved, content: IncomingContent(head), offset: offset)
                        stateCache[client] = clock + Int(head.length)
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
    ///
    /// Same-client origins are always known when the item itself is next in line; one that points at or past the
    /// item itself (impossible from Yjs, possible from a hostile peer) is reported missing, so the item waits.
    private func missingDependency(of block: Block) -> UInt64? {
        guard case .item(let item) = block else { return nil }
        let client = item.id.client
        if let origin = item.origin, origin.client != client || origin.clock >= item.id.clock,
            Int(origin.clock) >= self.state(of: origin.client)
        {
            return origin.client
        }
        if let right = item.rightOrigin, right.client != client || right.clock >= item.id.clock,
            Int(right.clock) >= self.state(of: right.client)
        {
            return right.client
        }
        if case .id(let parent)? = item.parent, parent.client != client || parent.clock >= item.id.clock,
            Int(parent.clock) >= self.state(of: parent.client)
        {
            return parent.client
        }
        return nil
    }

    /// Resolves neighbours and parent of an incoming struct (Yjs `Item.getMissing`, second half), splitting the
    /// structs its origins point into.
    private mutating func resolve(_ block: Block) -> ItemRecord {
        let slot = self.slot(for: block.id.client)
        var record = ItemRecord.gc(client: slot, clock: Int(block.id.clock), length: Int(block.length))
        guard case .item(let item) = block else { return record }
        var leftIsGC = false
        var rightIsGC = false
        if let origin = item.origin {
            let originSlot = self.slot(for: origin.client)
            let left = self.itemCleanEnd(slot: originSlot, clock: Int(origin.clock))
            record.left = left
            record.originClient = originSlot
            record.originClock = self.lastClock(left)
            leftIsGC = self.items[Int(left)].isGC
        }
        if let rightOrigin = item.rightOrigin {
            let rightSlot = self.slot(for: rightOrigin.client)
            let right = self.itemCleanStart(slot: rightSlot, clock: Int(rightOrigin.clock))
            record.right = right
            record.rightOriginClient = rightSlot
            record.rightOriginClock = self.items[Int(right)].clock
            rightIsGC = self.items[Int(right)].isGC
        }
        if leftIsGC || rightIsGC {
            record.parent = -1
            return record
        }
        switch item.parent {
        case nil:
            if record.left >= 0 {
                record.parent = self.items[Int(record.left)].parent
                record.parentSub = self.items[Int(record.left)].parentSub
            } else if record.right >= 0 {
                record.parent = self.items[Int(record.right)].parent
                record.parentSub = self.items[Int(record.right)].parentSub
            }
            return record
        case .root(let name)?:
            record.parent = self.rootType(named: name)
        case .id(let id)?:
            let parentSlot = self.slot(for: id.client)
            let parentItem = self.items[Int(self.find(slot: parentSlot, clock: Int(id.clock)))]
            record.parent = parentItem.kind == .type ? Int32(parentItem.content) : -1
        }
        if let key = item.parentSub { record.parentSub = self.intern(key) }
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
