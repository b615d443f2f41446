import Wire

/// One version of a document in its history: the metadata kept in the index.
public struct DocumentVersion: Sendable, Equatable {
    /// Why a version was taken.
    public enum Kind: String, Sendable {
        /// On the history schedule while the document is edited.
        case automatic
        /// Asked for by a user (`POST …/versions`).
        case named
        /// Just before a server-side content write.
        case beforeWrite = "before_write"
        /// Just before a restore.
        case beforeRestore = "before_restore"
    }

    /// Increasing number, unique within the document (`"12"`).
    public var id: String
    public var kind: Kind
    public var name: String?
    /// The user whose action made the version (`server` for the schedule).
    public var author: String
    /// Milliseconds since 1970.
    public var createdAt: Int64
    /// Bytes of the stored v1 state.
    public var size: Int
    /// The first characters of the rendered plain text.
    public var preview: String
    /// The encoded state vector of the stored state.
    public var stateVector: [UInt8]

    /// The JSON of the index and the REST answers.
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "kind": .string(kind.rawValue), "author": .string(author), "created_at": .int(createdAt),
            "size": .int(Int64(size)), "preview": .string(preview), "state_vector": .byteArray(stateVector),
        ]
        object["name"] = name.map(JSONValue.string) ?? .null
        return .object(object)
    }

    /// Reads an index entry; nil when a field is missing or malformed.
    init?(json: JSONValue) {
        guard let object = json.objectValue, let id = object["id"]?.stringValue,
            let kind = object["kind"]?.stringValue.flatMap(Kind.init(rawValue:)),
            let author = object["author"]?.stringValue, let createdAt = object["created_at"]?.intValue,
            let size = object["size"]?.intValue, let vector = try? object["state_vector"]?.bytes()
        else { return nil }
        self.init(
            id: id, kind: kind, name: object["name"]?.stringValue, author: author, createdAt: createdAt, size: Int(size),
            preview: object["preview"]?.stringValue ?? "", stateVector: vector)
    }

    public init(
        id: String, kind: Kind, name: String?, author: String, createdAt: Int64, size: Int, preview: String,
        stateVector: [UInt8]
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.author = author
        self.createdAt = createdAt
        self.size = size
        self.preview = preview
        self.stateVector = stateVector
    }
}

/// A document's history: full v1 states with metadata, in `<document folder>/history/` (`v-<id>.bin` per version
/// and `index.json`, both replaced atomically; the state is written before the index names it), or in memory
/// without a data directory. Retention drops the oldest automatic versions past the count or age limit. Owned by
/// the document's room; not Sendable. See Docs/history.md.
public final class HistoryStore: HistoryStorage {
    /// The folder, or nil to keep everything in memory.
    public let folder: String?
    public private(set) var versions: [DocumentVersion] = []
    private var memory: [String: [UInt8]] = [:]
    private var nextID = 1

    /// Opens the history in `folder` (reading its index), or in memory.
    /// - Throws: ``StorageError`` when the index exists but cannot be read or parsed.
    public init(folder: String?, limit: Int = 64 << 20) throws(StorageError) {
        self.folder = folder
        guard let folder, let bytes = try FileIO.read(folder + "/index.json", limit: limit) else { return }
        guard let list = try? JSONValue(parsing: bytes).arrayValue else {
            throw StorageError(path: folder + "/index.json", operation: "history index is not a JSON array", code: 0)
        }
        versions = list.compactMap(DocumentVersion.init(json:))
        nextID = (versions.compactMap { Int($0.id) }.max() ?? 0) + 1
    }

    /// Every version, oldest first (the index as read and kept up to date).
    public func list() -> [DocumentVersion] { versions }

    /// Stores a version's state and adds it to the index; returns its metadata.
    @discardableResult
    public func add(
        state: [UInt8], kind: DocumentVersion.Kind, name: String?, author: String, createdAt: Int64, preview: String,
        stateVector: [UInt8]
    ) throws(StorageError) -> DocumentVersion {
        let version = DocumentVersion(
            id: "\(nextID)", kind: kind, name: name, author: author, createdAt: createdAt, size: state.count,
            preview: preview, stateVector: stateVector)
        if let folder {
            try FileIO.makeDirectories(folder)
            try FileIO.writeAtomically(state, to: folder + "/v-\(version.id).bin")
        } else {
            memory[version.id] = state
        }
        versions.append(version)
        nextID += 1
        try writeIndex()
        return version
    }

    /// The stored state of version `id`; nil when there is none.
    public func state(of id: String, limit: Int) throws(StorageError) -> [UInt8]? {
        guard versions.contains(where: { $0.id == id }) else { return nil }
        guard let folder else { return memory[id] }
        return try FileIO.read(folder + "/v-\(id).bin", limit: limit)
    }

    /// Drops the oldest automatic versions past `maxVersions` and those older than `maxAge` (milliseconds), then
    /// the oldest named ones while still past `maxVersions`; returns how many were dropped.
    @discardableResult
    public func prune(maxVersions: Int, maxAgeMillis: Int64, now: Int64) throws(StorageError) -> Int {
        let drop = HistoryRetention.drops(versions, maxVersions: maxVersions, maxAgeMillis: maxAgeMillis, now: now)
        guard !drop.isEmpty else { return 0 }
        versions.removeAll { drop.contains($0.id) }
        try writeIndex()
        for id in drop {
            if let folder { try FileIO.remove(folder + "/v-\(id).bin") } else { memory[id] = nil }
        }
        return drop.count
    }

    /// Deletes every version (the document was deleted).
    public func removeAll() throws(StorageError) {
        versions.removeAll()
        memory.removeAll()
        guard let folder else { return }
        for name in FileIO.list(folder) { try FileIO.remove(folder + "/" + name) }
        _ = FileIO.removeDirectory(folder)
    }

    private func writeIndex() throws(StorageError) {
        guard let folder else { return }
        try FileIO.writeAtomically(Array(JSONValue.array(versions.map(\.json)).serialized().utf8), to: folder + "/index.json")
    }
}
