import Foundation
import Wire

extension RedisChannelStorage {
    public func post(_ channelID: String, userID: String, content: String, parentID: String?, now: Int64)
        async throws(ChannelError) -> ChannelMessage
    {
        // The file store checks the channel and membership before the content; so does this.
        try await requireMember(channelID, userID: userID, isAdmin: false)
        try limits.validate(content: content)
        let message = ChannelMessage(
            id: UUID().uuidString.lowercased(), channelID: channelID, userID: userID, content: content,
            parentID: parentID, createdAt: now)
        let reply = try await evaluate(
            ChannelScripts.post,
            keys: [
                keys.channel(channelID), keys.channelMembers(channelID), keys.channelMessages(channelID),
                keys.channelOrder(channelID), keys.channelSequence(channelID),
            ],
            arguments: [userID, message.id, message.json.serialized(), parentID ?? ""], "post message")
        try Self.check(reply, channelID: channelID, messageID: parentID ?? "")
        return message
    }

    public func edit(
        _ channelID: String, messageID: String, content: String, by userID: String, isAdmin: Bool, now: Int64
    ) async throws(ChannelError) -> ChannelMessage {
        try await change(channelID, messageID: messageID, by: userID, isAdmin: isAdmin) { message throws(ChannelError) in
            try limits.validate(content: content)
            var edited = message
            edited.content = content
            edited.updatedAt = now
            return edited
        }
    }

    public func delete(_ channelID: String, messageID: String, by userID: String, isAdmin: Bool) async throws(ChannelError)
        -> ChannelMessage
    {
        try await change(channelID, messageID: messageID, by: userID, isAdmin: isAdmin) { _ in nil }
    }

    public func messages(_ channelID: String, userID: String, isAdmin: Bool, skip: Int, limit: Int?)
        async throws(ChannelError) -> [ChannelMessage]
    {
        let size = limits.pageSize(limit)
        let reply = try await evaluate(
            ChannelScripts.page,
            keys: [
                keys.channel(channelID), keys.channelMembers(channelID), keys.channelOrder(channelID),
                keys.channelMessages(channelID),
            ],
            arguments: [userID, isAdmin ? "1" : "0", String(max(skip, 0)), String(size)], "read messages")
        try Self.check(reply, channelID: channelID, messageID: "")
        return (reply.arrayValue ?? []).prefix(limits.maxPageSize).compactMap { (value: RESPValue) -> ChannelMessage? in
            guard !value.isNull else { return nil }  // deleted between the two reads of the script: none
            guard let message = decodeMessage(value, channelID: channelID) else {
                self.skip(keys.channelMessages(channelID), "a message that does not decode")
                return nil
            }
            return message
        }
    }

    // MARK: Internals

    /// Throws unless the channel exists and `userID` is a member (or an admin).
    private func requireMember(_ channelID: String, userID: String, isAdmin: Bool) async throws(ChannelError) {
        let reply = try await evaluate(
            ChannelScripts.message,
            keys: [keys.channel(channelID), keys.channelMembers(channelID), keys.channelMessages(channelID)],
            arguments: [userID, isAdmin ? "1" : "0", ""], "check membership")
        guard reply.integerValue != -2 else { return }
        try Self.check(reply, channelID: channelID, messageID: "")
    }

    /// Reads a message, lets `transform` make its new version (nil: delete it) after the author check, and writes it
    /// if the stored message is still the one read; retried when another node changed it meanwhile.
    private func change(
        _ channelID: String, messageID: String, by userID: String, isAdmin: Bool,
        _ transform: (ChannelMessage) throws(ChannelError) -> ChannelMessage?
    ) async throws(ChannelError) -> ChannelMessage {
        let scriptKeys = [
            keys.channel(channelID), keys.channelMembers(channelID), keys.channelMessages(channelID),
            keys.channelOrder(channelID),
        ]
        for attempt in 0...max(settings.casRetries, 0) {
            if attempt > 0 {
                // Back off with jitter (up to 1, 2, 4 … 64 ms) so writers racing on one message spread out
                // instead of colliding again in lockstep.
                let ceiling = 1_000 << min(attempt - 1, 6)
                try? await Task.sleep(for: .microseconds(Int.random(in: ceiling / 2...ceiling)))
            }
            let read = try await evaluate(
                ChannelScripts.message, keys: Array(scriptKeys.prefix(3)),
                arguments: [userID, isAdmin ? "1" : "0", messageID], "read message")
            try Self.check(read, channelID: channelID, messageID: messageID)
            guard let stored = read.bytesValue, read.integerValue == nil,
                let message = decodeMessage(read, channelID: channelID), message.id.bytewiseEquals(messageID)
            else {
                skip(keys.channelMessages(channelID), "message \(messageID) does not decode")
                throw .messageNotFound(messageID)
            }
            guard isAdmin || message.userID.bytewiseEquals(userID) else { throw .notAllowed }
            let changed = try transform(message)
            let reply = try await evaluate(
                ChannelScripts.replace, keys: scriptKeys,
                arguments: [
                    userID, isAdmin ? "1" : "0", messageID, String(decoding: stored, as: UTF8.self),
                    changed?.json.serialized() ?? "",
                ], changed == nil ? "delete message" : "edit message")
            if reply.integerValue == -3 { continue }  // changed since it was read: read it again
            try Self.check(reply, channelID: channelID, messageID: messageID)
            return changed ?? message
        }
        throw .storage("message \(messageID) kept changing on other nodes; try again")
    }

    private func decodeMessage(_ value: RESPValue, channelID: String) -> ChannelMessage? {
        guard let bytes = value.bytesValue, let json = try? JSONValue(parsing: bytes),
            let message = ChannelMessage(json: json), message.channelID.bytewiseEquals(channelID)
        else { return nil }
        return message
    }
}
