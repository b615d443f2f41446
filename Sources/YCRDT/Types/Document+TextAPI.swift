/// A handle to a type with rich-text behaviour: `Y.Text` or `Y.XmlText`.
public protocol TextLikeRef: SharedRef {}
extension TextRef: TextLikeRef {}
extension XmlTextRef: TextLikeRef {}

/// One operation of a text delta (Quill format, Yjs `YText.toDelta`).
public struct TextDelta: Sendable, Equatable {
    /// What is inserted.
    public enum Insert: Sendable, Equatable {
        case string(String)
        case embed(YAny)
        case type(AnyRef, SharedTypeKind)
    }

    public var insert: Insert
    /// Formatting attributes in the order they were applied; empty when none.
    public var attributes: [(key: String, value: YAny)]

    public init(insert: Insert, attributes: [(key: String, value: YAny)] = []) {
        self.insert = insert
        self.attributes = attributes
    }

    public static func == (lhs: TextDelta, rhs: TextDelta) -> Bool {
        lhs.insert == rhs.insert && lhs.attributes.count == rhs.attributes.count
            && zip(lhs.attributes, rhs.attributes).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// The public text API (Yjs `YText.insert`, `insertEmbed`, `format`, `delete`, `toString`, `toDelta`).
extension Document {
    /// Inserts `string` at UTF-16 offset `index`.
    ///
    /// With `attributes` nil the text takes the formatting at that position (Yjs `insert` without attributes);
    /// otherwise exactly `attributes` (attributes active there but not listed are ended with null).
    public mutating func insert<T: TextLikeRef>(
        into text: T, at index: Int, _ string: String, attributes: [(key: String, value: YAny)]? = nil
    ) {
        guard !string.isEmpty else { return }
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        let type = text.typeIndex
        var position = self.textPosition(type: type, index: clampIndex(type, index))
        let attrs = attributes ?? position.attributes.entries.map { ($0.key, $0.value) }
        self.insertText(type: type, &position, content: .string(Array(string.utf16)), attributes: attrs)
    }

    /// Inserts an embed (an image, a formula…) at `index`.
    public mutating func insertEmbed<T: TextLikeRef>(
        into text: T, at index: Int, _ embed: YAny, attributes: [(key: String, value: YAny)] = []
    ) {
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        let type = text.typeIndex
        var position = self.textPosition(type: type, index: clampIndex(type, index))
        self.insertText(type: type, &position, content: .payload(.embed, .embed(embed)), attributes: attributes)
    }

    /// Applies `attributes` to `length` units from `index`; a null value removes the attribute.
    public mutating func format<T: TextLikeRef>(
        _ text: T, at index: Int, length: Int, _ attributes: [(key: String, value: YAny)]
    ) {
        guard length > 0 else { return }
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        let type = text.typeIndex
        var position = self.textPosition(type: type, index: clampIndex(type, index))
        guard position.right >= 0 else { return }
        self.formatText(type: type, &position, length: length, attributes: attributes)
    }

    /// Deletes `length` UTF-16 units from `index`.
    public mutating func delete<T: TextLikeRef>(from text: T, at index: Int, length: Int) {
        guard length > 0 else { return }
        let began = self.beginImplicit()
        defer { self.endImplicit(began) }
        let type = text.typeIndex
        var position = self.textPosition(type: type, index: clampIndex(type, index))
        self.deleteText(type: type, &position, length: length)
    }

    /// Number of UTF-16 units (and embeds) in a text.
    public func length(_ ref: some SharedRef) -> Int { self.types[Int(ref.typeIndex)].length }

    /// The unformatted string (Yjs `YText.toString`).
    public func string<T: TextLikeRef>(_ text: T) -> String { self.plainString(type: text.typeIndex) }

    /// The formatted content as a delta (Yjs `YText.toDelta`).
    public func delta<T: TextLikeRef>(_ text: T) -> [TextDelta] { self.textDelta(type: text.typeIndex) }

    func clampIndex(_ type: Int32, _ index: Int) -> Int { min(max(0, index), self.types[Int(type)].length) }

    func plainString(type: Int32) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(self.types[Int(type)].length)
        var item = self.types[Int(type)].start
        while item >= 0 {
            let r = self.items[Int(item)]
            if !r.isDeleted && r.kind == .string { units.append(contentsOf: self.stringUnits(of: item)) }
            item = r.right
        }
        return String(decoding: units, as: UTF16.self)
    }

    func textDelta(type: Int32) -> [TextDelta] {
        var ops: [TextDelta] = []
        var attributes = AttributeMap()
        var units: [UInt16] = []
        func pack() {
            guard !units.isEmpty else { return }
            ops.append(
                TextDelta(
                    insert: .string(String(decoding: units, as: UTF16.self)),
                    attributes: attributes.entries.map { ($0.key, $0.value) }))
            units = []
        }
        var item = self.types[Int(type)].start
        while item >= 0 {
            let r = self.items[Int(item)]
            if !r.isDeleted {
                switch r.kind {
                case .string:
                    units.append(contentsOf: self.stringUnits(of: item))
                case .embed, .type:
                    pack()
                    let insert: TextDelta.Insert
                    if r.kind == .type {
                        insert = .type(AnyRef(typeIndex: Int32(r.content)), self.types[r.content].kind)
                    } else if case .embed(let value) = self.payloads[r.content] {
                        insert = .embed(value)
                    } else {
                        insert = .embed(.null)
                    }
                    ops.append(TextDelta(insert: insert, attributes: attributes.entries.map { ($0.key, $0.value) }))
                case .format:
                    pack()
                    self.updateAttributes(&attributes, from: item)
                default:
                    break
                }
            }
            item = r.right
        }
        pack()
        return ops
    }
}
