/// Decoding and encoding of bus messages in python-socketio's JSON shape.
///
/// Members are written in the order python-socketio builds its dicts (`async_pubsub_manager.py`), so a captured
/// message and its re-encoding differ only in whitespace: python's `json.dumps` separates with `", "` and `": "`,
/// this encoder compactly, as orjson does under Open WebUI's `ENABLE_ORJSON`. Non-ASCII is escaped as `\uXXXX`
/// like python's default `ensure_ascii=True`. Decoding ignores unknown members, as python-socketio does.
extension SocketIOBusMessage {
    /// Decodes one published message.
    /// - Throws: ``SocketIOBusError`` for malformed JSON, a missing or mistyped member, or an unknown method.
    public init(json bytes: [UInt8], limits: Limits = .default) throws(SocketIOBusError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, limits: limits.json)
        } catch {
            throw .invalidJSON(error)
        }
        try self.init(jsonValue: value, limits: limits)
    }

    /// Decodes an already parsed message.
    /// - Throws: ``SocketIOBusError`` for a missing or mistyped member, or an unknown method.
    public init(jsonValue value: JSONValue, limits: Limits = .default) throws(SocketIOBusError) {
        guard case .object(let object) = value else { throw .notAnObject }
        var fields = Fields(object: object)
        let method = try fields.string("method")
        switch method {
        case "emit": self = .emit(try Self.emit(&fields, limits: limits))
        case "callback":
            self = .callback(
                SocketIOBusCallback(
                    hostID: try fields.string("host_id"), sid: try fields.string("sid"),
                    namespace: try fields.namespace(), id: try fields.int("id"), arguments: try fields.array("args")))
        case "disconnect":
            self = .disconnect(sid: try fields.string("sid"), namespace: try fields.namespace(), hostID: try fields.hostID())
        case "enter_room":
            self = .enterRoom(
                sid: try fields.string("sid"), room: try fields.string("room"), namespace: try fields.namespace(),
                hostID: try fields.hostID())
        case "leave_room":
            self = .leaveRoom(
                sid: try fields.string("sid"), room: try fields.string("room"), namespace: try fields.namespace(),
                hostID: try fields.hostID())
        case "close_room":
            self = .closeRoom(room: try fields.string("room"), namespace: try fields.namespace(), hostID: try fields.hostID())
        default:
            throw .unknownMethod(method)
        }
    }

    private static func emit(_ fields: inout Fields, limits: Limits) throws(SocketIOBusError) -> SocketIOBusEmit {
        let event = try fields.string("event")
        let binary = try fields.optional("binary", expected: "a boolean") { $0.boolValue } ?? false
        var arguments = try fields.array("data")
        var attachments: [[UInt8]] = []
        if binary {
            // data = [arguments with placeholders, base64 attachment, …]
            guard case .array(let payload)? = arguments.first else {
                throw .wrongType(field: "data", expected: "[arguments, attachments…] for a binary emit")
            }
            let encoded = arguments.dropFirst()
            guard encoded.count <= limits.maxAttachments else {
                throw .tooManyAttachments(count: encoded.count, limit: limits.maxAttachments)
            }
            for (index, attachment) in encoded.enumerated() {
                guard case .string(let text) = attachment else { throw .wrongType(field: "data", expected: "base64 strings") }
                guard let bytes = try? Base64.decoding(Array(text.utf8)) else { throw .invalidAttachment(index: index) }
                attachments.append(bytes)
            }
            arguments = payload
        }
        let recipients: SocketIOBusRecipients
        switch fields.object["room"] {
        case nil, .null?: recipients = .everyone
        case .string(let room)?: recipients = .room(room)
        case .array(let rooms)?: recipients = .rooms(try Fields.strings(rooms, field: "room"))
        default: throw .wrongType(field: "room", expected: "null, a string or a list of strings")
        }
        let skipSIDs: [String]
        switch fields.object["skip_sid"] {
        case nil, .null?: skipSIDs = []
        case .string(let sid)?: skipSIDs = [sid]
        case .array(let sids)?: skipSIDs = try Fields.strings(sids, field: "skip_sid")
        default: throw .wrongType(field: "skip_sid", expected: "null, a string or a list of strings")
        }
        var callback: SocketIOBusCallbackRequest?
        switch fields.object["callback"] {
        case nil, .null?: callback = nil
        case .array(let parts)? where parts.count == 3:
            guard case .string(let room) = parts[0], case .string(let namespace) = parts[1], let id = parts[2].intValue
            else { throw .wrongType(field: "callback", expected: "[room, namespace, id]") }
            callback = SocketIOBusCallbackRequest(room: room, namespace: namespace, id: id)
        default: throw .wrongType(field: "callback", expected: "null or [room, namespace, id]")
        }
        return SocketIOBusEmit(
            event: event, arguments: arguments, attachments: attachments, namespace: try fields.namespace(),
            recipients: recipients, skipSIDs: skipSIDs, callback: callback, hostID: try fields.hostID())
    }

    /// The message as the JSON object python-socketio publishes, members in its order.
    public var jsonValue: JSONValue {
        var object = JSONObject()
        object["method"] = .string(self.method)
        switch self {
        case .emit(let emit):
            object["event"] = .string(emit.event)
            if emit.attachments.isEmpty {
                object["data"] = .array(emit.arguments)
            } else {
                object["data"] = .array([.array(emit.arguments)] + emit.attachments.map { .string(Base64.encode($0)) })
            }
            object["binary"] = .bool(!emit.attachments.isEmpty)
            object["namespace"] = .string(emit.namespace)
            switch emit.recipients {
            case .everyone: object["room"] = .null
            case .room(let room): object["room"] = .string(room)
            case .rooms(let rooms): object["room"] = .array(rooms.map { .string($0) })
            }
            switch emit.skipSIDs.count {
            case 0: object["skip_sid"] = .null
            case 1: object["skip_sid"] = .string(emit.skipSIDs[0])
            default: object["skip_sid"] = .array(emit.skipSIDs.map { .string($0) })
            }
            if let callback = emit.callback {
                object["callback"] = [.string(callback.room), .string(callback.namespace), .int(callback.id)]
            } else {
                object["callback"] = .null
            }
            if let host = emit.hostID { object["host_id"] = .string(host) }
        case .callback(let callback):
            object["host_id"] = .string(callback.hostID)
            object["sid"] = .string(callback.sid)
            object["namespace"] = .string(callback.namespace)
            object["id"] = .int(callback.id)
            object["args"] = .array(callback.arguments)
        case .disconnect(let sid, let namespace, let host):
            object["sid"] = .string(sid)
            object["namespace"] = .string(namespace)
            if let host { object["host_id"] = .string(host) }
        case .enterRoom(let sid, let room, let namespace, let host), .leaveRoom(let sid, let room, let namespace, let host):
            object["sid"] = .string(sid)
            object["room"] = .string(room)
            object["namespace"] = .string(namespace)
            if let host { object["host_id"] = .string(host) }
        case .closeRoom(let room, let namespace, let host):
            object["room"] = .string(room)
            object["namespace"] = .string(namespace)
            if let host { object["host_id"] = .string(host) }
        }
        return .object(object)
    }

    /// The UTF-8 JSON text to publish (compact, ASCII-only, python number layout).
    public func serializedBytes() -> [UInt8] {
        self.jsonValue.serializedBytes(options: JSONSerializer.Options(asciiOnly: true, numberStyle: .python))
    }
}

