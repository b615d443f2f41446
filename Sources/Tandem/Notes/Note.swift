import Wire

/// A note as Open WebUI models it (`NoteModel`): the owner, title, free-form `data` (with `data.content =
/// {json, html, md}`), `meta`, `access_control`, and nanosecond timestamps.
///
/// The JSON shape is Open WebUI's so that `note-events` payloads and REST answers are what its web client expects.
/// `access_control` follows Open WebUI: `null` means public read; otherwise `{read: {user_ids, group_ids}, write:
/// {user_ids, group_ids}}` (groups are kept but not resolved: Tandem has no group directory).
public struct Note: Sendable, Equatable {
    public var id: String
    /// The owner's user id.
    public var userID: String
    public var title: String
    /// Free-form data; the editor's content lives in `data.content = {json, html, md}`.
    public var data: JSONObject
    public var meta: JSONObject
    /// Open WebUI's `access_control`; `.null` is public read.
    public var accessControl: JSONValue
    /// Creation time, nanoseconds since 1970.
    public var createdAt: Int64
    /// Last change, nanoseconds since 1970.
    public var updatedAt: Int64

    public init(
        id: String, userID: String, title: String, data: JSONObject = [:], meta: JSONObject = [:],
        accessControl: JSONValue = [:], createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.userID = userID
        self.title = title
        self.data = data
        self.meta = meta
        self.accessControl = accessControl
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// What a user may do with a note.
    public enum Permission: String, Sendable {
        case read, write
    }

    /// Whether `userID` may read or write this note: admins and the owner always; others through the grants
    /// (`null` access control grants read to everyone; a write grant implies read).
    public func allows(_ permission: Permission, userID: String, isAdmin: Bool) -> Bool {
        if isAdmin || userID == self.userID { return true }
        if accessControl.isNull { return permission == .read }
        func granted(_ kind: String) -> Bool {
            guard let ids = accessControl[kind]?["user_ids"]?.arrayValue else { return false }
            return ids.contains { $0.stringValue == userID }
        }
        switch permission {
        case .read: return granted("read") || granted("write")
        case .write: return granted("write")
        }
    }

    /// The stored content as ProseMirror JSON (`data.content.json`), when it is an object.
    public var contentJSON: JSONValue? {
        guard let json = data["content"]?["json"], json.objectValue != nil else { return nil }
        return json
    }

    /// The note as Open WebUI's JSON (`NoteModel` dump).
    public var json: JSONValue {
        .object([
            "id": .string(id), "user_id": .string(userID), "title": .string(title), "data": .object(data),
            "meta": .object(meta), "access_control": accessControl, "created_at": .int(createdAt),
            "updated_at": .int(updatedAt),
        ])
    }

    /// Reads a note from its JSON; nil when a required field is missing or of the wrong type.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let userID = json["user_id"]?.stringValue,
            let createdAt = json["created_at"]?.intValue, let updatedAt = json["updated_at"]?.intValue
        else { return nil }
        self.init(
            id: id, userID: userID, title: json["title"]?.stringValue ?? "",
            data: json["data"]?.objectValue ?? [:], meta: json["meta"]?.objectValue ?? [:],
            accessControl: json["access_control"] ?? .null, createdAt: createdAt, updatedAt: updatedAt)
    }
}
