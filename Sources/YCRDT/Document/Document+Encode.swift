/// Encoding the document as a v1 update and a state vector (Yjs `writeClientsStructs`, `writeStructs`,
/// `Item.write`, `createDeleteSetFromStructStore`, `writeStateVector` in src/utils/encoding.js and DeleteSet.js).
extension Document {
    /// Encodes the whole state, or what a peer with state vector `since` lacks, as a Yjs v1 update.
    ///
    /// The bytes equal Yjs's `encodeStateAsUpdate(doc, encodeStateVector(since))` for the same document state,
    /// including pending structs and deletes (merged in as Yjs does).
    public func encodeStateAsUpdate(since: [UInt64: Int] = [:]) -> [UInt8] {
        var writer = ByteWriter(capacity: self.utf16.count + 16 * self.items.count + 16)
        self.writeStructs(into: &writer, since: since)
        self.writeDeleteSet(into: &writer, self.deleteSetFromStore())
        if self.pendingStructs == nil && self.pendingDeletes.isEmpty { return writer.bytes }
        return self.mergingPending(into: writer.bytes, since: since)
    }

    /// Encodes the state vector in the lib0 format (same bytes for v1 and v2): clients in descending order.
    public func encodeStateVector() -> [UInt8] {
        var writer = ByteWriter()
        let sv = self.stateVector.sorted { $0.key > $1.key }
        writer.writeVarUInt(sv.count)
        for (client, clock) in sv {
            writer.writeVarUInt(client)
            writer.writeVarUInt(clock)
        }
        return writer.bytes
    }

    /// Writes the struct section for every client whose state exceeds `since` (Yjs `writeClientsStructs`).
    func writeStructs(into writer: inout ByteWriter, since: [UInt64: Int]) {
        var selected: [(client: UInt64, slot: Int32, clock: Int)] = []
        for slot in self.structs.indices where !self.structs[slot].isEmpty {
            let client = self.clientIDs[slot]
            let clock = since[client] ?? 0
            if self.state(slot: Int32(slot)) > clock { selected.append((client, Int32(slot), clock)) }
        }
        selected.sort { $0.client > $1.client }
        writer.writeVarUInt(selected.count)
        for entry in selected {
            self.writeClient(into: &writer, slot: entry.slot, from: entry.clock)
        }
    }

    /// Writes the structs of one client from `clock` on (Yjs `writeStructs`).
    private func writeClient(into writer: inout ByteWriter, slot: Int32, from clock: Int) {
        let list = self.structs[Int(slot)]
        let clock = max(clock, self.items[Int(list[0])].clock)
        let start = self.findIndex(slot: slot, clock: clock)
        writer.writeVarUInt(list.count - start)
        writer.writeVarUInt(self.clientIDs[Int(slot)])
        writer.writeVarUInt(clock)
        let first = list[start]
        self.writeStruct(into: &writer, first, offset: clock - self.items[Int(first)].clock)
        var i = start + 1
        while i < list.count {
            self.writeStruct(into: &writer, list[i], offset: 0)
            i += 1
        }
    }

    /// Writes one struct with an offset into it (Yjs `Item.write` / `GC.write`).
    func writeStruct(into writer: inout ByteWriter, _ index: Int32, offset: Int) {
        let record = self.items[Int(index)]
        if record.isGC {
            writer.write(0)
            writer.writeVarUInt(record.length - offset)
            return
        }
        let hasOrigin = offset > 0 || record.originClient >= 0
        let hasRightOrigin = record.rightOriginClient >= 0
        var info = record.kind.rawValue
        if hasOrigin { info |= 0x80 }
        if hasRightOrigin { info |= 0x40 }
        if record.parentSub >= 0 { info |= 0x20 }
        writer.write(info)
        if offset > 0 {
            writer.writeVarUInt(self.clientIDs[Int(record.client)])
            writer.writeVarUInt(record.clock + offset - 1)
        } else if hasOrigin {
            writer.writeVarUInt(self.clientIDs[Int(record.originClient)])
            writer.writeVarUInt(record.originClock)
        }
        if hasRightOrigin {
            writer.writeVarUInt(self.clientIDs[Int(record.rightOriginClient)])
            writer.writeVarUInt(record.rightOriginClock)
        }
        if !hasOrigin && !hasRightOrigin {
            let parent = self.types[Int(record.parent)]
            if parent.item < 0 {
                writer.writeVarUInt(1)
                writer.writeVarString(parent.rootName ?? "")
            } else {
                let parentItem = self.items[Int(parent.item)]
                writer.writeVarUInt(0)
                writer.writeVarUInt(self.clientIDs[Int(parentItem.client)])
                writer.writeVarUInt(parentItem.clock)
            }
            if record.parentSub >= 0 { writer.writeVarString(self.keys[Int(record.parentSub)]) }
        }
        self.writeContent(into: &writer, record, offset: offset)
    }

