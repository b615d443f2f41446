import Foundation
import Wire

/// HTTP/1.1 on the loop thread: parse, route, run handlers as tasks, write responses, start upgrades.
extension EventLoop {
    /// Parses and dispatches requests while the connection is ready for one (pipelined requests wait their turn).
    func processHTTPInput(_ connection: ServerConnection, now: ContinuousClock.Instant) {
        while case .http = connection.phase {
            let request: HTTPRequest?
            do {
                request = try connection.parser.nextRequest()
            } catch {
                self.metrics.error(.httpParse)
                connection.currentRequest = nil
                self.respond(
                    .error(error.status), keepAlive: false, includeBody: true, on: connection, now: now,
                    reason: "unparsable request: \(error)")
                return
            }
            guard var request else { return }
            request.remoteAddress = connection.remoteAddress
            connection.requestCount += 1
            connection.currentRequest = (request.method.rawValue, request.path, now)
            self.metrics.httpRequests.increment()
            self.dispatch(request, on: connection, now: now)
        }
    }

    private func dispatch(_ request: HTTPRequest, on connection: ServerConnection, now: ContinuousClock.Instant) {
        connection.lifecycle.requestReceived(
            keepAlive: request.keepAlive && self.shutdownDeadline == nil, morePending: !connection.parser.isIdle,
            now: now)
        let path = request.path
        if WebSocketHandshake.isUpgradeRequest(request) {
            guard let factory = self.router.resolveWebSocket(path: path) else {
                self.respond(
                    .error(.notFound), keepAlive: false, includeBody: true, on: connection, now: now,
                    reason: "no websocket route")
                return
            }
            let response: HTTPResponse
            do {
                response = try WebSocketHandshake.accept(request)
            } catch {
                self.metrics.error(.handshake)
                self.respond(
                    error.response, keepAlive: false, includeBody: true, on: connection, now: now,
                    reason: "websocket handshake: \(error)")
                return
            }
            connection.lifecycle.upgradeStarted()
            connection.upgradePath = path
            self.updateInterest(connection)
            self.startSession(factory: factory, request: request, response: response, connectionID: connection.id)
            return
        }
        switch self.router.resolveHTTP(method: request.method, path: path) {
        case .handler(let handler):
            connection.lifecycle.handlerStarted()
            self.updateInterest(connection)
            let id = connection.id
            let keepAlive = connection.lifecycle.keepAlive
            let includeBody = request.method != .head
            let metrics = self.metrics
            let logger = self.logger
            Task {
                let response: HTTPResponse
                do {
                    response = try await handler(request)
                } catch let error as HTTPError {
                    response = error.response
                } catch {
                    metrics.error(.handler)
                    logger.error("handler failed", ["connection": id, "path": request.path, "error": "\(error)"])
                    response = .error(.internalServerError)
                }
                self.post(.respond(id, response, keepAlive: keepAlive, includeBody: includeBody))
            }
        case .methodNotAllowed:
            self.respond(
                .error(.methodNotAllowed), keepAlive: connection.lifecycle.keepAlive, includeBody: true, on: connection, now: now)
        case .notFound:
            let status: HTTPStatus = self.router.resolveWebSocket(path: path) == nil ? .notFound : .upgradeRequired
            var response = HTTPResponse.error(status)
            if status == .upgradeRequired { response.headers.set("Upgrade", "websocket") }
            self.respond(
                response, keepAlive: connection.lifecycle.keepAlive, includeBody: request.method != .head, on: connection,
                now: now)
        }
    }

    /// Writes a response and returns the connection to reading requests (or closes it). A 4xx/5xx response is logged
    /// with `reason` (default: a short plain-text body, else the status phrase).
    func respond(
        _ response: HTTPResponse, keepAlive: Bool, includeBody: Bool, on connection: ServerConnection,
        now: ContinuousClock.Instant, reason: String? = nil
    ) {
        self.record(response, on: connection, now: now, reason: reason)
        let keep = connection.lifecycle.responded(keepAlive: keepAlive && self.shutdownDeadline == nil, now: now)
        connection.enqueue(response.serialize(keepAlive: keep, includeBody: includeBody))
        self.markDirty(connection)
        if keep {
            self.updateInterest(connection)
            self.processHTTPInput(connection, now: now)
        } else {
            // Nothing after this response will be answered: discard input, close once it is written.
            connection.parser = HTTPRequestParser(configuration: self.configuration.http)
            self.updateInterest(connection)
        }
    }

