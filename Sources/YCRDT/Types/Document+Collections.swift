/// Maps, arrays and XML trees (Yjs YMap.js, YArray.js, YXmlFragment.js, YXmlElement.js, `typeMapSet`,
/// `typeMapDelete`, `typeMapGet`).
extension Document {
    // MARK: Values

    /// The value held by a content item at `offset`.
    func value(of item: Int32, at offset: Int) -> SharedValue {
        let r = self.items[Int(item)]
        switch r.kind {
        case .type: return .type(AnyRef(typeIndex: Int32(r.content)), self.types[r.content].kind)
        case .string:
            let units = self.stringUnits(of: item)
            let i = units.startIndex + offset
            return .any(.string(String(decoding: units[i..<min(i + 1, units.endIndex)], as: UTF16.self)))
        default:
            break
        }
        switch self.payloads[r.content] {
        case .values(let values): return .any(offset < values.count ? values[offset] : .undefined)
        case .json(let texts): return .json(offset < texts.count ? texts[offset] : "null")
        case .binary(let bytes): return .binary(bytes)
        case .embed(let value): return .any(value)
        case .doc(let guid, _): return .document(guid: guid)
        case .format, .none: return .any(.undefined)
        }
    }

    /// The visible values of a list type, in order (Yjs `typeListToArray`).
    func listValues(type: Int32) -> [SharedValue] {
        var values: [SharedValue] = []
        var item = self.types[Int(type)].start
        while item >= 0 {
            let r = self.items[Int(item)]
            if !r.isDeleted && r.isCountable {
                for offset in 0..<r.length { values.append(self.value(of: item, at: offset)) }
            }
            item = r.right
        }
        return values
    }

    /// The current entries of a map part, in JavaScript `Map` order (Yjs `typeMapGetAll`).
    func mapEntries(type: Int32) -> [(key: String, value: SharedValue)] {
        let record = self.types[Int(type)]
        var entries: [(key: String, value: SharedValue)] = []
        for key in record.mapOrder {
            guard let item = record.map[key], !self.items[Int(item)].isDeleted else { continue }
            entries.append((self.keys[Int(key)], self.value(of: item, at: self.items[Int(item)].length - 1)))
        }
        return entries
    }

    // MARK: Map

    /// Sets `key` of a map (Yjs `typeMapSet`).
    /// - Returns: the nested type when `value` creates one.
    @discardableResult
    public mutating func set(_ map: MapRef, _ key: String, _ value: ArrayContent) -> AnyRef? {
        self.mapSet(type: map.typeIndex, key, value)
    }

    /// Removes `key` from a map (Yjs `typeMapDelete`).
    public mutating func delete(_ map: MapRef, key: String) { self.mapDelete(type: map.typeIndex, key) }

    /// The value of `key`, if set.
    public func get(_ map: MapRef, _ key: String) -> SharedValue? {
        guard let k = self.keyIndex[key], let item = self.types[Int(map.typeIndex)].map[k],
            !self.items[Int(item)].isDeleted
        else { return nil }
        return self.value(of: item, at: self.items[Int(item)].length - 1)
    }

    /// The current entries of a map.
    public func entries(_ map: MapRef) -> [(key: String, value: SharedValue)] { self.mapEntries(type: map.typeIndex) }

    mutating func mapSet(type: Int32, _ key: String, _ value: ArrayContent) -> AnyRef? {
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        let keyIndex = self.intern(key)
        let left = self.types[Int(type)].map[keyIndex] ?? -1
        let content: IncomingContent
        switch value {
        case .value(let v): content = .payload(.any, .values([v]))
        case .binary(let bytes): content = .payload(.binary, .binary(bytes))
        case .type(let kind, let name): content = .type(kind, name: name)
        }
        let item = self.insertLocal(content, left: left, right: -1, parent: type, parentSub: keyIndex)
        if case .type = value { return AnyRef(typeIndex: Int32(self.items[Int(item)].content)) }
        return nil
    }

    mutating func mapDelete(type: Int32, _ key: String) {
        guard let k = self.keyIndex[key], let item = self.types[Int(type)].map[k] else { return }
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        self.deleteItem(item)
    }

    // MARK: Array

