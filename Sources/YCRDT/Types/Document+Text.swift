/// Formatting attributes in JavaScript `Map` order; `source` is the format item a value came from, which stands in
/// for JavaScript object identity where Yjs compares with `===`.
struct AttributeMap {
    var entries: [(key: String, value: YAny, source: Int32)] = []

    func get(_ key: String) -> YAny? { self.entries.first { $0.key == key }?.value }
    func source(_ key: String) -> Int32 { self.entries.first { $0.key == key }?.source ?? -1 }

    mutating func set(_ key: String, _ value: YAny, source: Int32 = -1) {
        if let i = self.entries.firstIndex(where: { $0.key == key }) {
            self.entries[i].value = value
            self.entries[i].source = source
        } else {
            self.entries.append((key, value, source))
        }
    }

    mutating func remove(_ key: String) { self.entries.removeAll { $0.key == key } }
    var isEmpty: Bool { self.entries.isEmpty }
}

/// `a === b` for attribute values: primitives by value, objects and arrays by identity (`source` item).
func strictEqual(_ a: YAny, _ aSource: Int32, _ b: YAny, _ bSource: Int32) -> Bool {
    switch (a, b) {
    case (.object, _), (.array, _), (.bytes, _), (_, .object), (_, .array), (_, .bytes):
        return aSource >= 0 && aSource == bSource
    default:
        return primitiveEqual(a, b)
    }
}

/// JavaScript `===` on primitive values (numbers compare by value whatever their wire tag).
func primitiveEqual(_ a: YAny, _ b: YAny) -> Bool {
    if let x = a.doubleValue, let y = b.doubleValue { return x == y }
    switch (a, b) {
    case (.null, .null), (.undefined, .undefined): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.bigint(let x), .bigint(let y)): return x == y
    default: return false
    }
}

/// Yjs `equalAttrs`: `===`, or flat equality of two objects (values compared with `===`).
func equalAttributes(_ a: YAny, _ b: YAny) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)):
        guard x.count == y.count else { return false }
        for entry in x {
            guard let other = y.first(where: { $0.key == entry.key }) else { return false }
            if !primitiveEqual(entry.value, other.value) { return false }
        }
        return true
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { primitiveEqual($0, $1) }
    case (.object, _), (.array, _), (_, .object), (_, .array):
        return false
    default:
        return primitiveEqual(a, b)
    }
}

/// A nullish value (`undefined` or `null`), which `?? null` turns into `null`.
func nullish(_ value: YAny?) -> YAny {
    guard let value else { return .null }
    if case .undefined = value { return .null }
    return value
}

/// Rich text (Yjs src/types/YText.js): positions with current attributes, insert, format, delete, and the
/// formatting cleanups that keep formatting items minimal.
extension Document {
    struct TextPosition {
        var left: Int32
        var right: Int32
        var index: Int
        var attributes: AttributeMap
    }

    func formatContent(_ index: Int32) -> (key: String, value: YAny)? {
        let record = self.items[Int(index)]
        guard record.kind == .format, case .format(let key, let value) = self.payloads[record.content] else {
            return nil
        }
        return (key, value)
    }

    func updateAttributes(_ attributes: inout AttributeMap, from item: Int32) {
        guard let (key, value) = self.formatContent(item) else { return }
        if case .null = value { attributes.remove(key) } else { attributes.set(key, value, source: item) }
    }

    /// Yjs `ItemTextListPosition.forward`.
    func forward(_ position: inout TextPosition) {
        let r = self.items[Int(position.right)]
        if r.kind == .format {
            if !r.isDeleted { self.updateAttributes(&position.attributes, from: position.right) }
        } else if !r.isDeleted {
            position.index += r.length
        }
        position.left = position.right
        position.right = r.right
    }

    /// Yjs `findPosition`: walks to `index`, collecting attributes; uses search markers only in text without
    /// formatting (as Yjs, whose markers are disabled once a format item is integrated).
    mutating func textPosition(type: Int32, index: Int) -> TextPosition {
        if !self.types[Int(type)].hasFormatting {
            let p = self.listPosition(type: type, index: index)
            return TextPosition(left: p.left, right: p.right, index: p.index, attributes: AttributeMap())
        }
        var position = TextPosition(left: -1, right: self.types[Int(type)].start, index: 0, attributes: AttributeMap())
        var count = index
        while position.right >= 0 && count > 0 {
            let r = self.items[Int(position.right)]
            if r.kind == .format {
                if !r.isDeleted { self.updateAttributes(&position.attributes, from: position.right) }
            } else if !r.isDeleted {
                if count < r.length { _ = self.itemCleanStart(slot: r.client, clock: r.clock + count) }
                let length = self.items[Int(position.right)].length
                position.index += length
                count -= length
            }
            position.left = position.right
            position.right = self.items[Int(position.right)].right
        }
        return position
    }

