import Wire
import YCRDT

/// Connects the document rooms to the Socket.IO server: the `ydoc:*` event handlers of Open WebUI's editor decode
/// the event and call the room; the room sends to the socket through a ``SocketIOPeerOutbound``.
///
/// Events and payloads follow Open WebUI (../shared/docs/openwebui-protocol.md §3) with its known bugs fixed:
/// updates are validated before they are stored or relayed (an invalid one gets an `error` event), a content-only
/// update (`data` without `update`) is a save and is not relayed, leaving and disconnecting tell the room
/// (`ydoc:user:left`) and clear the departed cursor, and the history is saved, not deleted, when the last user leaves.
/// The `user_name` of a join is ignored: members are announced under their authenticated name (``MemberDisplay``).
public enum SocketIODocumentBridge {
    /// Registers the `ydoc:*` handlers.
    public static func install(on server: SocketIOServer, manager: DocumentManager) async {
        await server.on("ydoc:document:join") { event in
            guard let (peer, documentID) = peerAndDocument(event) else { return await invalid(event, server) }
            do {
                try await manager.join(
                    documentID, peer: peer, outbound: SocketIOPeerOutbound(server: server, engineSID: event.session.engineSID),
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
            if data["initialize"]?.boolValue == true, let update, let ack = event.ack {
                // Open WebUI 0.12's seeding handshake: the client waits for this ack before it allows edits.
                do {
                    let state = try await manager.initialize(documentID, seed: update, from: peer)
                    await ack([.byteArray(state)])
                } catch {
                    await ack([])
                    await sendError(server, to: peer.id, documentID: documentID, "Update rejected: \(error)")
                }
                return
            }
            do {
                try await manager.applyUpdate(documentID, update: update, noteData: noteData, from: peer)
                if let ack = event.ack { await ack([]) }
            } catch {
                if let ack = event.ack { await ack([]) }
                if case DocumentRefusal.documentTooLarge(let limit)? = error as? DocumentRefusal,
                    let (name, payload) = DocumentWire.notice(
                        .refused(documentID: documentID, code: "document_too_large", message: "\(error)", limit: limit))
                {
                    await server.emit(name, [payload], to: .session(peer.id))
                }
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

    static func peer(session: SocketIOSession, user: AuthenticatedUser) -> DocumentPeer {
        DocumentPeer(id: session.sid, kind: .socketIO, user: user)
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
            to: .session(event.session.sid))
    }

    static func sendError(_ server: SocketIOServer, to sid: String, documentID: String, _ message: String) async {
        await server.emit("error", [["message": .string(message), "document_id": .string(documentID)]], to: .session(sid))
    }
}