    /// Writes the content payload of an item in v1 (section 2.3 of the format notes).
    private func writeContent(into writer: inout ByteWriter, _ record: ItemRecord, offset: Int) {
        switch record.kind {
        case .gc:
            break
        case .deleted:
            writer.writeVarUInt(record.length - offset)
        case .string:
            writeUTF16String(&writer, self.utf16[(record.content + offset)..<(record.content + record.length)])
        case .type:
            let type = self.types[record.content]
            writer.writeVarUInt(UInt64(type.kind.rawValue))
            if type.kind == .xmlElement || type.kind == .xmlHook { writer.writeVarString(type.name) }
        case .json, .binary, .embed, .format, .any, .doc:
            switch self.payloads[record.content] {
            case .values(let values):
                writer.writeVarUInt(values.count - offset)
                for value in values[offset...] { value.encode(to: &writer) }
            case .json(let texts):
                writer.writeVarUInt(texts.count - offset)
                for text in texts[offset...] { writer.writeVarString(text) }
            case .binary(let bytes):
                writer.writeVarBytes(bytes)
            case .embed(let value):
                writer.writeVarString(JavaScriptJSON.stringify(value))
            case .format(let key, let value):
                writer.writeVarString(key)
                writer.writeVarString(JavaScriptJSON.stringify(value))
            case .doc(let guid, let options):
                writer.writeVarString(guid)
                options.encode(to: &writer)
            case .none:
                writer.writeVarUInt(0)
            }
        }
    }

    /// The delete set of the whole store: runs of deleted structs per client (Yjs `createDeleteSetFromStructStore`).
    func deleteSetFromStore() -> [(UInt64, [DeleteRange])] {
        var result: [(UInt64, [DeleteRange])] = []
        for slot in self.structs.indices {
            let list = self.structs[slot]
            var ranges: [DeleteRange] = []
            var i = 0
            while i < list.count {
                let record = self.items[Int(list[i])]
                if record.isDeleted {
                    var length = record.length
                    while i + 1 < list.count, self.items[Int(list[i + 1])].isDeleted {
                        length += self.items[Int(list[i + 1])].length
                        i += 1
                    }
                    ranges.append(DeleteRange(clock: record.clock, length: length))
                }
                i += 1
            }
            if !ranges.isEmpty { result.append((self.clientIDs[slot], ranges)) }
        }
        return result
    }

    /// Writes a delete set, clients in descending order (Yjs `writeDeleteSet`, v1).
    func writeDeleteSet(into writer: inout ByteWriter, _ ds: [(UInt64, [DeleteRange])]) {
        let sorted = ds.sorted { $0.0 > $1.0 }
        writer.writeVarUInt(sorted.count)
        for (client, ranges) in sorted {
            writer.writeVarUInt(client)
            writer.writeVarUInt(ranges.count)
            for range in ranges {
                writer.writeVarUInt(range.clock)
                writer.writeVarUInt(range.length)
            }
        }
    }

    /// The v1 update of a finished transaction: new structs since its start and its delete set
    /// (Yjs `writeUpdateMessageFromTransaction`); nil when it changed nothing.
    func encodeTransaction(_ state: TransactionState) -> [UInt8]? {
        var changedState = false
        for slot in self.structs.indices where self.state(slot: Int32(slot)) != state.before(Int32(slot)) {
            changedState = true
            break
        }
        guard changedState || !state.deleteSet.isEmpty else { return nil }
        var writer = ByteWriter()
        var selected: [(client: UInt64, slot: Int32, clock: Int)] = []
        for slot in self.structs.indices where !self.structs[slot].isEmpty {
            let client = self.clientIDs[slot]
            let clock = state.before(Int32(slot))
            if self.state(slot: Int32(slot)) > clock { selected.append((client, Int32(slot), clock)) }
        }
        selected.sort { $0.client > $1.client }
        writer.writeVarUInt(selected.count)
        for entry in selected { self.writeClient(into: &writer, slot: entry.slot, from: entry.clock) }
        var ds: [(UInt64, [DeleteRange])] = []
        for (slot, ranges) in state.deleteSet where !ranges.isEmpty {
            var sorted = ranges
            sortAndMerge(&sorted)
            ds.append((self.clientIDs[Int(slot)], sorted))
        }
        self.writeDeleteSet(into: &writer, ds)
        return writer.bytes
    }
}

