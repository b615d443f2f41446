/// Positions in list types and search markers (Yjs `findMarker`, `updateMarkerChanges`, `typeListInsertGenerics`,
/// `typeListDelete` in src/types/AbstractType.js).
extension Document {
    static let maxMarkers = 16

    /// A walk position: `right` is the next item, `left` the one before it, `index` the visible index at `right`.
    struct ListPosition {
        var left: Int32
        var right: Int32
        var index: Int
    }

    /// Starting point for a forward walk to `index`: an item whose start index is below `index` (from a search
    /// marker when one is near), or the start of the list.
    func walkStart(type: Int32, index: Int) -> ListPosition {
        let record = self.types[Int(type)]
        guard index > 0, !record.markers.isEmpty else { return ListPosition(left: -1, right: record.start, index: 0) }
        var best = record.markers[0]
        for marker in record.markers.dropFirst() where abs(marker.index - index) < abs(best.index - index) {
            best = marker
        }
        if abs(best.index - index) > index {
            return ListPosition(left: -1, right: record.start, index: 0)
        }
        var p = best.item
        var pindex = best.index
        // Walk back to a live countable item that starts before `index`.
        while !(pindex < index && self.items[Int(p)].visibleLength > 0) {
            let left = self.items[Int(p)].left
            if left < 0 { return ListPosition(left: -1, right: record.start, index: 0) }
            p = left
            pindex -= self.items[Int(p)].visibleLength
        }
        return ListPosition(left: self.items[Int(p)].left, right: p, index: pindex)
    }

    /// Walks forward over `count` visible units, splitting the item where the count ends (Yjs `findNextPosition`
    /// without attributes): afterwards `left` ends exactly at the target index.
    mutating func walk(_ position: inout ListPosition, count: Int) {
        var count = count
        while position.right >= 0 && count > 0 {
            let r = self.items[Int(position.right)]
            if !r.isDeleted && r.isCountable {
                if count < r.length {
                    _ = self.itemCleanStart(slot: r.client, clock: r.clock + count)
                }
                let length = self.items[Int(position.right)].length
                position.index += length
                count -= length
            }
            position.left = position.right
            position.right = self.items[Int(position.right)].right
        }
    }

    /// The canonical position before visible index `index` of a list type: `left` is the item holding unit
    /// `index − 1` (split to end there), `right` its right neighbour.
    mutating func listPosition(type: Int32, index: Int) -> ListPosition {
        var position = self.walkStart(type: type, index: index)
        self.walk(&position, count: index - position.index)
        self.remember(type: type, position)
        return position
    }

    /// Records a search marker at the last live item of a position.
    mutating func remember(type: Int32, _ position: ListPosition) {
        guard position.left >= 0 else { return }
        let left = self.items[Int(position.left)]
        guard left.visibleLength > 0 else { return }
        self.markerStamp += 1
        let marker = SearchMarker(item: position.left, index: position.index - left.length, stamp: self.markerStamp)
        var markers = self.types[Int(type)].markers
        if let existing = markers.firstIndex(where: { $0.item == marker.item }) {
            markers[existing] = marker
        } else if markers.count < Self.maxMarkers {
            markers.append(marker)
        } else if let oldest = markers.indices.min(by: { markers[$0].stamp < markers[$1].stamp }) {
            markers[oldest] = marker
        }
        self.types[Int(type)].markers = markers
    }

    /// Shifts markers after a local insert (`length > 0`, `inserted` the first new item) or delete (`length < 0`)
    /// at `index`. A marker at exactly `index` moves only if its item lies after the insertion (deleted items right
    /// before the new item keep their index).
    mutating func shiftMarkers(type: Int32, index: Int, length: Int, inserted: Int32 = -1) {
        guard !self.types[Int(type)].markers.isEmpty else { return }
        var before = Set<Int32>()
        if length > 0 && inserted >= 0 {
            var item = self.items[Int(inserted)].left
            while item >= 0 && self.items[Int(item)].visibleLength == 0 {
                before.insert(item)
                item = self.items[Int(item)].left
            }
        }
        for m in self.types[Int(type)].markers.indices {
            let marker = self.types[Int(type)].markers[m]
            if length > 0 {
                if marker.index > index || (marker.index == index && !before.contains(marker.item)) {
                    self.types[Int(type)].markers[m].index = marker.index + length
                }
            } else if marker.index > index {
                self.types[Int(type)].markers[m].index = max(index, marker.index + length)
            }
        }
    }

    // MARK: List edits

    /// Inserts content at `index` of a list type (Yjs `typeListInsertGenerics`).
    /// - Returns: the new items, in order.
    @discardableResult
    mutating func listInsert(type: Int32, at index: Int, _ content: [ArrayContent]) -> [Int32] {
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        let index = min(max(0, index), self.types[Int(type)].length)
        let position = self.listPosition(type: type, index: index)
        let created = self.listInsertAfter(type: type, left: position.left, right: position.right, content)
        self.shiftMarkers(type: type, index: index, length: content.count, inserted: created.first ?? -1)
        return created
    }

    /// Inserts content after item `left` (Yjs `typeListInsertGenericsAfter`).
    mutating func listInsertAfter(type: Int32, left start: Int32, right: Int32, _ content: [ArrayContent]) -> [Int32] {
        var left = start
        var created: [Int32] = []
        var values: [YAny] = []
        func pack(_ doc: inout Document) {
            guard !values.isEmpty else { return }
            left = doc.insertLocal(.payload(.any, .values(values)), left: left, right: right, parent: type)
            created.append(left)
            values = []
        }
        for c in content {
            switch c {
            case .value(let value):
                values.append(value)
            case .binary(let bytes):
                pack(&self)
                left = self.insertLocal(.payload(.binary, .binary(bytes)), left: left, right: right, parent: type)
                created.append(left)
            case .type(let kind, let name):
                pack(&self)
                left = self.insertLocal(.type(kind, name: name), left: left, right: right, parent: type)
                created.append(left)
            }
        }
        pack(&self)
        return created
    }

    /// Deletes `length` visible units from `index` of a list type (Yjs `typeListDelete`).
    mutating func listDelete(type: Int32, at index: Int, length: Int) {
        guard length > 0 else { return }
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        let position = self.listPosition(type: type, index: index)
        var n = position.right
        var remaining = length
        while remaining > 0 && n >= 0 {
            let r = self.items[Int(n)]
            if !r.isDeleted {
                if remaining < r.length {
                    _ = self.itemCleanStart(slot: r.client, clock: r.clock + remaining)
                }
                self.deleteItem(n)
                remaining -= self.items[Int(n)].length
            }
            n = self.items[Int(n)].right
        }
        self.shiftMarkers(type: type, index: index, length: -(length - remaining))
    }
}