    /// Metrics and the log line of one response; clears the connection's current request.
    private func record(
        _ response: HTTPResponse, on connection: ServerConnection, now: ContinuousClock.Instant, reason: String?
    ) {
        let request = connection.currentRequest
        connection.currentRequest = nil
        let status = response.status.code
        self.metrics.response(status: status)
        if let request { self.metrics.httpRequestDuration.observe(since: request.started, now: now) }
        guard status >= 400 else { return }
        let level: LogLevel = status >= 500 ? .error : .warn
        guard self.logger.isEnabled(level) else { return }
        let why = reason ?? Self.shortReason(response)
        self.logger.log(
            level, "request refused",
            ["connection": connection.id, "peer": connection.remoteAddress, "method": request?.method ?? "-",
             "path": request?.path ?? "-", "status": status, "reason": why])
    }

    /// A plain-text body of at most 200 bytes (what `HTTPError(status, message:)` sends), else the status phrase.
    static func shortReason(_ response: HTTPResponse) -> String {
        let type = response.headers["Content-Type"] ?? ""
        if type.hasPrefix("text/plain"), !response.body.isEmpty, response.body.count <= 200 {
            let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { return text }
        }
        return response.status.reason
    }

    /// Runs the session factory, then the session's event loop, in one task per WebSocket connection.
    private func startSession(
        factory: @escaping WebSocketSessionFactory, request: HTTPRequest, response: HTTPResponse, connectionID: UInt64
    ) {
        let outbound = WebSocketOutbound(connectionID: connectionID, sink: self)
        let limit = self.configuration.maxInboundBufferedBytes
        let metrics = self.metrics
        Task {
            let session: any WebSocketSession
            do {
                session = try await factory(request, outbound)
            } catch let error as HTTPError {
                self.post(.upgradeRefused(connectionID, error.response))
                return
            } catch {
                metrics.error(.handler)
                self.post(.upgradeRefused(connectionID, .error(.internalServerError)))
                return
            }
            let (events, continuation) = AsyncStream.makeStream(of: SessionEvent.self)
            let budget = InboundBudget(limit: limit)
            self.post(.upgraded(connectionID, response, continuation, budget))
            for await event in events {
                switch event {
                case .message(let message, let size):
                    await session.received(message)
                    if budget.consumed(size) { self.post(.resumeReading(connectionID)) }
                case .drain:
                    self.post(.drained(connectionID))
                case .closed(let code):
                    await session.closed(code: code)
                }
            }
        }
    }

    /// Writes the 101 response and switches the connection to WebSocket framing.
    func completeUpgrade(
        _ response: HTTPResponse, continuation: AsyncStream<SessionEvent>.Continuation, budget: InboundBudget,
        on connection: ServerConnection, now: ContinuousClock.Instant
    ) {
        self.record(response, on: connection, now: now, reason: nil)
        connection.enqueue(response.serialize(keepAlive: true))
        connection.output.append(contentsOf: connection.pendingAfterUpgrade)
        connection.pendingAfterUpgrade.removeAll()
        let limits = self.configuration.webSocketLimits(forPath: connection.upgradePath)
        var decoder = WebSocketFrameDecoder(role: .server, configuration: .init(maxFrameSize: limits.maxFrameSize))
        decoder.append(connection.parser.takeBufferedBytes())
        connection.decoder = decoder
        connection.state = WebSocketConnectionState(
            configuration: self.configuration.webSocketState(forPath: connection.upgradePath), now: now)
        connection.inbound = continuation
        connection.budget = budget
        self.metrics.openWebSockets.add(1)
        self.markDirty(connection)
        let lifecycleAction = connection.lifecycle.upgraded(shuttingDown: self.shutdownDeadline != nil, now: now)
        if case .closeWebSocket = lifecycleAction {
            self.perform(lifecycleAction, on: connection, now: now)
        } else {
            self.processWebSocketInput(connection, now: now)
        }
        self.updateInterest(connection)
    }
}
