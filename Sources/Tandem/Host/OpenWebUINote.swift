import Wire

/// A note's editor content as Open WebUI stores it in `note.data.content`: ProseMirror JSON, HTML and Markdown.
///
/// The web client sends all three with every keystroke and seeds a new Yjs document from them
/// (`ydoc:document:state {content}`); notes made through the REST API or by older versions may hold only `md` or
/// only `html`. Decoding is lenient: a missing or non-string `html`/`md` is "", a missing `json` is null.
public struct OpenWebUINoteContent: Sendable, Hashable {
    /// ProseMirror document JSON (`{"type":"doc",…}`), or null.
    public var json: JSONValue
    /// The HTML rendering.
    public var html: String
    /// The Markdown rendering.
    public var md: String

    /// Creates content.
    public init(json: JSONValue = .null, html: String = "", md: String = "") {
        self.json = json
        self.html = html
        self.md = md
    }

    /// Decodes `data.content`; nil when it is not an object.
    public init?(json value: JSONValue) {
        guard value.objectValue != nil else { return nil }
        self.init(
            json: value["json"] ?? .null, html: value["html"]?.stringValue ?? "", md: value["md"]?.stringValue ?? "")
    }

    /// The `{json, html, md}` object Open WebUI stores and its client expects.
    public var jsonValue: JSONValue {
        .object(["json": self.json, "html": .string(self.html), "md": .string(self.md)])
    }

    /// True when all three forms are empty.
    public var isEmpty: Bool { self.json.isNull && self.html.isEmpty && self.md.isEmpty }
}

/// A note as `GET /api/v1/notes/{id}` answers it to one user (0.12.4 `NoteResponse`), or as the update route
/// answers (`NoteModel`, without `write_access`).
///
/// Fields: `id, user_id, title, data, meta, is_pinned, access_grants[], created_at, updated_at` (nanoseconds)
/// and `write_access` (owner, admin, a write grant for the user or a group, or a public `*` write grant).
public struct OpenWebUINote: Sendable, Hashable {
    /// The note id.
    public var id: String
    /// The owner's user id.
    public var ownerID: String
    /// The title.
    public var title: String
    /// Whether the asking user may write (`write_access`; false when absent, as Open WebUI's default).
    public var canWrite: Bool
    /// `data.content` decoded; nil when the note has no content object yet.
    public var content: OpenWebUINoteContent?
    /// `data.content` exactly as stored (`.null` when absent), for `ydoc:document:state {content}`.
    public var storedContent: JSONValue
    /// Last change, nanoseconds since 1970 (0 when absent).
    public var updatedAt: Int64
    /// The whole note object as received minus `write_access` (Open WebUI's `NoteModel`, for `events:note`).
    public var model: JSONObject

    /// Decodes a note body; nil unless it is an object with a string `id` and `user_id`.
    public init?(json: JSONValue) {
        guard var object = json.objectValue, let id = object["id"]?.stringValue,
            let owner = object["user_id"]?.stringValue
        else { return nil }
        self.id = id
        self.ownerID = owner
        self.title = object["title"]?.stringValue ?? ""
        self.canWrite = object["write_access"]?.boolValue ?? false
        let stored = object["data"]?["content"] ?? .null
        self.storedContent = stored
        self.content = OpenWebUINoteContent(json: stored)
        self.updatedAt = object["updated_at"]?.intValue ?? 0
        object["write_access"] = nil
        self.model = object
    }
}

/// A channel the user's sockets join as room `channel:<id>` (`routers/channels.py` `ChannelModel`).
public struct OpenWebUIChannel: Sendable, Hashable {
    /// The channel id.
    public var id: String
    /// The channel name.
    public var name: String
    /// `group`, `dm`, or nil/"" for a standard channel.
    public var type: String?

    /// Creates a channel.
    public init(id: String, name: String, type: String? = nil) {
        self.id = id
        self.name = name
        self.type = type
    }

    /// Decodes one list element; nil unless it has a string `id`.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, !id.isEmpty else { return nil }
        self.init(id: id, name: json["name"]?.stringValue ?? "", type: json["type"]?.stringValue)
    }

    /// Decodes the `GET /api/v1/channels/` list, skipping elements that are not channels; nil for a non-array.
    public static func list(json: JSONValue) -> [OpenWebUIChannel]? {
        json.arrayValue?.compactMap(OpenWebUIChannel.init(json:))
    }
}
