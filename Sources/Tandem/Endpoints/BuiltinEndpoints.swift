import Foundation
import Wire

/// The routes every server has: `GET /healthz` (the process is up), `GET /readyz` (it should receive traffic: see
/// ``ReadinessChecks``), `GET /metrics` and, when enabled, the echo WebSocket.
enum BuiltinEndpoints {
    static func install(
        on router: inout Router, configuration: ServerConfiguration, metrics: MetricsRegistry,
        serverMetrics: ServerMetrics, readiness: ReadinessChecks
    ) {
        let started = ContinuousClock.now
        if !router.hasHTTPRoute(.get, "/healthz") {
            router.get("/healthz") { _ in
                let uptime = (ContinuousClock.now - started).components.seconds
                let open = serverMetrics.openConnections.value
                return .json(#"{"status":"ok","version":"\#(Tandem.version)","uptime_seconds":\#(uptime),"#
                    + #""connections":\#(open)}"# + "\n")
            }
        }
        if !router.hasHTTPRoute(.get, "/readyz") {
            router.get("/readyz") { _ in
                let report = await readiness.evaluate()
                var response = HTTPResponse.json(report.json, status: report.isReady ? .ok : .serviceUnavailable)
                response.headers.set("Cache-Control", "no-store")
                return response
            }
        }
        if !router.hasHTTPRoute(.get, "/metrics") {
            router.get("/metrics") { _ in
                HTTPResponse(
                    status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
            }
        }
        if configuration.echo {
            router.webSocket(configuration.echoPath, match: .exact) { _, outbound in
                EchoSession(outbound: outbound)
            }
        }
    }
}

/// Sends every message straight back (Autobahn's fuzzing client and `tandem-bench ws` talk to it).
struct EchoSession: WebSocketSession {
    let outbound: WebSocketOutbound

    func received(_ message: WebSocketMessage) async {
        self.outbound.send(message)
    }

    func closed(code: WebSocketCloseCode) async {}
}
