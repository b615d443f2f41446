import Wire

extension OpenWebUIHost {
    /// What `token`'s user may do with note `noteID`, with the note's stored content (`GET /api/v1/notes/{id}`).
    ///
    /// Verifies the token first (cached), so a 401 from the note route then means "no `features.notes`
    /// permission". Returns nil for no access (401, 403) or no such note (404); `canWrite` is Open WebUI's
    /// `write_access`. Not cached: a join or a save decision always sees current grants.
    ///
    /// - Throws: ``OpenWebUIHostError/invalidToken(_:)`` (refuse) or ``OpenWebUIHostError/unavailable(_:)``.
    public func noteAccess(
        noteID: String, token: String, now: ContinuousClock.Instant = .now
    ) async throws(OpenWebUIHostError) -> OpenWebUINote? {
        _ = try await self.user(token: token, now: now)
        guard let path = Self.notePath(noteID) else { return nil }
        let (status, body) = try await self.request(.get, path, token: token, kind: "note")
        switch status {
        case 200:
            guard let note = OpenWebUINote(json: body) else { throw .unavailable("unreadable note \(noteID)") }
            return note
        case 401, 403, 404:
            return nil
        default:
            throw Self.unexpected(status, body)
        }
    }

    /// Saves merged editor content into note `noteID` as `token`'s user (`POST /api/v1/notes/{id}/update` with
    /// `{"data": {"content": {"json", "html", "md"}}}`).
    ///
    /// This is the route Open WebUI's own socket server's save goes through (`NoteUpdateForm`; `title` is optional
    /// and left alone; `data` is merged shallowly, so `data.content` is replaced and other `data` keys kept). Open
    /// WebUI then emits `events:note` to `note:<id>` itself. Returns the saved note (`write_access` absent, so
    /// `canWrite` is false in it).
    ///
    /// - Throws: ``OpenWebUIHostError/forbidden(_:)`` (no write access now: save with another writer's token),
    ///   ``OpenWebUIHostError/notFound`` (deleted: stop), ``OpenWebUIHostError/invalidToken(_:)``,
    ///   ``OpenWebUIHostError/rejected(status:detail:)``, or ``OpenWebUIHostError/unavailable(_:)`` (retry). The
    ///   route answers 400 for any exception while writing (e.g. a locked database), which is treated as
    ///   retryable.
    @discardableResult
    public func saveNote(
        noteID: String, content: OpenWebUINoteContent, token: String
    ) async throws(OpenWebUIHostError) -> OpenWebUINote {
        guard !token.isEmpty, token.utf8.count <= self.configuration.maxTokenLength else {
            throw .invalidToken("empty or oversized token")
        }
        guard let path = Self.notePath(noteID).map({ $0 + "/update" }) else { throw .notFound }
        let body: JSONValue = ["data": ["content": content.jsonValue]]
        let (status, answer) = try await self.request(.post, path, token: token, json: body, kind: "save")
        switch status {
        case 200:
            guard let note = OpenWebUINote(json: answer) else { throw .unavailable("unreadable saved note \(noteID)") }
            return note
        case 400:
            throw .unavailable("400 \(Self.detail(answer))")
        case 401:
            // Either the token is no longer valid or the user lost `features.notes`; both mean "not with this token".
            self.invalidate(token: token)
            throw .forbidden("401 \(Self.detail(answer))")
        case 403:
            throw .forbidden("403 \(Self.detail(answer))")
        case 404:
            throw .notFound
        default:
            throw Self.unexpected(status, answer)
        }
    }

    /// The channels whose rooms `token`'s user joins on `user-join` / `join-channels` (`GET /api/v1/channels/`).
    ///
    /// Open WebUI's socket handlers join `channel:<id>` for every channel of `Channels.get_channels_by_user_id`
    /// when the user is an admin or has `features.channels`; `GET /api/v1/channels/` answers exactly that list for
    /// every role (`/list` would give an admin all channels). Channels disabled or no permission: an empty list.
    ///
    /// - Throws: ``OpenWebUIHostError/invalidToken(_:)`` or ``OpenWebUIHostError/unavailable(_:)``.
    public func channels(
        ofUserToken token: String, now: ContinuousClock.Instant = .now
    ) async throws(OpenWebUIHostError) -> [OpenWebUIChannel] {
        let user = try await self.user(token: token, now: now)
        guard user.canUseChannels else { return [] }
        let (status, body) = try await self.request(.get, "/api/v1/channels/", token: token, kind: "channels")
        switch status {
        case 200:
            guard let channels = OpenWebUIChannel.list(json: body) else { throw .unavailable("unreadable channels") }
            return channels
        case 401, 403:
            return []
        default:
            throw Self.unexpected(status, body)
        }
    }

    /// `/api/v1/notes/<id>` with the id percent-encoded (RFC 3986 unreserved characters pass); nil for "".
    static func notePath(_ noteID: String) -> String? {
        guard !noteID.isEmpty, noteID.utf8.count <= 1024 else { return nil }
        var encoded = ""
        for byte in noteID.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        guard encoded != ".", encoded != ".." else { return nil }
        return "/api/v1/notes/" + encoded
    }
}
