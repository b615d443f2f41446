import Wire
import YCRDT

/// Encodes a ``DocumentEvent`` for one protocol, once, so a room hands the same bytes to every subscriber of that
/// protocol.
///
/// Socket.IO events follow Open WebUI 0.12.4 (../shared/docs/openwebui-0.12.md, "What the real web client sends and
/// expects"); y-websocket events follow y-protocols (sync step 1 on join, sync updates, awareness updates).
public enum DocumentWire {
    /// The bytes of `event` for peers of `kind`; nil when the protocol has no message for it.
    public static func encode(_ event: DocumentEvent, for kind: DocumentPeer.Kind) -> DocumentWireMessage? {
        switch kind {
        case .socketIO:
            return socketIO(event).map { .socketIO(SocketIOWireMessage(packet: $0)) }
        case .yWebSocket: return yWebSocket(event).map { .webSocketFrame(WebSocketFrameEncoder.encode(.binary($0))) }
        }
    }

    /// The Socket.IO packet text of `event` (`2["name",{…}]`).
    static func socketIO(_ event: DocumentEvent) -> String? {
        socketIOWithBytes(event) ?? socketIOFromValues(event)
    }

    /// The Socket.IO packet text of `event` built as a ``JSONValue`` (every event; the reference for
    /// ``socketIOWithBytes(_:)``).
    static func socketIOFromValues(_ event: DocumentEvent) -> String? {
        let name: String
        let payload: JSONValue
        switch event {
        case .state(let documentID, let state, _, let sessions, let content):
            name = "ydoc:document:state"
            var object: JSONObject = ["document_id": .string(documentID), "state": .byteArray(state)]
            if let content { object["content"] = content } else { object["sessions"] = .array(sessions.map(JSONValue.string)) }
            payload = .object(object)
        case .update(let documentID, let update, let origin):
            name = "ydoc:document:update"
            payload = [
                "document_id": .string(documentID), "user_id": .string(origin.userID), "update": .byteArray(update),
                "socket_id": .string(origin.id),
            ]
        case .awareness(let documentID, let json, _, let origin):
            guard let json else { return nil }
            name = "ydoc:awareness:update"
            payload = [
                "document_id": .string(documentID), "user_id": .string(origin?.userID ?? ""),
                "update": .byteArray(json),
            ]
        case .joined(let documentID, let peer, let userName, let color):
            name = "ydoc:user:joined"
            payload = [
                "document_id": .string(documentID), "user_id": .string(peer.userID), "user_name": .string(userName),
                "user_color": .string(color),
            ]
        case .left(let documentID, let peer):
            name = "ydoc:user:left"
            payload = ["document_id": .string(documentID), "user_id": .string(peer.userID)]
        case .error(let documentID, let message):
            name = "error"
            payload = ["message": .string(message), "document_id": .string(documentID)]
        case .saved, .saveFailed, .refused:
            guard let notice = notice(event) else { return nil }
            (name, payload) = notice
        }
        return SocketIOPacket.event(name, [payload]).encoded
    }

