import Foundation
import Testing
import Wire
@testable import Tandem

/// The whole ``ServerApp`` behind its router, without sockets: WebSocket routes are opened with a recording
/// outbound and fed messages directly, so the server above the transport runs in `swift test` (issue 12).
class RouterHarness: @unchecked Sendable {
    let router: Router
    let sink = RecordingWebSocketSink()
    private let lock = NSLock()
    private var nextConnection: UInt64 = 0

    /// A harness over any router (an endpoint tested on its own).
    init(router: Router) {
        self.router = router
    }

    /// Opens the WebSocket route of `target` (path and query), as the transport does after the upgrade.
    func connect(_ target: String) async throws -> HarnessSocket {
        let request = HTTPRequest(method: .get, target: target)
        guard let factory = router.resolveWebSocket(path: request.path) else { throw HTTPError(.notFound) }
        let id = lock.withLock {
            nextConnection += 1
            return nextConnection
        }
        let session = try await factory(request, sink.outbound(connection: id))
        return HarnessSocket(id: id, session: session, sink: sink)
    }
}

/// The whole application behind its routes.
final class AppHarness: RouterHarness, @unchecked Sendable {
    let app: ServerApp

    /// With `metrics`, the app exports into it and the router serves `/metrics` (and `/healthz`, `/readyz`) as the
    /// transport does.
    init(configuration: AppConfiguration, metrics: MetricsRegistry? = nil) async throws {
        let app = try await ServerApp(configuration: configuration, metrics: metrics)
        var router = Router()
        app.install(on: &router)
        if let metrics {
            BuiltinEndpoints.install(
                on: &router, configuration: ServerConfiguration(), metrics: metrics,
                serverMetrics: ServerMetrics(registry: metrics), readiness: ReadinessChecks())
        }
        self.app = app
        super.init(router: router)
    }
}

/// One WebSocket connection of the harness.
final class HarnessSocket: @unchecked Sendable {
    let id: UInt64
    let session: any WebSocketSession
    let sink: RecordingWebSocketSink
    private let lock = NSLock()
    private var inbox: [WebSocketMessage] = []

    init(id: UInt64, session: any WebSocketSession, sink: RecordingWebSocketSink) {
        self.id = id
        self.session = session
        self.sink = sink
    }

    func send(_ message: WebSocketMessage) async { await session.received(message) }
    func close() async { await session.closed(code: .normalClosure) }

    /// Everything received so far (kept until taken by ``take(where:)``).
    var received: [WebSocketMessage] {
        lock.withLock {
            inbox += sink.takeMessages(for: id)
            return inbox
        }
    }

    /// Removes and returns the received messages that `predicate` picks.
    func take(where predicate: (WebSocketMessage) -> Bool) -> [WebSocketMessage] {
        lock.withLock {
            inbox += sink.takeMessages(for: id)
            let picked = inbox.filter(predicate)
            inbox.removeAll(where: predicate)
            return picked
        }
    }

    /// The close code the server asked for, if any.
    var closeCode: WebSocketCloseCode? { sink.closeCode(for: id) }
}

/// A Socket.IO client over a harness socket: Engine.IO v4 open, CONNECT with a token, events both ways.
struct HarnessSocketIOClient {
    let socket: HarnessSocket

    static func connect(_ harness: RouterHarness, token: String) async throws -> HarnessSocketIOClient {
        let socket = try await harness.connect("/ws/socket.io/?EIO=4&transport=websocket")
        let client = HarnessSocketIOClient(socket: socket)
        await socket.send(.text("40" + JSONValue.object(["token": .string(token)]).serialized()))
        try await eventually { socket.received.contains { if case .text(let t) = $0 { t.hasPrefix("40{") } else { false } } }
        return client
    }

    func emit(_ event: String, _ payload: JSONValue) async {
        await socket.send(.text("42" + JSONValue.array([.string(event), payload]).serialized()))
    }

    /// Waits for and removes the events named `name`; at least `count` of them.
    func events(_ name: String, count: Int = 1) async throws -> [JSONValue] {
        var found: [JSONValue] = []
        try await eventually {
            found += socket.take { message in Self.event(message)?.0 == name }.compactMap { Self.event($0)?.1 }
            return found.count >= count
        }
        return found
    }

    /// The events named `name` received so far, without waiting.
    func pending(_ name: String) -> [JSONValue] {
        socket.received.compactMap { Self.event($0) }.filter { $0.0 == name }.map(\.1)
    }

    static func event(_ message: WebSocketMessage) -> (String, JSONValue)? {
        guard case .text(let text) = message, text.hasPrefix("42"),
            let value = try? JSONValue(parsing: Array(text.utf8.dropFirst(2))), case .array(let items) = value,
            let name = items.first?.stringValue
        else { return nil }
        return (name, items.count > 1 ? items[1] : .null)
    }
}

/// Polls `condition` until it holds (2 s at most); records an issue and throws otherwise.
func eventually(
    _ what: String = "condition", timeout: Duration = .seconds(2), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("timed out waiting for \(what)")
    throw HTTPError(.requestTimeout)
}

extension RouterHarness {
    /// Sends an HTTP request through the router, as the transport does; answers the status and the JSON body.
    func http(_ method: HTTPMethod, _ target: String, token: String? = nil, body: JSONValue? = nil) async -> (Int, JSONValue?) {
        var headers: HTTPHeaders = [:]
        if let token { headers.add("Authorization", "Bearer \(token)") }
        let request = HTTPRequest(
            method: method, target: target, headers: headers, body: body.map { Array($0.serialized().utf8) } ?? [])
        guard case .handler(let handler) = router.resolveHTTP(method: method, path: request.path) else { return (404, nil) }
        do {
            let response = try await handler(request)
            return (response.status.code, try? JSONValue(parsing: response.body))
        } catch let error as HTTPError {
            return (error.response.status.code, try? JSONValue(parsing: error.response.body))
        } catch {
            return (500, nil)
        }
    }
}