/// Writes UTF-16 code units as a lib0 varString; lone surrogates become U+FFFD (`EF BF BD`), as `TextEncoder` does.
func writeUTF16String(_ writer: inout ByteWriter, _ units: ArraySlice<UInt16>) {
    var byteCount = 0
    var i = units.startIndex
    while i < units.endIndex {
        let u = units[i]
        if u < 0x80 {
            byteCount += 1
        } else if u < 0x800 {
            byteCount += 2
        } else if (0xD800...0xDBFF).contains(u), i + 1 < units.endIndex, (0xDC00...0xDFFF).contains(units[i + 1]) {
            byteCount += 4
            i += 1
        } else {
            byteCount += 3
        }
        i += 1
    }
    writer.writeVarUInt(byteCount)
    writer.bytes.reserveCapacity(writer.bytes.count + byteCount)
    i = units.startIndex
    while i < units.endIndex {
        let u = UInt32(units[i])
        if u < 0x80 {
            writer.bytes.append(UInt8(u))
        } else if u < 0x800 {
            writer.bytes.append(UInt8(0xC0 | (u >> 6)))
            writer.bytes.append(UInt8(0x80 | (u & 0x3F)))
        } else if (0xD800...0xDBFF).contains(u), i + 1 < units.endIndex, (0xDC00...0xDFFF).contains(units[i + 1]) {
            let scalar = 0x10000 + ((u - 0xD800) << 10) + (UInt32(units[i + 1]) - 0xDC00)
            writer.bytes.append(UInt8(0xF0 | (scalar >> 18)))
            writer.bytes.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            writer.bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            writer.bytes.append(UInt8(0x80 | (scalar & 0x3F)))
            i += 1
        } else if (0xD800...0xDFFF).contains(u) {
            writer.bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
        } else {
            writer.bytes.append(UInt8(0xE0 | (u >> 12)))
            writer.bytes.append(UInt8(0x80 | ((u >> 6) & 0x3F)))
            writer.bytes.append(UInt8(0x80 | (u & 0x3F)))
        }
        i += 1
    }
}

/// Pending state, v2 and state-vector helpers.
extension Document {
    /// Merges pending structs and deletes into an encoded state, as Yjs `encodeStateAsUpdateV2` does
    /// (`mergeUpdates([state, pendingDs, diffUpdate(pendingStructs, sv)])`).
    func mergingPending(into update: [UInt8], since: [UInt64: Int]) -> [UInt8] {
        guard let state = try? Update(v1: update) else { return update }
        var parts = [state]
        if !self.pendingDeletes.isEmpty {
            parts.append(Update(deleteSet: self.pendingDeleteSet))
        }
        if let pending = self.pendingStructs {
            let sv = StateVector(since.map { (ClientID($0.key), Clock($0.value)) })
            parts.append(self.pendingUpdate(pending).diff(against: sv))
        }
        return Update.merged(parts).encodeV1()
    }

    var pendingDeleteSet: DeleteSet {
        DeleteSet(
            entries: self.pendingDeletes.sorted { $0.key > $1.key }.map { client, ranges in
                DeleteSet.Entry(
                    client: client, ranges: ranges.map { DeleteSet.Range(clock: Clock($0.clock), length: Clock($0.length)) })
            })
    }

    func pendingUpdate(_ pending: PendingStructs) -> Update {
        Update(
            sections: pending.structs.sorted { $0.key > $1.key }.compactMap { client, blocks in
                guard let first = blocks.first else { return nil }
                // Keep one struct per clock range, as Yjs's merged pending update has.
                var kept: [Block] = []
                var end = first.id.clock
                for block in blocks where block.endClock > end || kept.isEmpty {
                    let offset = block.id.clock < end ? end - block.id.clock : 0
                    if block.id.clock > end { kept.append(.skip(id: ID(client: client, clock: end), length: block.id.clock - end)) }
                    kept.append(block.dropFirst(offset))
                    end = block.endClock
                }
                return ClientSection(client: client, clock: first.id.clock, blocks: kept)
            })
    }

    /// Encodes the whole state (or what a peer with `since` lacks) as a Yjs v2 update
    /// (Yjs `encodeStateAsUpdateV2`).
    public func encodeStateAsUpdateV2(since: [UInt64: Int] = [:]) -> [UInt8] {
        guard let update = try? Update(v1: self.encodeStateAsUpdate(since: since)) else { return [0, 0, 0] }
        return update.encodeV2()
    }

    /// Encodes the state (or the part a peer lacks) in the given format.
    public func encodeStateAsUpdate(since: [UInt64: Int] = [:], format: UpdateFormat) -> [UInt8] {
        format == .v1 ? self.encodeStateAsUpdate(since: since) : self.encodeStateAsUpdateV2(since: since)
    }

    /// The state vector as the codec's model type.
    public var stateVectorModel: StateVector {
        StateVector(self.stateVector.sorted { $0.key > $1.key }.map { (ClientID($0.key), Clock($0.value)) })
    }

    /// What waits for missing dependencies: per client the first missing clock, the number of parked structs, and
    /// the deletes of structs we have not seen yet. Yjs keeps the same data in `store.pendingStructs` / `pendingDs`
    /// without exposing it (yjs#550).
    public var pending: PendingSummary {
        PendingSummary(
            missing: self.pendingStructs?.missing ?? [:],
            structCount: self.pendingStructs?.structs.values.reduce(0) { $0 + $1.count } ?? 0,
            deleteRanges: self.pendingDeletes.values.reduce(0) { $0 + $1.count })
    }
}

/// Pending data of a document (see ``Document/pending``).
public struct PendingSummary: Sendable, Equatable {
    /// Client → first clock we are missing from it.
    public var missing: [UInt64: Int]
    /// Number of structs waiting for those clocks.
    public var structCount: Int
    /// Number of delete ranges that refer to structs we do not have yet.
    public var deleteRanges: Int

    /// Whether nothing is pending.
    public var isEmpty: Bool { self.structCount == 0 && self.deleteRanges == 0 }
}
