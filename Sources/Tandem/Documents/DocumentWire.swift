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
            return socketIO(event).map {
                .socketIO(packet: $0, frame: WebSocketFrameEncoder.encode(.text(EngineIOPacket.message($0).encodedText)))
            }
        case .yWebSocket: return yWebSocket(event).map { .webSocketFrame(WebSocketFrameEncoder.encode(.binary($0))) }
        }
    }

    /// The Socket.IO packet text of `event` (`2["name",{…}]`).
    static func socketIO(_ event: DocumentEvent) -> String? {
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
        }
        return SocketIOPacket.event(name, [payload]).encoded
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
        case .awareness, .joined, .left:
            return nil
        }
    }
}
