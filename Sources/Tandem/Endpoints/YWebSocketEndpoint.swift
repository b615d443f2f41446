import Foundation
import Wire
import YCRDT

/// The y-websocket endpoint: `/yjs/<document-id>?token=<jwt>`, speaking y-protocols sync and awareness over binary
/// messages, on the same ``DocumentManager`` as the Socket.IO endpoint.
///
/// On connect the server sends sync step 1 (its state vector) and the known awareness states, as y-websocket's own
/// server does; it answers a client's step 1 with step 2 (the diff), applies step 2 and updates from writers, relays
/// awareness, and answers query-awareness. A read-only client's step 2 and updates are refused with an auth
/// permission-denied message (sent once) and its awareness is dropped unless configured otherwise. See
/// Docs/protocols.md.
public struct YWebSocketEndpoint: Sendable {
    /// The path prefix (default `/yjs/`); the rest of the path, percent-decoded, is the document id.
    public var pathPrefix: String
    public let manager: DocumentManager
    public let authenticator: TokenAuthenticator
    /// Confirms users with the host application (Open WebUI mode); nil trusts the token's claims.
    public let userSource: (any TokenUserSource)?
    /// The per-user connection table and limit (``UserConnections``); past the limit the upgrade gets 429.
    public var connections: UserConnections?

    public init(
        pathPrefix: String = "/yjs/", manager: DocumentManager, authenticator: TokenAuthenticator,
        userSource: (any TokenUserSource)? = nil
    ) {
        self.pathPrefix = pathPrefix.hasSuffix("/") ? pathPrefix : pathPrefix + "/"
        self.manager = manager
        self.authenticator = authenticator
        self.userSource = userSource
    }

    /// Adds the WebSocket route to `router`.
    public func install(on router: inout Router) {
        let endpoint = self
        router.webSocket(pathPrefix) { request, outbound in
            try await endpoint.open(request: request, outbound: outbound)
        }
    }

    /// Authenticates, joins the document and greets the client; throws ``HTTPError`` to refuse the upgrade.
    func open(request: HTTPRequest, outbound: WebSocketOutbound) async throws -> any WebSocketSession {
        let encoded = String(request.path.dropFirst(pathPrefix.count))
        guard !encoded.isEmpty, let documentID = HTTPRequest.percentDecode(encoded), documentID.utf8.count <= 1024 else {
            throw HTTPError(.notFound, message: "missing document id: connect to \(pathPrefix)<document-id>")
        }
        let token = request.query["token"]
        guard var user = authenticator.user(token: token), let token else {
            throw HTTPError(.unauthorized, message: "missing, invalid or expired token")
        }
        if let userSource {
            switch await userSource.user(token: token, claims: authenticator.claims(token: token) ?? [:]) {
            case .user(let host):
                guard let confirmed = user.confirmed(by: host) else {
                    throw HTTPError(.unauthorized, message: "token refused: log in again")
                }
                user = confirmed
            case .refused:
                throw HTTPError(.unauthorized, message: "token refused: log in again")
            case .unavailable:
                throw HTTPError(.serviceUnavailable, message: "authentication temporarily unavailable, retry later")
            }
        }
        let peerID = "yws-\(outbound.connectionID)"
        if let connections, !(await connections.admit(.init(id: peerID, userID: user.id, kind: "y-websocket", target: documentID))) {
            throw HTTPError(AuthOutcome.tooManyConnections.httpStatus, message: AuthOutcome.tooManyConnections.message)
        }
        let peer = DocumentPeer(id: peerID, kind: .yWebSocket, user: user)
        // The room greets the client through `outbound` (sync step 1, then the known awareness states).
        do {
            try await manager.join(documentID, peer: peer, outbound: outbound)
        } catch DocumentRefusal.tooManyDocuments(let limit) {
            connections?.unregister(peerID)
            return Self.refuseOverLimit(outbound, documentID: documentID, limit: limit)
        } catch {
            connections?.unregister(peerID)
            throw Self.refusal(error, documentID: documentID)
        }
        let session = YWebSocketSession(
            documentID: documentID, peer: peer, manager: manager, outbound: outbound, connections: connections)
        if let expiresAt = user.expiresAt { session.closeWhenTokenExpires(at: expiresAt) }
        return session
    }

    /// Refuses a connection past ``DocumentConfiguration/maxDocumentsPerUser``: the upgrade is accepted (a browser
    /// cannot read a refused upgrade's status), a `refused` notice with code `limit` is sent, and the connection is
    /// closed with 4029 (``AuthOutcome/tooManyDocuments``).
    static func refuseOverLimit(_ outbound: WebSocketOutbound, documentID: String, limit: Int) -> any WebSocketSession {
        let event = DocumentEvent.refused(
            documentID: documentID, code: "limit", message: DocumentRefusal.tooManyDocuments(limit).description,
            limit: limit)
        if let bytes = DocumentWire.yWebSocket(event) { outbound.send(binary: bytes) }
        let outcome = AuthOutcome.tooManyDocuments
        outbound.close(code: outcome.closeCode, reason: outcome.message)
        return ClosureWebSocketSession(received: { _ in })
    }

