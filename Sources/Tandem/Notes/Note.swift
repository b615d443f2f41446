import Wire

/// A note as Open WebUI models it (`NoteModel`): the owner, title, free-form `data` (with `data.content =
/// {json, html, md}`), `meta`, `access_control`, and nanosecond timestamps.
///
/// The JSON shape is Open WebUI's so that `events:note` payloads and REST answers are what its web client expects.
/// Access follows Open WebUI 0.12's `access_grants` when a note has any: a list of `{principal_type: user | group,
/// principal_id: <id> | "*", permission: read | write}`, where each permission needs its own grant (a write grant
/// alone does not let a user read, as in 0.12). Notes without grants keep the earlier `access_control`: `null` means
/// public read; otherwise `{read: {user_ids, group_ids}, write: {user_ids, group_ids}}` (a write grant implies read).
/// Groups come from the caller (the token's `groups` claim in standalone mode).
public struct Note: Sendable, Equatable {
    public var id: String
    /// The owner's user id.
    public var userID: String
    public var title: String
    /// Free-form data; the editor's content lives in `data.content = {json, html, md}`.
    public var data: JSONObject
    public var meta: JSONObject
    /// Open WebUI's earlier `access_control`; `.null` is public read. Used when ``accessGrants`` is empty.
    public var accessControl: JSONValue
    /// Open WebUI 0.12's `access_grants` (`{principal_type, principal_id, permission}` objects).
    public var accessGrants: [JSONValue] = []
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
    /// (`null` access control grants read to everyone; a write grant implies read). User and group ids are compared
    /// by their UTF-8 bytes, never by Swift's canonical equivalence: a grant for `café` (NFC) does not admit
    /// `cafe\u{301}` (NFD), a different user to Open WebUI (issue 19).
    public func allows(_ permission: Permission, userID: String, isAdmin: Bool, groups: [String] = []) -> Bool {
        if isAdmin || userID.bytewiseEquals(self.userID) { return true }
        if !accessGrants.isEmpty {
            return accessGrants.contains { grant in
                guard grant["permission"]?.stringValue == permission.rawValue,
                    let principal = grant["principal_id"]?.stringValue
                else { return false }
                switch grant["principal_type"]?.stringValue {
                case "user": return principal == "*" || principal.bytewiseEquals(userID)
                case "group": return principal == "*" || groups.contains { $0.bytewiseEquals(principal) }
                default: return false
                }
            }
        }
        if accessControl.isNull { return permission == .read }
        func granted(_ kind: String) -> Bool {
            guard let ids = accessControl[kind]?["user_ids"]?.arrayValue else { return false }
            return ids.contains { $0.stringValue?.bytewiseEquals(userID) == true }
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
            "meta": .object(meta), "access_control": accessControl, "access_grants": .array(accessGrants),
            "created_at": .int(createdAt),
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
        self.accessGrants = (json["access_grants"]?.arrayValue ?? []).filter { $0.objectValue != nil }
    }

    /// Validates an `access_grants` list from a client: an array of objects with a user or group principal and a
    /// read or write permission; nil when anything is off.
    public static func validGrants(_ value: JSONValue) -> [JSONValue]? {
        guard let grants = value.arrayValue, grants.count <= 1_000 else { return nil }
        for grant in grants {
            guard let type = grant["principal_type"]?.stringValue, type == "user" || type == "group",
                let id = grant["principal_id"]?.stringValue, !id.isEmpty, id.utf8.count <= 256,
                let permission = grant["permission"]?.stringValue, permission == "read" || permission == "write"
            else { return nil }
        }
        return grants
    }
}
