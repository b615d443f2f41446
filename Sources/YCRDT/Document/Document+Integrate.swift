/// Content of an item that is about to be integrated, before it is stored in the document's tables.
enum IncomingContent {
    case string([UInt16])
    /// A string from an update, transcoded into the UTF-16 buffer when stored.
    case utf8(YString)
    case deleted
    case type(SharedTypeKind, name: String)
    case payload(ItemKind, ItemPayload)

    var kind: ItemKind {
        switch self {
        case .string, .utf8: return .string
        case .deleted: return .deleted
        case .type: return .type
        case .payload(let kind, _): return kind
        }
    }
}

extension IncomingContent {
    /// The content of a decoded block.
    init(_ block: Block) {
        guard case .item(let item) = block else {
            self = .deleted
            return
        }
        switch item.content {
        case .deleted: self = .deleted
        case .json(let texts): self = .payload(.json, .json(texts))
        case .binary(let bytes): self = .payload(.binary, .binary(bytes))
        case .string(let string): self = .utf8(string)
        case .embed(let value): self = .payload(.embed, .embed(value.anyValue))
        case .format(let key, let value): self = .payload(.format, .format(key: key, value: value.anyValue))
        case .type(let ref):
            switch ref {
            case .array: self = .type(.array, name: "")
            case .map: self = .type(.map, name: "")
            case .text: self = .type(.text, name: "")
            case .xmlElement(let name): self = .type(.xmlElement, name: name)
            case .xmlFragment: self = .type(.xmlFragment, name: "")
            case .xmlHook(let name): self = .type(.xmlHook, name: name)
            case .xmlText: self = .type(.xmlText, name: "")
            }
        case .any(let values): self = .payload(.any, .values(values))
        case .doc(let guid, let options): self = .payload(.doc, .doc(guid: guid, options: options))
        }
    }
}

/// YATA integration (Yjs `Item.integrate`, `Item.delete`, `AbstractType` bookkeeping).
extension Document {
    /// Integrates an item whose `left`, `right`, `parent` and `parentSub` are resolved (Yjs `Item.integrate`).
    ///
    /// `record.parent < 0` integrates a GC struct instead, as Yjs does for items whose parent is gone.
    /// - Returns: the arena index of the integrated struct.
    @discardableResult
    mutating func integrate(_ incoming: ItemRecord, content: IncomingContent, offset: Int) -> Int32 {
        var record = incoming
        var contentOffset = 0
        if offset > 0 {
            record.clock += offset
            record.length -= offset
            contentOffset = offset
            let left = self.itemCleanEnd(slot: record.client, clock: record.clock - 1)
            record.left = left
            if self.items[Int(left)].isGC {
                record.parent = -1
            } else {
                record.originClient = self.items[Int(left)].client
                record.originClock = self.lastClock(left)
            }
        }
        if case .type = content, record.parent >= 0, self.types[Int(record.parent)].depth >= self.options.maxDepth {
            record.parent = -1
        }
        guard record.parent >= 0 else {
            let gc = self.allocate(.gc(client: record.client, clock: record.clock, length: record.length))
            self.addStruct(gc)
            return gc
        }
        let parent = record.parent
        var left = record.left
        var right = record.right
        if (left < 0 && (right < 0 || self.items[Int(right)].left >= 0))
            || (left >= 0 && self.items[Int(left)].right != right)
        {
            left = self.resolveConflicts(record, left: left, right: right)
        }
        // Materialise the content now that the struct is known to be an Item.
        record.kind = content.kind
        record.flags = content.kind.isCountable ? ItemRecord.countableFlag : 0
        let index = self.allocate(record)
        self.store(content, offset: contentOffset, in: index)
        // Link in.
        if left >= 0 {
            right = self.items[Int(left)].right
            self.items[Int(left)].right = index
        } else if record.parentSub >= 0 {
            var r = self.types[Int(parent)].map[record.parentSub] ?? -1
            while r >= 0 && self.items[Int(r)].left >= 0 { r = self.items[Int(r)].left }
            right = r
        } else {
            right = self.types[Int(parent)].start
            self.types[Int(parent)].start = index
        }
        self.items[Int(index)].left = left
        self.items[Int(index)].right = right
        if right >= 0 {
            self.items[Int(right)].left = index
        } else if record.parentSub >= 0 {
            self.setMapEntry(type: parent, key: record.parentSub, item: index)
            if left >= 0 { self.deleteItem(left) }
        }
        let stored = self.items[Int(index)]
        if stored.parentSub < 0 && stored.isCountable && !stored.isDeleted {
            self.types[Int(parent)].length += stored.length
        }
        self.addStruct(index)
        // Content integration (Yjs `content.integrate`).
        switch stored.kind {
        case .deleted:
            self.txn?.addDelete(slot: stored.client, clock: stored.clock, length: stored.length)
            self.items[Int(index)].flags |= ItemRecord.deletedFlag
        case .format:
            self.types[Int(parent)].hasFormatting = true
        default:
            break
        }
        self.addChanged(type: parent)
        if self.isTypeDeleted(parent) || (stored.parentSub >= 0 && right >= 0) {
            self.deleteItem(index)
        }
        return index
    }