    /// Yjs `insertNegatedAttributes`.
    private mutating func insertNegated(type: Int32, _ position: inout TextPosition, _ negated: AttributeMap) {
        var negated = negated
        while position.right >= 0 {
            let r = self.items[Int(position.right)]
            if r.isDeleted {
                self.forward(&position)
                continue
            }
            guard let (key, value) = self.formatContent(position.right),
                let wanted = negated.get(key), equalAttributes(wanted, value)
            else { break }
            negated.remove(key)
            self.forward(&position)
        }
        for entry in negated.entries {
            let item = self.insertLocal(
                .payload(.format, .format(key: entry.key, value: entry.value)), left: position.left,
                right: position.right, parent: type)
            position.right = item
            self.forward(&position)
        }
    }

    /// Yjs `minimizeAttributeChanges`.
    private func minimizeChanges(_ position: inout TextPosition, _ attributes: [(key: String, value: YAny)]) {
        while position.right >= 0 {
            let r = self.items[Int(position.right)]
            if r.isDeleted {
                self.forward(&position)
                continue
            }
            guard let (key, value) = self.formatContent(position.right),
                equalAttributes(nullish(attributes.first { $0.key == key }?.value), value)
            else { break }
            self.forward(&position)
        }
    }

    /// Yjs `insertAttributes`: inserts format items for attributes that differ from the current ones.
    private mutating func insertAttributes(
        type: Int32, _ position: inout TextPosition, _ attributes: [(key: String, value: YAny)]
    ) -> AttributeMap {
        var negated = AttributeMap()
        for (key, value) in attributes {
            let current = nullish(position.attributes.get(key))
            if !equalAttributes(current, value) {
                negated.set(key, current)
                let item = self.insertLocal(
                    .payload(.format, .format(key: key, value: value)), left: position.left,
                    right: position.right, parent: type)
                position.right = item
                self.forward(&position)
            }
        }
        return negated
    }

    /// Yjs `insertText` (strings and embeds).
    mutating func insertText(
        type: Int32, _ position: inout TextPosition, content: IncomingContent,
        attributes input: [(key: String, value: YAny)]
    ) {
        var attributes = input
        for entry in position.attributes.entries where !attributes.contains(where: { $0.key == entry.key }) {
            attributes.append((entry.key, .null))
        }
        self.minimizeChanges(&position, attributes)
        let negated = self.insertAttributes(type: type, &position, attributes)
        let length: Int
        if case .string(let units) = content { length = units.count } else { length = 1 }
        let index = position.index
        let item = self.insertLocal(content, left: position.left, right: position.right, parent: type)
        self.shiftMarkers(type: type, index: index, length: length, inserted: item)
        position.right = item
        position.index = index
        self.forward(&position)
        self.insertNegated(type: type, &position, negated)
    }

    /// Yjs `formatText`.
    mutating func formatText(
        type: Int32, _ position: inout TextPosition, length: Int, attributes: [(key: String, value: YAny)]
    ) {
        var length = length
        self.minimizeChanges(&position, attributes)
        var negated = self.insertAttributes(type: type, &position, attributes)
        iteration: while position.right >= 0 {
            let r = self.items[Int(position.right)]
            if !(length > 0 || (!negated.isEmpty && (r.isDeleted || r.kind == .format))) { break }
            if !r.isDeleted {
                if let (key, value) = self.formatContent(position.right) {
                    if let wanted = attributes.first(where: { $0.key == key })?.value {
                        if equalAttributes(wanted, value) {
                            negated.remove(key)
                        } else {
                            if length == 0 { break iteration }
                            negated.set(key, value)
                        }
                        self.deleteItem(position.right)
                    } else {
                        position.attributes.set(key, value, source: position.right)
                    }
                } else {
                    if length < r.length { _ = self.itemCleanStart(slot: r.client, clock: r.clock + length) }
                    length -= self.items[Int(position.right)].length
                }
            }
            self.forward(&position)
        }
        if length > 0 {
            let newlines = [UInt16](repeating: 10, count: length)
            let item = self.insertLocal(.string(newlines), left: position.left, right: position.right, parent: type)
            position.right = item
            self.forward(&position)
        }
        self.insertNegated(type: type, &position, negated)
    }

    /// Yjs `deleteText`: deletes `length` units of content, then cleans up the formatting gap.
    mutating func deleteText(type: Int32, _ position: inout TextPosition, length: Int) {
        let startLength = length
        var length = length
        let startAttributes = position.attributes
        let start = position.right
        while length > 0 && position.right >= 0 {
            let r = self.items[Int(position.right)]
            if !r.isDeleted {
                switch r.kind {
                case .type, .embed, .string:
                    if length < r.length { _ = self.itemCleanStart(slot: r.client, clock: r.clock + length) }
                    length -= self.items[Int(position.right)].length
                    self.deleteItem(position.right)
                default:
                    break
                }
            }
            self.forward(&position)
        }
        if start >= 0 {
            var current = position.attributes
            _ = self.cleanupFormattingGap(start: start, current: position.right, startAttributes, &current)
            position.attributes = current
        }
        self.shiftMarkers(type: type, index: position.index, length: -(startLength - length))
    }

