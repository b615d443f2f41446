/// The two Yjs update encodings.
public enum UpdateFormat: String, Sendable, CaseIterable {
    /// Update format v1 (the default on the wire: y-websocket, y-protocols sync, Hocuspocus).
    case v1
    /// Update format v2 (column-encoded; `*V2` APIs, y-redis storage).
    case v2
}

extension Update {
    /// Decodes a complete update in `format`.
    public init(bytes: ArraySlice<UInt8>, format: UpdateFormat, limits: UpdateDecodingLimits = .default) throws(DecodingError) {
        switch format {
        case .v1: try self.init(v1: bytes, limits: limits)
        case .v2: try self.init(v2: bytes, limits: limits)
        }
    }

    /// Encodes in `format`.
    public func encoded(_ format: UpdateFormat) -> [UInt8] {
        switch format {
        case .v1: self.encodeV1()
        case .v2: self.encodeV2()
        }
    }

    /// Decodes the blocks of an update straight into `blocks` (Skips dropped when `filterSkips`) and returns its
    /// delete set, without building an `Update` (the merge fast path).
    static func decodeFlat(
        _ bytes: ArraySlice<UInt8>, format: UpdateFormat, filterSkips: Bool, into blocks: inout [Block],
        deletions: inout DeleteSetAccumulator, limits: UpdateDecodingLimits = .default
    ) throws(DecodingError) {
        switch format {
        case .v1:
            var decoder = V1FieldDecoder(ByteReader(bytes))
            try decodeFlat(&decoder, filterSkips: filterSkips, into: &blocks, deletions: &deletions, limits: limits)
            try decoder.rest.expectEnd("update")
        case .v2:
            var decoder = try V2FieldDecoder(bytes)
            try decodeFlat(&decoder, filterSkips: filterSkips, into: &blocks, deletions: &deletions, limits: limits)
            try decoder.rest.expectEnd("update")
        }
    }

    static func decodeFlat<D: UpdateFieldDecoder>(
        _ decoder: inout D, filterSkips: Bool, into blocks: inout [Block], deletions: inout DeleteSetAccumulator,
        limits: UpdateDecodingLimits
    ) throws(DecodingError) {
        try decoder.readSections(
            limits: limits,
            section: { _, _, _ in },
            block: { block in
                if !(filterSkips && block.isSkip) { blocks.append(block) }
            }
        )
        try decoder.readDeleteSet(into: &deletions)
    }
}
