/// The struct store: per-client arrays sorted by clock, binary search, split (Yjs src/utils/StructStore.js and
/// `splitItem` in src/structs/Item.js).
extension Document {
    /// The slot of `client`, creating it when needed.
    mutating func slot(for client: UInt64) -> Int32 {
        if let slot = self.clientSlots[client] { return slot }
        let slot = Int32(self.clientIDs.count)
        self.clientIDs.append(client)
        self.clientSlots[client] = slot
        self.structs.append([])
        return slot
    }

    /// Next expected clock of a client slot (Yjs `getState`).
    func state(slot: Int32) -> Int {
        guard slot >= 0, Int(slot) < self.structs.count, let last = self.structs[Int(slot)].last else { return 0 }
        let record = self.items[Int(last)]
        return record.clock + record.length
    }

    /// Index in `structs[slot]` of the struct containing `clock` (Yjs `findIndexSS`).
    ///
    /// The per-client arrays are contiguous from clock 0, so every clock below the client's state is found; callers
    /// check the state first. Out-of-range clocks clamp to the nearest struct instead of trapping.
    func findIndex(slot: Int32, clock: Int) -> Int {
        let list = self.structs[Int(slot)]
        let high = list.count - 1
        guard high >= 0 else { return 0 }
        // Pivot on the expected position first, as Yjs does; it usually lands near the answer, so the search
        // gallops outwards from it (1, 2, 4, … structs) to a window that holds the clock and bisects only that,
        // instead of bisecting the whole list after a near miss.
        let last = self.items[Int(list[high])]
        if last.clock <= clock { return high }
        let end = last.clock + last.length
        let guess = end > 0 ? min(high, max(0, Int((Double(clock) / Double(end)) * Double(high)))) : 0
        let pivot = self.items[Int(list[guess])]
        var low: Int
        var upper: Int  // the answer is in low...upper
        if pivot.clock <= clock {
            if clock < pivot.clock + pivot.length { return guess }
            low = guess + 1
            upper = high - 1  // list[high] starts after `clock`
            var step = 1
            while low + step <= upper {
                let probe = low + step
                if self.items[Int(list[probe])].clock > clock {
                    upper = probe - 1
                    break
                }
                low = probe
                step &*= 2
            }
        } else {
            upper = guess - 1
            low = 0
            var step = 1
            while upper - step >= 0 {
                let probe = upper - step
                if self.items[Int(list[probe])].clock <= clock {
                    low = probe
                    break
                }
                upper = probe - 1
                step &*= 2
            }
        }
        // The last struct in low...upper that starts at or before `clock`.
        guard low <= upper else { return max(0, min(high, low)) }
        while low < upper {
            let mid = (low + upper + 1) / 2
            if self.items[Int(list[mid])].clock <= clock { low = mid } else { upper = mid - 1 }
        }
        return low
    }

    /// The struct containing `(slot, clock)` without splitting (Yjs `getItem`).
    func find(slot: Int32, clock: Int) -> Int32 {
        self.structs[Int(slot)][self.findIndex(slot: slot, clock: clock)]
    }

    /// Grows the record arena once for an update that brings more structs than it has room for and at least as many
    /// as it holds (loading a state into a new document), instead of doubling it — and copying every record — about
    /// log2(n) times on the way. Smaller updates keep the arena's geometric growth.
    mutating func reserveStore(forIncoming count: Int) {
        let needed = self.items.count + count
        guard needed > self.items.capacity, count >= self.items.count else { return }
        self.items.reserveCapacity(needed)
    }

    /// Stores a new record in the arena, reusing a freed slot when possible.
    mutating func allocate(_ record: ItemRecord) -> Int32 {
        if let index = self.freeItems.popLast() {
            self.items[Int(index)] = record
            return index
        }
        self.items.append(record)
        return Int32(self.items.count - 1)
    }

    mutating func allocatePayload(_ payload: ItemPayload) -> Int {
        if let index = self.freePayloads.popLast() {
            self.payloads[index] = payload
            return index
        }
        self.payloads.append(payload)
        return self.payloads.count - 1
    }

    mutating func releasePayload(of index: Int32) {
        let record = self.items[Int(index)]
        switch record.kind {
        case .json, .binary, .embed, .format, .any, .doc:
            self.payloads[record.content] = .none
            self.freePayloads.append(record.content)
        default:
            break
        }
    }

