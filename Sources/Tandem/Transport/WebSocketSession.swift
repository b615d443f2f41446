import Wire

/// The application side of one WebSocket connection, created by a ``WebSocketSessionFactory``.
///
/// The server calls the methods from one task per connection, one at a time and in order: every complete inbound
/// message, then exactly one ``closed(code:)``. While a call is suspended no further message is delivered, and once
/// unprocessed inbound bytes pass the server's limit it stops reading the socket (TCP backpressure).
/// Send through the ``WebSocketOutbound`` the factory received.
public protocol WebSocketSession: Sendable {
    /// A complete text or binary message arrived (fragments reassembled, text validated as UTF-8).
    func received(_ message: WebSocketMessage) async
    /// The connection ended. `code` is the close handshake's code (the peer's, or ours, e.g. 1001 on shutdown,
    /// 1002 on a protocol error), or 1006 (``WebSocketCloseCode/abnormalClosure``) if TCP ended without one.
    func closed(code: WebSocketCloseCode) async
}

/// A session built from two closures, for small endpoints and tests.
public struct ClosureWebSocketSession: WebSocketSession {
    private let onMessage: @Sendable (WebSocketMessage) async -> Void
    private let onClose: @Sendable (WebSocketCloseCode) async -> Void

    /// Creates a session that forwards to the closures.
    public init(
        received: @escaping @Sendable (WebSocketMessage) async -> Void,
        closed: @escaping @Sendable (WebSocketCloseCode) async -> Void = { _ in }
    ) {
        self.onMessage = received
        self.onClose = closed
    }

    public func received(_ message: WebSocketMessage) async { await self.onMessage(message) }
    public func closed(code: WebSocketCloseCode) async { await self.onClose(code) }
}
