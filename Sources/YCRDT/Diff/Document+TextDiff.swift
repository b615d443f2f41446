/// Character-level patching of one text (`Y.Text` or `Y.XmlText`) towards a target delta.
extension Document {
    /// Edits the text `type` so its delta equals `target`: the common prefix and suffix (same UTF-16 unit, same
    /// formatting) stay, the middle is deleted and the target's middle inserted with its exact formatting. Cuts
    /// never split a surrogate pair. Nested types in the target are not copied.
    mutating func patchText(_ type: Int32, to target: [TextDelta]) {
        var attributeIDs: [String: Int32] = [:]
        let old = Self.glyphs(self.textDelta(type: type), ids: &attributeIDs)
        let new = Self.glyphs(target, ids: &attributeIDs)
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        if prefix > 0, Self.isHighSurrogate(old[prefix - 1].unit) { prefix -= 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        if suffix > 0, Self.isLowSurrogate(old[old.count - suffix].unit) { suffix -= 1 }
        let ref = XmlTextRef(typeIndex: type)
        let removed = old.count - prefix - suffix
        if removed > 0 { self.delete(from: ref, at: prefix, length: removed) }
        // Insert the target's middle, one run per formatting.
        let middle = target.flatMap(Self.pieces)[prefix..<(new.count - suffix)]
        var index = prefix
        var run: [UInt16] = []
        var runAttributes: [(key: String, value: YAny)] = []
        func flush() {
            guard !run.isEmpty else { return }
            self.insert(into: ref, at: index, String(decoding: run, as: UTF16.self), attributes: runAttributes)
            index += run.count
            run.removeAll()
        }
        var lastKey: String?
        for piece in middle {
            switch piece.content {
            case .unit(let unit):
                if piece.key != lastKey { flush() }
                lastKey = piece.key
                runAttributes = piece.attributes
                run.append(unit)
            case .embed(let value):
                flush()
                lastKey = nil
                self.insertEmbed(into: ref, at: index, value, attributes: piece.attributes)
                index += 1
            case .skipped:
                flush()
                lastKey = nil
            }
        }
        flush()
    }

    struct Glyph: Equatable {
        var unit: UInt32
        var attributes: Int32
    }

    struct Piece {
        enum Content {
            case unit(UInt16)
            case embed(YAny)
            case skipped
        }
        var content: Content
        var attributes: [(key: String, value: YAny)]
        var key: String
    }

    static func isHighSurrogate(_ unit: UInt32) -> Bool { unit >= 0xD800 && unit <= 0xDBFF }
    static func isLowSurrogate(_ unit: UInt32) -> Bool { unit >= 0xDC00 && unit <= 0xDFFF }

    /// One comparable value per UTF-16 unit or embed: the unit (embeds and nested types above 0xFFFF) and an id of
    /// its formatting.
    static func glyphs(_ delta: [TextDelta], ids: inout [String: Int32]) -> [Glyph] {
        var out: [Glyph] = []
        for op in delta {
            let text = JavaScriptJSON.stringify(.object(JSObjectOrder.normalize(op.attributes)))
            let id = ids[text] ?? Int32(ids.count)
            ids[text] = id
            switch op.insert {
            case .string(let s): out.append(contentsOf: s.utf16.map { Glyph(unit: UInt32($0), attributes: id) })
            case .embed(let value):
                let key = "embed:" + JavaScriptJSON.stringify(value)
                let embedID = ids[key] ?? Int32(ids.count)
                ids[key] = embedID
                out.append(Glyph(unit: 0x10000 + UInt32(embedID), attributes: id))
            case .type: out.append(Glyph(unit: UInt32.max, attributes: -1))
            }
        }
        return out
    }

    /// The same units as ``glyphs(_:ids:)``, with what is needed to insert them again.
    static func pieces(_ op: TextDelta) -> [Piece] {
        let key = JavaScriptJSON.stringify(.object(JSObjectOrder.normalize(op.attributes)))
        switch op.insert {
        case .string(let s): return s.utf16.map { Piece(content: .unit($0), attributes: op.attributes, key: key) }
        case .embed(let value): return [Piece(content: .embed(value), attributes: op.attributes, key: key)]
        case .type: return [Piece(content: .skipped, attributes: [], key: "")]
        }
    }
}
