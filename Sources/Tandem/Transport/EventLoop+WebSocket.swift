import Foundation
import Wire

/// WebSocket framing on the loop thread: decode frames, let ``WebSocketConnectionState`` decide, carry it out.
extension EventLoop {
    /// Decodes and handles every complete frame buffered, unless the session asked us to pause.
    func processWebSocketInput(_ connection: ServerConnection, now: ContinuousClock.Instant) {
        while connection.isWebSocket && !connection.lifecycle.inboundPaused {
            guard var decoder = connection.decoder, var state = connection.state, state.phase != .closed else { return }
            let action: WebSocketConnectionState.Action
            do {
                guard let frame = try decoder.nextFrame() else {
                    connection.decoder = decoder
                    return
                }
                connection.decoder = decoder
                action = state.received(frame, now: now)
            } catch {
                connection.decoder = decoder
                action = state.failed(error)
            }
            if case .sendClose(let frame, thenShutdown: true) = action, state.peerCloseCode == nil,
                let code = frame.closeCode,
                code == .protocolError || code == .invalidFramePayloadData || code == .messageTooBig
            {
                self.metrics.error(.websocketProtocol)
                self.logger.warn(
                    "websocket closed",
                    ["connection": connection.id, "reason": "protocol", "close_code": Int(code.rawValue)])
            }
            connection.state = state
            if case .sendClose(let frame, thenShutdown: true) = action, let inbound = connection.inbound {
                // The session may still be handling (and answering) earlier messages: close once it has caught up
                // and its sends are queued, so replies precede the close frame (Autobahn 3.2, 4.1.3, 5.15).
                // Reading stops meanwhile; the close timeout bounds the wait.
                connection.lifecycle.deferClose(frame, now: now)
                inbound.yield(.drain)
                self.updateInterest(connection)
                return
            }
            self.perform(action, on: connection, now: now)
        }
    }

    /// The session has handled every message delivered before a close: send the deferred close frame now.
    func sessionDrained(_ connection: ServerConnection, now: ContinuousClock.Instant) {
        guard let frame = connection.lifecycle.sessionDrained() else { return }
        self.perform(.sendClose(frame, thenShutdown: true), on: connection, now: now)
    }

    /// Carries out one action of the connection state machine.
    func perform(
        _ action: WebSocketConnectionState.Action, on connection: ServerConnection, now: ContinuousClock.Instant
    ) {
        switch action {
        case .none:
            return
        case .deliver(let message):
            self.metrics.messagesIn.increment()
            let size = message.byteCount
            connection.inbound?.yield(.message(message, size: size))
            if connection.budget?.added(size) == true {
                connection.lifecycle.pauseReading()
                self.updateInterest(connection)
            }
        case .send(let frame):
            connection.enqueue(WebSocketFrameEncoder.encode(frame))
            self.markDirty(connection)
        case .sendClose(let frame, let thenShutdown):
            if connection.closeCode == nil {
                connection.closeCode = connection.state?.peerCloseCode ?? frame.closeCode ?? .noStatusReceived
            }
            connection.enqueue(WebSocketFrameEncoder.encode(frame))
            self.markDirty(connection)
            if thenShutdown { connection.lifecycle.closeAfterWriting(now: now) }
        case .shutdown:
            connection.lifecycle.closeAfterWriting(now: now)
            self.markDirty(connection)
        }
    }

    /// Queues frames a session sent (`parts` written one after another, each kept by reference), enforcing the
    /// write-queue bound (a reader that fell behind gets 1013).
    func sendApplicationFrames(
        _ parts: some Collection<[UInt8]>, messageCount: Int, on connection: ServerConnection,
        now: ContinuousClock.Instant
    ) {
        switch connection.phase {
        case .upgrading:
            for part in parts { connection.pendingAfterUpgrade.append(part) }
            self.metrics.messagesOut.increment(by: Int64(messageCount))
            return
        case .webSocket:
            guard connection.state?.isOpen == true || connection.lifecycle.deferredClose != nil else { return }
        default:
            return
        }
        let queued = connection.queuedByteCount
        let byteCount = parts.reduce(0) { $0 + $1.count }
        if queued > 0 && queued + byteCount > self.configuration.maxBufferedBytes {
            self.metrics.error(.slowReader)
            self.logger.warn(
                "websocket closed",
                ["connection": connection.id, "reason": "slow_reader", "queued_bytes": queued,
                 "limit": self.configuration.maxBufferedBytes])
            guard var state = connection.state else { return }
            let action = state.close(code: .tryAgainLater, reason: "send queue full", now: now)
            connection.state = state
            self.perform(action, on: connection, now: now)
            connection.lifecycle.slowReader(now: now)
            return
        }
        self.metrics.messagesOut.increment(by: Int64(messageCount))
        for part in parts { connection.enqueue(part) }
        self.markDirty(connection)
    }
}

extension WebSocketFrame {
    /// The status code of a close frame's payload, if it has one.
    var closeCode: WebSocketCloseCode? {
        guard self.opcode == .close, self.payload.count >= 2 else { return nil }
        return WebSocketCloseCode(rawValue: UInt16(self.payload[0]) << 8 | UInt16(self.payload[1]))
    }
}