    /// Appends a struct at the end of its client's array (Yjs `addStruct`).
    mutating func addStruct(_ index: Int32) {
        let client = Int(self.items[Int(index)].client)
        self.structs[client].append(index)
    }

    /// Splits item `index` at `diff` clock units and returns the new right part (Yjs `splitItem`).
    ///
    /// The caller inserts the new part into the client's struct array.
    mutating func splitItem(_ index: Int32, at diff: Int) -> Int32 {
        var left = self.items[Int(index)]
        var right = left
        right.clock = left.clock + diff
        right.length = left.length - diff
        right.left = index
        right.originClient = left.client
        right.originClock = left.clock + diff - 1
        // The right part keeps left's right origin (Yjs: "do not set leftItem.rightOrigin").
        switch left.kind {
        case .string:
            right.content = left.content + diff
            // Never leave half of a surrogate pair on either side (yjs#248): both halves become U+FFFD.
            let last = left.content + diff - 1
            if last >= 0, last < self.utf16.count, (0xD800...0xDBFF).contains(self.utf16[last]) {
                self.utf16[last] = 0xFFFD
                if last + 1 < self.utf16.count { self.utf16[last + 1] = 0xFFFD }
            }
        case .any, .json:
            let (head, tail) = self.payloads[left.content].split(at: diff)
            self.payloads[left.content] = head
            right.content = self.allocatePayload(tail)
        default:
            break
        }
        left.length = diff
        let rightIndex = self.allocate(right)
        left.right = rightIndex
        self.items[Int(index)] = left
        if right.right >= 0 { self.items[Int(right.right)].left = rightIndex }
        self.txn?.mergeStructs.append((right.client, right.clock))
        if right.parentSub >= 0, right.right < 0, right.parent >= 0 {
            self.types[Int(right.parent)].map[right.parentSub] = rightIndex
        }
        return rightIndex
    }

    /// Index in `structs[slot]` of the struct starting at `clock`, splitting an Item if needed
    /// (Yjs `findIndexCleanStart`).
    mutating func findIndexCleanStart(slot: Int32, clock: Int) -> Int {
        let position = self.findIndex(slot: slot, clock: clock)
        let index = self.structs[Int(slot)][position]
        let record = self.items[Int(index)]
        if record.clock < clock && !record.isGC {
            let right = self.splitItem(index, at: clock - record.clock)
            self.structs[Int(slot)].insert(right, at: position + 1)
            return position + 1
        }
        return position
    }

    /// The struct starting at `(slot, clock)`, splitting if needed (Yjs `getItemCleanStart`).
    mutating func itemCleanStart(slot: Int32, clock: Int) -> Int32 {
        let position = self.findIndexCleanStart(slot: slot, clock: clock)
        return self.structs[Int(slot)][position]
    }

    /// The struct ending at `(slot, clock)`, splitting if needed (Yjs `getItemCleanEnd`).
    mutating func itemCleanEnd(slot: Int32, clock: Int) -> Int32 {
        let position = self.findIndex(slot: slot, clock: clock)
        let index = self.structs[Int(slot)][position]
        let record = self.items[Int(index)]
        if clock != record.clock + record.length - 1 && !record.isGC {
            let right = self.splitItem(index, at: clock - record.clock + 1)
            self.structs[Int(slot)].insert(right, at: position + 1)
        }
        return index
    }

    /// Clock of the last unit of a struct (Yjs `lastId.clock`).
    @inline(__always)
    func lastClock(_ index: Int32) -> Int {
        let record = self.items[Int(index)]
        return record.clock + record.length - 1
    }

    /// The UTF-16 units of a string item.
    func stringUnits(of index: Int32) -> ArraySlice<UInt16> {
        let record = self.items[Int(index)]
        return self.utf16[record.content..<(record.content + record.length)]
    }

    /// Interns a map key.
    mutating func intern(_ key: String) -> Int32 {
        if let index = self.keyIndex[key] { return index }
        let index = Int32(self.keys.count)
        self.keys.append(key)
        self.keyIndex[key] = index
        return index
    }

    /// The root type named `name`, created (with an undetermined kind) when missing (Yjs `doc.get(name)`).
    mutating func rootType(named name: String) -> Int32 {
        if let index = self.roots[name] { return index }
        let index = Int32(self.types.count)
        self.types.append(TypeRecord(kind: .undetermined, rootName: name))
        self.roots[name] = index
        self.rootOrder.append(name)
        return index
    }
}
