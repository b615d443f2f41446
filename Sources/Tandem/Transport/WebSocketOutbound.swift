import Foundation
import Wire

/// Where a ``WebSocketOutbound`` delivers: the event loop for real sockets, or a recorder in tests.
public protocol WebSocketOutboundSink: Sendable {
    /// Queues already-encoded frame bytes (one or more complete frames) carrying `messageCount` messages.
    func enqueue(connection: UInt64, frames: [UInt8], messageCount: Int)
    /// Queues one message's frame bytes given as parts written one after another without being joined (a header,
    /// a body shared with other connections, a per-receiver tail). The default joins them and calls
    /// ``enqueue(connection:frames:messageCount:)``.
    func enqueue(connection: UInt64, frameParts: [[UInt8]], messageCount: Int)
    /// Starts the close handshake with `code`.
    func close(connection: UInt64, code: WebSocketCloseCode, reason: String)
}

extension WebSocketOutboundSink {
    public func enqueue(connection: UInt64, frameParts: [[UInt8]], messageCount: Int) {
        self.enqueue(connection: connection, frames: Array(frameParts.joined()), messageCount: messageCount)
    }
}

/// The sending side of a WebSocket connection: cheap to copy, `Sendable`, safe to use from any task or actor.
///
/// Sends never block or suspend: frames are queued on the connection's bounded write queue. A connection whose
/// queue already holds more than the server's `maxBufferedBytes` is closed with 1013 (try again later) instead of
/// growing memory. Sends after the connection closed are dropped. Hashable by connection, so rooms can keep a
/// `Set<WebSocketOutbound>`.
public struct WebSocketOutbound: Sendable, Hashable {
    /// The server-wide unique id of the connection.
    public let connectionID: UInt64
    private let sink: any WebSocketOutboundSink

    /// Creates a handle that delivers to `sink` (the server does this; tests may pass a ``RecordingWebSocketSink``).
    public init(connectionID: UInt64, sink: any WebSocketOutboundSink) {
        self.connectionID = connectionID
        self.sink = sink
    }

    /// Sends a text message.
    public func send(text: String) {
        self.send(encodedFrame: WebSocketFrameEncoder.encode(.text(text)))
    }

    /// Sends a binary message.
    public func send(binary: [UInt8]) {
        self.send(encodedFrame: WebSocketFrameEncoder.encode(.binary(binary)))
    }

    /// Sends a message.
    public func send(_ message: WebSocketMessage) {
        self.send(encodedFrame: WebSocketFrameEncoder.encode(message))
    }

    /// Sends a frame encoded once with `WebSocketFrameEncoder.encode(_:)`, for broadcasting the same bytes to many
    /// connections without re-encoding.
    public func send(encodedFrame: [UInt8]) {
        self.sink.enqueue(connection: self.connectionID, frames: encodedFrame, messageCount: 1)
    }

    /// Sends one frame given as parts (for instance a header, a large payload shared with other connections and a
    /// per-receiver tail): the parts are queued one after another, each by reference, without joining them. Their
    /// concatenation must be exactly one or more complete encoded frames.
    public func send(encodedFrameParts parts: [[UInt8]]) {
        if parts.count == 1, let only = parts.first {
            self.send(encodedFrame: only)
        } else {
            self.sink.enqueue(connection: self.connectionID, frameParts: parts, messageCount: 1)
        }
    }

    /// Closes the connection with `code` (default 1000); the session's `closed(code:)` follows.
    public func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") {
        self.sink.close(connection: self.connectionID, code: code, reason: reason)
    }

    public static func == (lhs: WebSocketOutbound, rhs: WebSocketOutbound) -> Bool {
        lhs.connectionID == rhs.connectionID
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.connectionID)
    }
}

/// A sink that records what sessions send, for endpoint tests without sockets.
public final class RecordingWebSocketSink: WebSocketOutboundSink, @unchecked Sendable {
    private let lock = NSLock()
    private var sentFrames: [UInt64: [UInt8]] = [:]
    private var closes: [UInt64: WebSocketCloseCode] = [:]

    /// An empty recorder.
    public init() {}

    public func enqueue(connection: UInt64, frames: [UInt8], messageCount: Int) {
        self.lock.withLock { self.sentFrames[connection, default: []].append(contentsOf: frames) }
    }

    public func enqueue(connection: UInt64, frameParts: [[UInt8]], messageCount: Int) {
        self.lock.withLock {
            for part in frameParts { self.sentFrames[connection, default: []].append(contentsOf: part) }
        }
    }

    public func close(connection: UInt64, code: WebSocketCloseCode, reason: String) {
        self.lock.withLock { self.closes[connection] = code }
    }

    /// The messages sent to `connection` so far, decoded (and removed from the recorder).
    public func takeMessages(for connection: UInt64) -> [WebSocketMessage] {
        let bytes = self.lock.withLock { self.sentFrames.removeValue(forKey: connection) ?? [] }
        var decoder = WebSocketFrameDecoder(role: .client)
        decoder.append(bytes)
        var assembler = WebSocketMessageAssembler()
        var messages: [WebSocketMessage] = []
        while let frame = try? decoder.nextFrame() {
            if let message = try? assembler.push(frame) { messages.append(message) }
        }
        return messages
    }

    /// The close code requested for `connection`, if any.
    public func closeCode(for connection: UInt64) -> WebSocketCloseCode? {
        self.lock.withLock { self.closes[connection] }
    }

    /// An outbound handle for `connection` that records into this sink.
    public func outbound(connection: UInt64) -> WebSocketOutbound {
        WebSocketOutbound(connectionID: connection, sink: self)
    }
}
