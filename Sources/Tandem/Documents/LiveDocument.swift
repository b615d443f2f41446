import Wire
import YCRDT

/// The server's view of one document: a YCRDT ``Document`` with the operations the rooms need.
///
/// Updates are decoded in full before anything is integrated, so an invalid update leaves the document untouched.
/// The server never edits with its own client id except when it seeds a note, so its client id is drawn at random.
struct LiveDocument {
    /// Without Yjs's formatting cleanup: the server relays but never sends changes of its own, so deleting format
    /// marks locally would make it diverge from its clients (each Yjs client cleans up and relays that itself).
    private(set) var document = Document(options: .init(formattingCleanup: false))

    /// Decodes then applies a v1 update.
    /// - Throws: ``DecodingError`` (with the byte offset) for anything that is not a valid v1 update.
    mutating func apply(_ update: [UInt8]) throws(DecodingError) {
        document.apply(try Update(v1: update))
    }

    /// Applies an update decoded (and so validated) earlier, after it was logged.
    mutating func apply(decoded update: Update) {
        document.apply(update)
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

extension LiveDocument {
    /// The note content of the ProseMirror fragment: `{json, html, md}` rendered server-side, or nil when the
    /// document has no such fragment (an untouched document must never overwrite a note's stored content).
    func renderNote(fragment name: String) -> JSONObject? {
        // A root made by remote updates stays `undetermined` until someone names its type (as in Yjs).
        guard let (_, kind) = document.root(named: name), kind == .xmlFragment || kind == .undetermined else {
            return nil
        }
        let rendered = document.renderNote(fragment: name)
        return ["json": JSONValue(rendered.json), "html": .string(rendered.html), "md": .string(rendered.markdown)]
    }

    /// Replaces the fragment's content with ProseMirror JSON as one local transaction (seeding an empty document
    /// or applying an external edit); returns the update to log and relay, or nil when the JSON is not a valid
    /// ProseMirror document (nothing changes then).
    mutating func replaceProseMirror(fragment name: String, with json: JSONValue) -> [UInt8]? {
        try? document.replaceProseMirror(fragment: name, with: json.yAny)
    }

    /// Makes the text and XML roots equal to `source`'s with the smallest change, as one local transaction; returns
    /// the update (`[0, 0]` when nothing changed). See ``Document/update(toMatch:roots:maxDepth:keepUnlistedAttributes:)``.
    mutating func update(toMatch source: Document, roots: [String]? = nil, keepUnlistedAttributes: Bool = false) -> [UInt8] {
        document.update(toMatch: source, roots: roots, keepUnlistedAttributes: keepUnlistedAttributes)
    }
}
