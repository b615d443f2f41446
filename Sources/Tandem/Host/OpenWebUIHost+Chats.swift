import Wire

extension OpenWebUIHost {
    /// Whether `token`'s user may read chat `chatID` (`GET /api/v1/chats/{id}`, Open WebUI's
    /// `get_accessible_chat_by_id`), for `events:chat {type: join}`: only readers enter `chat:<id>`.
    /// - Throws: ``OpenWebUIHostError/unavailable(_:)`` when Open WebUI did not answer.
    public func chatAccessible(chatID: String, token: String, now: ContinuousClock.Instant = .now) async throws(
        OpenWebUIHostError
    ) -> Bool {
        _ = try await self.user(token: token, now: now)
        guard let path = Self.chatPath(chatID) else { return false }
        let (status, body) = try await self.request(.get, path, token: token, kind: "chat")
        switch status {
        case 200: return body.objectValue != nil
        case 401, 403, 404: return false
        default: throw Self.unexpected(status, body)
        }
    }

    /// `/api/v1/chats/<id>` for ids Open WebUI makes (letters, digits, `-`, `_`, at most 128); nil for others, so
    /// nothing else can be put in the path.
    static func chatPath(_ chatID: String) -> String? {
        guard !chatID.isEmpty, chatID.utf8.count <= 128,
            chatID.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else { return nil }
        return "/api/v1/chats/" + chatID
    }
}
