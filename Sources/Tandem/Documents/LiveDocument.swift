import YCRDT

/// The server's view of one document: a YCRDT ``Document`` with the operations the rooms need.
///
/// Updates are decoded in full before anything is integrated, so an invalid update leaves the document untouched.
/// The server never edits with its own client id except when it seeds a note, so its client id is drawn at random.
struct LiveDocument {
    private(set) var document = Document()

    /// Decodes then applies a v1 update.
    /// - Throws: ``DecodingError`` (with the byte offset) for anything that is not a valid v1 update.
    mutating func apply(_ update: [UInt8]) throws(DecodingError) {
        let decoded = try Update(v1: update)
        document.apply(decoded)
    }

    /// The full state as a v1 update (`[0, 0]` when empty), byte-identical to Yjs's `encodeStateAsUpdate`.
    func encodeState() -> [UInt8] {
        document.encodeStateAsUpdate()
    }

    /// The encoded state vector.
    func stateVector() -> [UInt8] {
        document.encodeStateVector()
    }

    /// What a peer with the encoded state vector lacks, as a v1 update.
    func diff(stateVector bytes: [UInt8]) throws(DecodingError) -> [UInt8] {
        let vector = try StateVector(bytes: bytes)
        var since: [UInt64: Int] = [:]
        for entry in vector.entries { since[entry.client] = Int(clamping: entry.clock) }
        return document.encodeStateAsUpdate(since: since)
    }
}