    /// Inserts values at `index` of an array.
    /// - Returns: the nested types created, in order.
    @discardableResult
    public mutating func insert(into array: ArrayRef, at index: Int, _ content: [ArrayContent]) -> [AnyRef] {
        let created = self.listInsert(type: array.typeIndex, at: index, content)
        return created.compactMap { item in
            self.items[Int(item)].kind == .type ? AnyRef(typeIndex: Int32(self.items[Int(item)].content)) : nil
        }
    }

    /// Deletes `length` elements from `index`.
    public mutating func delete(from array: ArrayRef, at index: Int, length: Int) {
        self.listDelete(type: array.typeIndex, at: index, length: length)
    }

    /// The elements of an array.
    public func values(_ array: ArrayRef) -> [SharedValue] { self.listValues(type: array.typeIndex) }

    // MARK: XML

    /// Inserts XML nodes with their subtrees at `index` of a fragment or element, in Yjs's order (each element's
    /// children first, then its attributes, as prelim types integrate).
    /// - Returns: the top-level nodes created.
    @discardableResult
    public mutating func insert(into parent: some SharedRef, at index: Int, _ nodes: [XmlNode]) -> [AnyRef] {
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        let type = parent.typeIndex
        let index = min(max(0, index), self.types[Int(type)].length)
        let position = self.listPosition(type: type, index: index)
        var left = position.left
        var created: [AnyRef] = []
        var first: Int32 = -1
        for node in nodes {
            left = self.insertNode(node, parent: type, left: left, right: position.right)
            if first < 0 { first = left }
            created.append(AnyRef(typeIndex: Int32(self.items[Int(left)].content)))
        }
        self.shiftMarkers(type: type, index: index, length: nodes.count, inserted: first)
        return created
    }

    private mutating func insertNode(_ node: XmlNode, parent: Int32, left: Int32, right: Int32) -> Int32 {
        switch node {
        case .element(let name, let attributes, let children):
            let item = self.insertLocal(.type(.xmlElement, name: name), left: left, right: right, parent: parent)
            // Past `Options.maxDepth` the item is not a type (it became GC): its subtree is dropped, not misplaced.
            guard self.items[Int(item)].kind == .type else { return item }
            let type = Int32(self.items[Int(item)].content)
            var childLeft: Int32 = -1
            for child in children {
                childLeft = self.insertNode(child, parent: type, left: childLeft, right: -1)
            }
            for (key, value) in attributes { _ = self.mapSet(type: type, key, .value(value)) }
            return item
        case .text(let runs):
            let item = self.insertLocal(.type(.xmlText, name: ""), left: left, right: right, parent: parent)
            guard self.items[Int(item)].kind == .type else { return item }
            let type = Int32(self.items[Int(item)].content)
            var position = TextPosition(left: -1, right: -1, index: 0, attributes: AttributeMap())
            for run in runs where !run.insert.isEmpty {
                self.insertText(
                    type: type, &position, content: .string(Array(run.insert.utf16)), attributes: run.attributes)
            }
            return item
        }
    }

    /// Deletes `length` children from `index` of a fragment or element.
    public mutating func deleteChildren(of parent: some SharedRef, at index: Int, length: Int) {
        self.listDelete(type: parent.typeIndex, at: index, length: length)
    }

    /// The children of a fragment or element.
    public func children(of parent: some SharedRef) -> [(AnyRef, SharedTypeKind)] {
        self.listValues(type: parent.typeIndex).compactMap {
            if case .type(let ref, let kind) = $0 { return (ref, kind) }
            return nil
        }
    }

    /// Sets an attribute of an XML element.
    public mutating func setAttribute(_ element: XmlElementRef, _ key: String, _ value: YAny) {
        _ = self.mapSet(type: element.typeIndex, key, .value(value))
    }

    /// Removes an attribute of an XML element.
    public mutating func removeAttribute(_ element: XmlElementRef, _ key: String) {
        self.mapDelete(type: element.typeIndex, key)
    }

    /// The attributes of an XML element, in the order they were first set.
    public func attributes(_ element: XmlElementRef) -> [(key: String, value: SharedValue)] {
        self.mapEntries(type: element.typeIndex)
    }
}
