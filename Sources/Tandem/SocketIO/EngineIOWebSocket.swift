import Wire

/// The outbound side of one WebSocket, as the Engine.IO layer uses it.
///
/// Calls must not block and must keep their order: an implementation typically yields into an `AsyncStream` that
/// a writer task drains (the transport glue in ``SocketIOEndpoint`` does this over the server's WebSocket handle).
/// Keeping the calls synchronous lets ``SocketIOServer`` fan one event out to a whole room without suspending
/// between receivers, so concurrent emits cannot interleave differently for different receivers.
public protocol EngineIOWebSocket: Sendable {
    /// Queues a text message.
    func send(text: String)
    /// Queues a binary message.
    func send(binary: [UInt8])
    /// Queues a close frame with `code` and `reason`, then closes.
    func close(code: UInt16, reason: String)
}

/// Identifies one WebSocket attached to an Engine.IO session, for routing its inbound messages.
public struct EngineIOWebSocketToken: Sendable, Hashable {
    /// The Engine.IO session.
    public let engineSID: String
    /// Distinguishes the probing WebSocket of an upgrade from an earlier one.
    let serial: Int
}

/// The response to an Engine.IO long-polling request.
public struct EngineIOHTTPResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "text/plain; charset=UTF-8", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// An Engine.IO error body (`{"code":N,"message":"…"}`, engine.io's error codes).
    static func error(status: Int = 400, code: Int, message: String) -> EngineIOHTTPResponse {
        let body: JSONValue = ["code": .int(Int64(code)), "message": .string(message)]
        return EngineIOHTTPResponse(status: status, contentType: "application/json", body: body.serializedBytes())
    }
}

/// One outbound WebSocket operation queued by ``EngineIOStreamWebSocket``.
public enum EngineIOOutbound: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    case close(code: UInt16, reason: String)
}

/// An ``EngineIOWebSocket`` that queues into an `AsyncStream`; a writer task drains it into the real socket.
///
/// Used by the endpoint glue (one writer task per WebSocket) and by tests, which read the stream directly.
public struct EngineIOStreamWebSocket: EngineIOWebSocket {
    let continuation: AsyncStream<EngineIOOutbound>.Continuation

    /// A socket and the stream of what the server sends through it.
    public static func make() -> (socket: EngineIOStreamWebSocket, outbound: AsyncStream<EngineIOOutbound>) {
        let (stream, continuation) = AsyncStream<EngineIOOutbound>.makeStream()
        return (EngineIOStreamWebSocket(continuation: continuation), stream)
    }

    public func send(text: String) {
        self.continuation.yield(.text(text))
    }

    public func send(binary: [UInt8]) {
        self.continuation.yield(.binary(binary))
    }

    public func close(code: UInt16, reason: String) {
        self.continuation.yield(.close(code: code, reason: reason))
        self.continuation.finish()
    }
}
