import Wire
import YCRDT

/// Connects the document manager to the Socket.IO server: the `ydoc:*` event handlers of Open WebUI's editor and
/// the relay that turns ``DocumentEvent``s into Socket.IO emits on `doc_<document_id>` rooms.
///
/// Events and payloads follow Open WebUI (../shared/docs/openwebui-protocol.md §3) with its known bugs fixed:
/// updates are validated before they are stored or relayed (an invalid one gets an `error` event), a content-only
/// update (`data` without `update`) is a save and is not relayed, leaving and disconnecting tell the room
/// (`ydoc:user:left`) and clear the departed cursor, and the history is saved, not deleted, when the last user leaves.
public enum SocketIODocumentBridge {
    /// Registers the `ydoc:*` handlers and the relay.
    public static func install(on server: SocketIOServer, manager: DocumentManager) async {
        await manager.register(SocketIODocumentRelay(server: server))
        await server.on("ydoc:document:join") { event in
            guard let (peer, documentID) = peerAndDocument(event) else { return await invalid(event, server) }
            do {
                try await manager.join(
                    documentID, peer: peer, name: event.data?["user_name"]?.stringValue,
                    color: event.data?["user_color"]?.stringValue)
            } catch {
                await sendError(server, to: peer.id, documentID: documentID, "Failed to join document: \(error)")
            }
        }
        await server.on("ydoc:document:state") { event in
            guard let (peer, documentID) = peerAndDocument(event) else { return await invalid(event, server) }
            do {
                try await manager.resync(documentID, peer: peer)
            } catch {
                await sendError(server, to: peer.id, documentID: documentID, "Failed to send document state: \(error)")
            }
        }
        await server.on("ydoc:document:update") { event in
            guard let (peer, documentID) = peerAndDocument(event), let data = event.data else {
                return await invalid(event, server)
            }
            var update: [UInt8]?
            if let value = data["update"], !value.isNull {
                guard let bytes = try? value.bytes() else {
                    return await sendError(
                        server, to: peer.id, documentID: documentID, "Invalid update: expected an array of bytes")
                }
                update = bytes
            }
            let noteData = data["data"]?.objectValue
            do {
                try await manager.applyUpdate(documentID, update: update, noteData: noteData, from: peer)
            } catch {
                await sendError(server, to: peer.id, documentID: documentID, "Update rejected: \(error)")
            }
        }
        await server.on("ydoc:document:leave") { event in
            guard let (peer, documentID) = peerAndDocument(event) else { return await invalid(event, server) }
            await manager.leave(documentID, peer: peer)
        }
        await server.on("ydoc:awareness:update") { event in
            guard let (peer, documentID) = peerAndDocument(event),
                let bytes = try? event.data?["update"]?.bytes()
            else { return await invalid(event, server) }
            do {
                try await manager.awarenessFromJSON(documentID, bytes: bytes, from: peer)
            } catch DocumentRefusal.readOnly {
                return  // read-only awareness is dropped silently, as configured
            } catch {
                await sendError(server, to: peer.id, documentID: documentID, "Awareness rejected: \(error)")
            }
        }
        await server.onDisconnect { session in
            guard let user = session.user else { return }
            await manager.disconnect(peer(session: session, user: user))
        }
    }

    static func peer(session: SocketIOSession, user: SocketIOUser) -> DocumentPeer {
        DocumentPeer(id: session.sid, kind: .socketIO, userID: user.id, userName: user.name, isAdmin: user.role == "admin")
    }

    /// The sender as a peer and the event's `document_id`; nil when either is missing.
    static func peerAndDocument(_ event: SocketIOEvent) -> (DocumentPeer, String)? {
        guard let user = event.session.user, let documentID = event.data?["document_id"]?.stringValue,
            !documentID.isEmpty, documentID.utf8.count <= 1024
        else { return nil }
        return (peer(session: event.session, user: user), documentID)
    }

    static func invalid(_ event: SocketIOEvent, _ server: SocketIOServer) async {
        guard event.session.user != nil else { return }
        await server.emit(
            "error", [["message": .string("Invalid \(event.name) payload: expected an object with document_id")]],
            to: event.session.sid)
    }

    static func sendError(_ server: SocketIOServer, to sid: String, documentID: String, _ message: String) async {
        await server.emit("error", [["message": .string(message), "document_id": .string(documentID)]], to: sid)
    }
}

/// Turns document events into Socket.IO emits, in order, on one consumer task.
struct SocketIODocumentRelay: DocumentRelay {
    let kind = DocumentPeer.Kind.socketIO
    private let continuation: AsyncStream<DocumentEvent>.Continuation

    init(server: SocketIOServer) {
        let (stream, continuation) = AsyncStream<DocumentEvent>.makeStream()
        self.continuation = continuation
        Task {
            for await event in stream { await SocketIODocumentRelay.emit(event, server: server) }
        }
    }

    func deliver(_ event: DocumentEvent, members: [DocumentPeer]) {
        continuation.yield(event)
    }

    static func room(_ documentID: String) -> String { "doc_" + documentID }

    static func emit(_ event: DocumentEvent, server: SocketIOServer) async {
        switch event {
        case .state(let documentID, let state, let sessions, let peer):
            guard peer.kind == .socketIO else { return }
            await server.join(peer.id, room: room(documentID))
            let payload: JSONValue = [
                "document_id": .string(documentID), "state": .byteArray(state),
                "sessions": .array(sessions.map(JSONValue.string)),
            ]
            await server.emit("ydoc:document:state", [payload], to: peer.id)
        case .update(let documentID, let update, let origin):
            let payload: JSONValue = [
                "document_id": .string(documentID), "user_id": .string(origin.userID), "update": .byteArray(update),
                "socket_id": .string(origin.id),
            ]
            await server.emit("ydoc:document:update", [payload], to: room(documentID), skipping: origin.id)
        case .awareness(let documentID, let json, _, let origin):
            guard let json else { return }
            let payload: JSONValue = [
                "document_id": .string(documentID), "user_id": .string(origin?.userID ?? ""),
                "update": .byteArray(json),
            ]
            await server.emit("ydoc:awareness:update", [payload], to: room(documentID), skipping: origin?.id)
        case .joined(let documentID, let peer, let name, let color):
            let payload: JSONValue = [
                "document_id": .string(documentID), "user_id": .string(peer.userID), "user_name": .string(name),
                "user_color": .string(color),
            ]
            await server.emit("ydoc:user:joined", [payload], to: room(documentID), skipping: peer.id)
        case .left(let documentID, let peer):
            if peer.kind == .socketIO { await server.leave(peer.id, room: room(documentID)) }
            let payload: JSONValue = ["document_id": .string(documentID), "user_id": .string(peer.userID)]
            await server.emit("ydoc:user:left", [payload], to: room(documentID), skipping: peer.id)
        case .error(let documentID, let message, let peer):
            guard peer.kind == .socketIO else { return }
            await server.emit(
                "error", [["message": .string(message), "document_id": .string(documentID)]], to: peer.id)
        }
    }
}