    /// The conflict scan of `Item.integrate`: finds the left neighbour among concurrent insertions.
    private func resolveConflicts(_ record: ItemRecord, left start: Int32, right: Int32) -> Int32 {
        var left = start
        var o: Int32
        if left >= 0 {
            o = self.items[Int(left)].right
        } else if record.parentSub >= 0 {
            o = self.types[Int(record.parent)].map[record.parentSub] ?? -1
            while o >= 0 && self.items[Int(o)].left >= 0 { o = self.items[Int(o)].left }
        } else {
            o = self.types[Int(record.parent)].start
        }
        var conflicting = Set<Int32>()
        var beforeOrigin = Set<Int32>()
        let ownClient = self.clientIDs[Int(record.client)]
        while o >= 0 && o != right {
            beforeOrigin.insert(o)
            conflicting.insert(o)
            let other = self.items[Int(o)]
            if other.originClient == record.originClient
                && (record.originClient < 0 || other.originClock == record.originClock)
            {
                if self.clientIDs[Int(other.client)] < ownClient {
                    left = o
                    conflicting.removeAll(keepingCapacity: true)
                } else if other.rightOriginClient == record.rightOriginClient
                    && (record.rightOriginClient < 0 || other.rightOriginClock == record.rightOriginClock)
                {
                    break
                }
            } else if other.originClient >= 0,
                case let originItem = self.find(slot: other.originClient, clock: other.originClock),
                beforeOrigin.contains(originItem)
            {
                if !conflicting.contains(originItem) {
                    left = o
                    conflicting.removeAll(keepingCapacity: true)
                }
            } else {
                break
            }
            o = other.right
        }
        return left
    }

    /// Widens ASCII bytes into the UTF-16 buffer in one pass over contiguous memory (a lazy map appends unit by unit).
    private mutating func appendASCII(_ bytes: ArraySlice<UInt8>) {
        let start = self.utf16.count
        let count = bytes.count
        self.utf16.append(contentsOf: repeatElement(0, count: count))
        self.utf16.withUnsafeMutableBufferPointer { units in
            bytes.withUnsafeBufferPointer { source in
                for i in 0..<min(count, source.count, units.count - start) { units[start + i] = UInt16(source[i]) }
            }
        }
    }