/// Typed member access that reports the member by name.
private struct Fields {
    let object: JSONObject

    func string(_ key: String) throws(SocketIOBusError) -> String {
        guard let value = self.object[key] else { throw .missingField(key) }
        guard case .string(let text) = value else { throw .wrongType(field: key, expected: "a string") }
        return text
    }

    func int(_ key: String) throws(SocketIOBusError) -> Int64 {
        guard let value = self.object[key] else { throw .missingField(key) }
        guard let number = value.intValue else { throw .wrongType(field: key, expected: "an integer") }
        return number
    }

    func array(_ key: String) throws(SocketIOBusError) -> [JSONValue] {
        guard let value = self.object[key] else { throw .missingField(key) }
        guard case .array(let elements) = value else { throw .wrongType(field: key, expected: "a list") }
        return elements
    }

    /// A member that may be absent or null.
    func optional<T>(
        _ key: String, expected: String, _ convert: (JSONValue) -> T?
    ) throws(SocketIOBusError) -> T? {
        guard let value = self.object[key], !value.isNull else { return nil }
        guard let converted = convert(value) else { throw .wrongType(field: key, expected: expected) }
        return converted
    }

    /// `namespace`, which python-socketio treats as `/` when absent or null.
    func namespace() throws(SocketIOBusError) -> String {
        try self.optional("namespace", expected: "a string") { $0.stringValue } ?? "/"
    }

    /// `host_id`, absent or null for publishers that do not identify themselves.
    func hostID() throws(SocketIOBusError) -> String? {
        try self.optional("host_id", expected: "a string") { $0.stringValue }
    }

    static func strings(_ values: [JSONValue], field: String) throws(SocketIOBusError) -> [String] {
        var strings: [String] = []
        strings.reserveCapacity(values.count)
        for value in values {
            guard case .string(let text) = value else { throw .wrongType(field: field, expected: "a list of strings") }
            strings.append(text)
        }
        return strings
    }
}