    /// The packet text of the events that carry Yjs bytes (state, update), written straight from the bytes: the
    /// same text as the ``JSONValue`` path (same keys in the same order), without a ``JSONValue`` per byte (a 4 MB
    /// state was 4 million enum values, about 100 MB, per joiner; issue 16). Nil for other events.
    static func socketIOWithBytes(_ event: DocumentEvent) -> String? {
        var json: JSONSerializer
        switch event {
        case .state(let documentID, let state, _, let sessions, let content):
            var bytes = statePacketHead(documentID: documentID, state: state)
            bytes.append(contentsOf: statePacketTail(sessions: sessions, content: content))
            return String(decoding: bytes, as: UTF8.self)
        case .update(let documentID, let update, let origin):
            json = JSONSerializer(reservingCapacity: update.count * 4 + documentID.utf8.count + 160)
            json.appendRaw(#"2["ydoc:document:update",{"document_id":"#)
            json.writeString(documentID)
            json.appendRaw(#","user_id":"#)
            json.writeString(origin.userID)
            json.appendRaw(#","update":"#)
            json.writeByteArray(update)
            json.appendRaw(#","socket_id":"#)
            json.writeString(origin.id)
        default:
            return nil
        }
        json.appendRaw("}]")
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// The start of a `ydoc:document:state` packet, through the state array:
    /// `2["ydoc:document:state",{"document_id":"…","state":[…]` — the costly part (about 4 bytes of text per state
    /// byte), the same for every joiner of one document version (``DocumentRoom`` keeps it, DocumentRoom+JoinCache).
    static func statePacketHead(documentID: String, state: [UInt8]) -> [UInt8] {
        var json = JSONSerializer(reservingCapacity: state.count * 4 + documentID.utf8.count + 128)
        json.appendRaw(#"2["ydoc:document:state",{"document_id":"#)
        json.writeString(documentID)
        json.appendRaw(#","state":"#)
        json.writeByteArray(state)
        return json.bytes
    }

    /// The rest of a `ydoc:document:state` packet after ``statePacketHead(documentID:state:)``: `,"content":…}]` on
    /// a join with the note's content (Open WebUI 0.12 seeding), else `,"sessions":[…]}]`.
    static func statePacketTail(sessions: [String], content: JSONValue?) -> [UInt8] {
        var json = JSONSerializer(reservingCapacity: 64)
        if let content {
            json.appendRaw(#","content":"#)
            json.write(content)
        } else {
            json.appendRaw(#","sessions":"#)
            json.write(.array(sessions.map(JSONValue.string)))
        }
        json.appendRaw("}]")
        return json.bytes
    }

    /// The y-protocols message of `event`.
    static func yWebSocket(_ event: DocumentEvent) -> [UInt8]? {
        switch event {
        case .state(_, _, let stateVector, _, _):
            return ProtocolMessage.sync(.step1(stateVector: stateVector)).encoded()
        case .update(_, let update, _):
            return ProtocolMessage.sync(.update(update)).encoded()
        case .awareness(_, _, let yProtocols?, _):
            return ProtocolMessage.awareness(yProtocols).encoded()
        case .error(_, let message):
            return ProtocolMessage.authPermissionDenied(reason: message).encoded()
        case .saved, .saveFailed, .refused:
            guard let (name, payload) = notice(event) else { return nil }
            var object = payload.objectValue ?? [:]
            object["type"] = .string(name)
            return tandemNotice(JSONValue.object(object).serialized())
        case .awareness, .joined, .left:
            return nil
        }
    }

    /// y-websocket message type of Tandem's notices (save receipts, refusals): 100, outside y-protocols' 0–3 and
    /// Hocuspocus's 0–8. y-websocket's `readMessage` logs "Unable to compute message" for a type it has no handler
    /// for and goes on, and its `messageHandlers` array is per provider, so clients may register one. Payload: a
    /// varString holding a JSON object whose `type` is the Socket.IO event name. See Docs/history.md.
    public static let tandemNoticeType: UInt8 = 100

    /// `[100, varUint(length), UTF-8 JSON]`.
    static func tandemNotice(_ json: String) -> [UInt8] {
        var bytes: [UInt8] = [tandemNoticeType]
        var length = json.utf8.count
        while length >= 0x80 {
            bytes.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        bytes.append(UInt8(length))
        bytes.append(contentsOf: json.utf8)
        return bytes
    }

    /// The Socket.IO name and payload of a notice event.
    static func notice(_ event: DocumentEvent) -> (String, JSONValue)? {
        switch event {
        case .saved(let documentID, let stateVector):
            return ("ydoc:document:saved", ["document_id": .string(documentID), "state_vector": .byteArray(stateVector)])
        case .saveFailed(let documentID, let message):
            return ("ydoc:document:save_failed", ["document_id": .string(documentID), "message": .string(message)])
        case .refused(let documentID, let code, let message, let limit):
            var object: JSONObject = ["document_id": .string(documentID), "code": .string(code), "message": .string(message)]
            if let limit { object["limit"] = .int(Int64(limit)) }
            return ("ydoc:document:refused", .object(object))
        default:
            return nil
        }
    }
}