    static func refusal(_ error: any Error, documentID: String) -> HTTPError {
        do { throw error } catch DocumentRefusal.forbidden {
            return HTTPError(.forbidden, message: "access denied to \(documentID)")
        } catch DocumentRefusal.notFound {
            return HTTPError(.notFound, message: "no such note: \(documentID)")
        } catch DocumentRefusal.storageFailed(let why), DocumentRefusal.loadFailed(let why),
            DocumentRefusal.unavailable(let why)
        {
            return HTTPError(.serviceUnavailable, message: why)
        } catch {
            return HTTPError(.internalServerError, message: "\(error)")
        }
    }
}

extension WebSocketCloseCode {
    /// 4401 "token expired": the connection's JWT `exp` passed while it was open (issue 19), the code of
    /// ``AuthOutcome/expired`` in every protocol (Docs/events.md). In the private-use range (RFC 6455 §7.4.2) so a
    /// client can tell it apart from other policy closes and fetch a fresh token before reconnecting.
    public static let tokenExpired = AuthOutcome.expired.closeCode
}

/// One y-websocket connection's protocol handling.
final class YWebSocketSession: WebSocketSession, @unchecked Sendable {
    let documentID: String
    let peer: DocumentPeer
    let manager: DocumentManager
    let outbound: WebSocketOutbound
    let connections: UserConnections?
    /// Touched only from `received`, which the server calls one message at a time.
    private var toldReadOnly = false
    /// Closes the connection when the token expires; cancelled when it closes first.
    private let expiry = Locked<Task<Void, Never>?>(nil)

    init(
        documentID: String, peer: DocumentPeer, manager: DocumentManager, outbound: WebSocketOutbound,
        connections: UserConnections? = nil
    ) {
        self.connections = connections
        self.documentID = documentID
        self.peer = peer
        self.manager = manager
        self.outbound = outbound
    }

    func received(_ message: WebSocketMessage) async {
        guard case .binary(let bytes) = message else {
            outbound.close(code: .unsupportedData, reason: "y-websocket messages are binary")
            return
        }
        let decoded: ProtocolMessage
        do {
            decoded = try ProtocolMessage(bytes: bytes)
        } catch {
            outbound.close(code: .unsupportedData, reason: String("bad message: \(error)".prefix(120)))
            return
        }
        switch decoded {
        case .sync(.step1(let vector)):
            do {
                outbound.send(encodedFrame: try await manager.syncStep2Frame(documentID, stateVector: vector))
            } catch {
                outbound.close(code: .unsupportedData, reason: String("bad state vector: \(error)".prefix(120)))
            }
        case .sync(.step2(let update)), .sync(.update(let update)):
            // Write access is the room's to decide (it changes when grants change): a refusal answers below.
            do {
                try await manager.applyUpdate(documentID, update: update, from: peer)
            } catch DocumentRefusal.readOnly {
                denyWrite()
            } catch DocumentRefusal.documentTooLarge(let limit) {
                // A typed notice instead of a dropped socket; the document stays editable (deletes pass).
                let refusal = DocumentRefusal.documentTooLarge(limit)
                let event = DocumentEvent.refused(
                    documentID: documentID, code: "document_too_large", message: refusal.description, limit: limit)
                if let bytes = DocumentWire.yWebSocket(event) { outbound.send(binary: bytes) }
            } catch DocumentRefusal.storageFailed {
                // Not stored, so not applied: the client keeps the update and sends it again when it reconnects
                // and syncs (y-websocket reconnects after a close).
                outbound.close(code: .tryAgainLater, reason: "storage unavailable, try again later")
            } catch DocumentRefusal.notMember {
                outbound.close(code: .policyViolation, reason: "no longer a member of this document")
            } catch {
                outbound.close(code: .unsupportedData, reason: String("update rejected: \(error)".prefix(120)))
            }
        case .awareness(let update):
            do {
                try await manager.awarenessFromYProtocols(documentID, bytes: update, from: peer)
            } catch DocumentRefusal.readOnly {
                return
            } catch {
                outbound.close(code: .unsupportedData, reason: String("bad awareness: \(error)".prefix(120)))
            }
        case .queryAwareness:
            if let states = await manager.awarenessStates(documentID) {
                outbound.send(binary: ProtocolMessage.awareness(states).encoded())
            }
        case .authPermissionDenied:
            return  // only servers send these
        }
    }

    func closed(code: WebSocketCloseCode) async {
        connections?.unregister(peer.id)
        expiry.withLock { $0?.cancel() }
        await manager.leave(documentID, peer: peer)
    }

    /// Closes the connection with ``WebSocketCloseCode/tokenExpired`` when the wall clock reaches `expiresAt`
    /// (seconds since 1970, the token's `exp`): a token that expires while connected stops working (issue 19).
    func closeWhenTokenExpires(at expiresAt: Double, now: Double = Date().timeIntervalSince1970) {
        let delay = Duration.milliseconds(Int64(max(0, min(expiresAt - now, 1e9)) * 1000))
        let (outbound, peer) = (self.outbound, self.peer)
        let task = Task {
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            Log.shared.info("token expired, closing", ["peer": peer.id, "user": peer.userID])
            outbound.close(code: .tokenExpired, reason: "token expired")
        }
        expiry.withLock { $0 = task }
    }

    private func denyWrite() {
        guard !toldReadOnly else { return }
        toldReadOnly = true
        outbound.send(binary: ProtocolMessage.authPermissionDenied(reason: "read-only access").encoded())
    }
}
