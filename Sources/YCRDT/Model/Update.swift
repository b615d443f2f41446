/// A decoded, not yet integrated Yjs update: struct sections per client, then the delete set.
///
/// This is the value model every YCRDT tool works on. Decoding keeps everything needed to re-encode the same
/// bytes (section and delete-set order, info bits, v1 JSON text vs v2 `Any`), so `Update(v1: b).encodeV1() == b`
/// and `Update(v2: b).encodeV2() == b` for updates made by Yjs or yrs. Spec: yjs-format.md §2 (v1) and §3 (v2).
///
///     let update = try Update(v1: bytes)
///     for section in update.sections { for block in section.blocks { … } }
///     let bytes = update.encodeV1()
public struct Update: Equatable, Sendable {
    /// Client sections in wire order.
    public var sections: [ClientSection]
    /// The delete set.
    public var deleteSet: DeleteSet

    /// The empty v1 update: no structs, no deletions.
    public static let emptyV1: [UInt8] = [0, 0]

    /// Creates an update.
    public init(sections: [ClientSection] = [], deleteSet: DeleteSet = DeleteSet()) {
        self.sections = sections
        self.deleteSet = deleteSet
    }

    /// Whether the update has no blocks and no deletions.
    public var isEmpty: Bool { self.sections.allSatisfy { $0.blocks.isEmpty } && self.deleteSet.isEmpty }

    /// Every block, section by section.
    public var blocks: some Sequence<Block> { self.sections.lazy.flatMap(\.blocks) }

    /// Decodes a complete v1 update; trailing bytes are an error.
    /// - Throws: ``DecodingError`` naming the offset and what was expected.
    public init(v1 bytes: [UInt8], limits: UpdateDecodingLimits = .default) throws(DecodingError) {
        try self.init(v1: bytes[...], limits: limits)
    }

    /// Decodes a complete v1 update from a slice (string contents share the slice's storage).
    public init(v1 bytes: ArraySlice<UInt8>, limits: UpdateDecodingLimits = .default) throws(DecodingError) {
        var decoder = V1FieldDecoder(ByteReader(bytes))
        try self.init(decoding: &decoder, limits: limits)
        try decoder.rest.expectEnd("update")
    }

    init<D: UpdateFieldDecoder>(decoding decoder: inout D, limits: UpdateDecodingLimits) throws(DecodingError) {
        var sections: [ClientSection] = []
        try decoder.readSections(
            limits: limits,
            section: { client, clock, count in
                sections.append(ClientSection(client: client, clock: clock, blocks: []))
                sections[sections.count - 1].blocks.reserveCapacity(count)
            },
            block: { block in sections[sections.count - 1].blocks.append(block) }
        )
        self.sections = sections
        self.deleteSet = try decoder.readDeleteSet()
    }

    /// Encodes as v1.
    public func encodeV1() -> [UInt8] {
        var encoder = V1FieldEncoder(capacity: 64)
        encoder.writeUpdate(self)
        return encoder.finish()
    }
}
