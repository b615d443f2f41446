/// Size and history figures of a document, for `tandem replay --stats` and benchmarks.
///
/// Lengths count clock units (UTF-16 code units for text, one per array element or map write), as Yjs clocks do.
/// `deletedLength` comes from the delete set of the encoded state, so it counts garbage-collected content too
/// (GC structs are deleted structs; yjs-format.md §2.4).
public struct DocumentStats: Equatable, Sendable {
    /// Clients that wrote to the document.
    public var clients: Int
    /// Structs in the store (Items and GCs, after splits and merges).
    public var structs: Int
    /// Sum of every client's clock: all content ever inserted.
    public var totalLength: Int
    /// Content deleted since (also counted in ``totalLength``).
    public var deletedLength: Int
    /// Size of the state encoded as a v1 update.
    public var stateBytes: Int
    /// Structs waiting for missing dependencies.
    public var pendingStructs: Int

    public init(clients: Int, structs: Int, totalLength: Int, deletedLength: Int, stateBytes: Int, pendingStructs: Int) {
        self.clients = clients
        self.structs = structs
        self.totalLength = totalLength
        self.deletedLength = deletedLength
        self.stateBytes = stateBytes
        self.pendingStructs = pendingStructs
    }

    /// Deleted content over all content, 0 for an empty document.
    public var deletedRatio: Double {
        self.totalLength == 0 ? 0 : Double(self.deletedLength) / Double(self.totalLength)
    }
}

extension Document {
    /// Figures for this document (encodes the state once to read its delete set).
    public var stats: DocumentStats {
        let state = self.encodeStateAsUpdate()
        let deleted = (try? Update(v1: state))?.deleteSet.entries.reduce(0) { sum, entry in
            sum + entry.ranges.reduce(0) { $0 + Int($1.length) }
        } ?? 0
        let vector = self.stateVector
        return DocumentStats(
            clients: vector.count, structs: self.structCount, totalLength: vector.values.reduce(0, +),
            deletedLength: deleted, stateBytes: state.count, pendingStructs: self.pending.structCount)
    }
}