    /// Yjs `cleanupFormattingGap`: removes format items between `start` and the next content that are
    /// overwritten or redundant. Returns how many were deleted.
    mutating func cleanupFormattingGap(
        start: Int32, current: Int32, _ startAttributes: AttributeMap, _ currentAttributes: inout AttributeMap
    ) -> Int {
        var end = start
        var endFormats: [String: Int32] = [:]
        while end >= 0 {
            let r = self.items[Int(end)]
            guard !r.isCountable || r.isDeleted else { break }
            if !r.isDeleted, let (key, _) = self.formatContent(end) { endFormats[key] = end }
            end = r.right
        }
        var cleanups = 0
        var reachedCurrent = false
        var item = start
        while item != end && item >= 0 {
            if item == current { reachedCurrent = true }
            let r = self.items[Int(item)]
            if !r.isDeleted, let (key, value) = self.formatContent(item) {
                let startValue = nullish(startAttributes.get(key))
                let startSource = startAttributes.source(key)
                if endFormats[key] != item || strictEqual(startValue, startSource, value, item) {
                    self.deleteItem(item)
                    cleanups += 1
                    let currentValue = nullish(currentAttributes.get(key))
                    if !reachedCurrent && strictEqual(currentValue, currentAttributes.source(key), value, item)
                        && !strictEqual(startValue, startSource, value, item)
                    {
                        if case .null = startValue {
                            currentAttributes.remove(key)
                        } else {
                            currentAttributes.set(key, startValue, source: startSource)
                        }
                    }
                }
                if !reachedCurrent && !self.items[Int(item)].isDeleted {
                    self.updateAttributes(&currentAttributes, from: item)
                }
            }
            item = r.right
        }
        return cleanups
    }

    /// Yjs `cleanupContextlessFormattingGap`.
    mutating func cleanupContextlessGap(_ start: Int32) {
        var item = start
        while item >= 0 {
            let right = self.items[Int(item)].right
            guard right >= 0, self.items[Int(right)].isDeleted || !self.items[Int(right)].isCountable else { break }
            item = right
        }
        var seen = Set<String>()
        while item >= 0 {
            let r = self.items[Int(item)]
            guard r.isDeleted || !r.isCountable else { break }
            if !r.isDeleted, let (key, _) = self.formatContent(item) {
                if seen.contains(key) { self.deleteItem(item) } else { seen.insert(key) }
            }
            item = r.left
        }
    }

    /// Yjs `cleanupYTextFormatting`.
    @discardableResult
    mutating func cleanupTextFormatting(type: Int32) -> Int {
        var result = 0
        var start = self.types[Int(type)].start
        var end = start
        var startAttributes = AttributeMap()
        var currentAttributes = AttributeMap()
        while end >= 0 {
            let r = self.items[Int(end)]
            if !r.isDeleted {
                if r.kind == .format {
                    self.updateAttributes(&currentAttributes, from: end)
                } else {
                    result += self.cleanupFormattingGap(start: start, current: end, startAttributes, &currentAttributes)
                    startAttributes = currentAttributes
                    start = end
                }
            }
            end = self.items[Int(end)].right
        }
        return result
    }

    /// Yjs `cleanupYTextAfterTransaction`: after a remote transaction touched formatted text, removes redundant
    /// format items in a second, local transaction. Returns that transaction's state for its own cleanup.
    mutating func formattingCleanup(after first: TransactionState) -> TransactionState {
        var needsFull = Set<Int32>()
        for slot in self.structs.indices {
            let before = first.before(Int32(slot))
            let after = self.state(slot: Int32(slot))
            guard before != after else { continue }
            var i = self.findIndex(slot: Int32(slot), clock: before)
            while i < self.structs[slot].count {
                let r = self.items[Int(self.structs[slot][i])]
                if !r.isDeleted && r.kind == .format && r.parent >= 0 { needsFull.insert(r.parent) }
                i += 1
            }
        }
        // Collect the deleted structs of the first transaction (splitting at range ends, into its merge list).
        var deleted: [Int32] = []
        for slot in first.deleteOrder {
            guard let ranges = first.deleteSet[slot] else { continue }
            let state = self.state(slot: slot)
            for range in ranges where range.clock < state {
                let end = range.clock + range.length
                var i = self.findIndexCleanStart(slot: slot, clock: range.clock)
                while i < self.structs[Int(slot)].count {
                    let index = self.structs[Int(slot)][i]
                    let r = self.items[Int(index)]
                    guard r.clock < end else { break }
                    if end < r.clock + r.length { _ = self.findIndexCleanStart(slot: slot, clock: end) }
                    deleted.append(index)
                    i += 1
                }
            }
        }
        let outer = self.txn
        self.txn = TransactionState(beforeState: self.currentState(), local: true)
        for index in deleted {
            let r = self.items[Int(index)]
            if r.isGC || r.parent < 0 || !self.types[Int(r.parent)].hasFormatting || needsFull.contains(r.parent) {
                continue
            }
            if r.kind == .format {
                needsFull.insert(r.parent)
            } else {
                self.cleanupContextlessGap(index)
            }
        }
        for type in needsFull.sorted() { self.cleanupTextFormatting(type: type) }
        let second = self.txn ?? TransactionState(beforeState: [], local: true)
        self.txn = outer
        return second
    }
}