    /// Stores incoming content into the arena record `index` (UTF-16 buffer, payload table, or a new type).
    private mutating func store(_ content: IncomingContent, offset: Int, in index: Int32) {
        switch content {
        case .string(let units):
            let start = self.utf16.count
            if offset == 0 {
                self.utf16.append(contentsOf: units)
            } else {
                self.utf16.append(contentsOf: units[min(offset, units.count)...])
                // The left half of a split surrogate pair stays with the struct we already have (yjs#248).
                if offset <= units.count, (0xD800...0xDBFF).contains(units[offset - 1]), start < self.utf16.count {
                    self.utf16[start] = 0xFFFD
                }
            }
            self.items[Int(index)].content = start
        case .utf8(let string):
            let start = self.utf16.count
            if string.isASCII {
                self.appendASCII(string.utf8)
            } else {
                self.utf16.append(contentsOf: string.string.utf16)
            }
            if offset > 0, start + offset < self.utf16.count,
                (0xD800...0xDBFF).contains(self.utf16[start + offset - 1])
            {
                self.utf16[start + offset] = 0xFFFD
            }
            self.items[Int(index)].content = start + offset
        case .deleted:
            self.items[Int(index)].content = 0
        case .type(let kind, let name):
            self.items[Int(index)].content = self.types.count
            var type = TypeRecord(kind: kind, name: name, item: index)
            type.depth = self.types[Int(self.items[Int(index)].parent)].depth + 1
            self.types.append(type)
        case .payload(_, let payload):
            let value = offset > 0 ? payload.split(at: offset).1 : payload
            self.items[Int(index)].content = self.allocatePayload(value)
        }
    }

    /// Whether a type was deleted (its item is deleted or gone); root types are never deleted.
    func isTypeDeleted(_ type: Int32) -> Bool {
        let item = self.types[Int(type)].item
        return item == TypeRecord.gone || (item >= 0 && self.items[Int(item)].isDeleted)
    }

    /// Sets the current item of a map key, remembering first-insertion order.
    mutating func setMapEntry(type: Int32, key: Int32, item: Int32) {
        if self.types[Int(type)].map.updateValue(item, forKey: key) == nil {
            self.types[Int(type)].mapOrder.append(key)
        }
    }

    /// Records that `type` changed in the open transaction (Yjs `addChangedTypeToTransaction`).
    mutating func addChanged(type: Int32) {
        guard self.txn != nil else { return }
        let item = self.types[Int(type)].item
        if item == TypeRecord.gone { return }
        if item < 0 {
            self.txn?.changed.insert(type)
            return
        }
        let record = self.items[Int(item)]
        if record.clock < (self.txn?.before(record.client) ?? 0) && !record.isDeleted {
            self.txn?.changed.insert(type)
        }
    }

    /// Marks an item deleted (Yjs `Item.delete`), deleting the content of a type recursively.
    mutating func deleteItem(_ index: Int32) {
        let record = self.items[Int(index)]
        guard !record.isDeleted else { return }
        let parent = record.parent
        if record.isCountable && record.parentSub < 0 && parent >= 0 {
            self.types[Int(parent)].length -= record.length
        }
        self.items[Int(index)].flags |= ItemRecord.deletedFlag
        self.txn?.addDelete(slot: record.client, clock: record.clock, length: record.length)
        if parent >= 0 { self.addChanged(type: parent) }
        if record.kind == .type {
            self.deleteTypeContent(Int32(record.content))
        }
    }

    /// Deletes every child of a type (Yjs `ContentType.delete`).
    private mutating func deleteTypeContent(_ type: Int32) {
        var item = self.types[Int(type)].start
        while item >= 0 {
            let record = self.items[Int(item)]
            if !record.isDeleted {
                self.deleteItem(item)
            } else if record.clock < (self.txn?.before(record.client) ?? 0) {
                self.txn?.mergeStructs.append((record.client, record.clock))
            }
            item = record.right
        }
        for key in self.types[Int(type)].mapOrder {
            guard let item = self.types[Int(type)].map[key] else { continue }
            let record = self.items[Int(item)]
            if !record.isDeleted {
                self.deleteItem(item)
            } else if record.clock < (self.txn?.before(record.client) ?? 0) {
                self.txn?.mergeStructs.append((record.client, record.clock))
            }
        }
        self.types[Int(type)].markers.removeAll()
        self.txn?.changed.remove(type)
    }
}
