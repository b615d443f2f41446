import BenchKit
import Foundation
import Tandem

/// `--suite scale`: y/hub's scenarios against a separate `tandem serve --memory --log-level warn` process (the
/// release `tandem` next to the bench binary), driven by our epoll load generator (``LoadGenerator``) in the bench
/// process; the server's memory and CPU come from `/proc/<pid>`. Issue 16 and issue 12's process-based rows.
///
/// Suite options: `--quick` (small sizes for CI-like checks), `--scale-connections N` (1,500), `--storm-clients N`
/// (150), `--storm-mb N` (20), `--sio-storm-mb N` (4), `--presence-clients N` (500), `--presence-seconds S` (10),
/// `--idle-seconds S` (10), `--only idle,storm,fanout,presence`, `--server PATH` (another `tandem` binary, for before/after comparisons).
enum ScaleSuite: BenchSuite {
    static let name = "scale"
    static let title = "Scale against a separate tandem serve process: connections, memory, join storm, fan-out, presence"

    /// y/hub's published figures (yjs/yhub `benchmarks/RESULTS.md`, 2026-08, as quoted in issue 16; their machine,
    /// not ours), shown as a labelled external reference.
    static let yhub = "y/hub (published)"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        let options = context.options
        let quick = options.suiteArguments.contains("--quick")
        let only = options.suiteValue("--only").map { Set($0.split(separator: ",").map(String.init)) }
        @Sendable func runs(_ part: String) -> Bool { only?.contains(part) ?? true }
        let connections = options.suiteInt("--scale-connections", quick ? 300 : 1_500)
        let stormClients = options.suiteInt("--storm-clients", quick ? 30 : 150)
        let stormMB = options.suiteInt("--storm-mb", quick ? 2 : 20)
        let sioStormMB = options.suiteInt("--sio-storm-mb", quick ? 1 : 4)
        let presenceClients = options.suiteInt("--presence-clients", quick ? 100 : 500)
        let presenceSeconds = options.suiteValue("--presence-seconds").flatMap(Double.init) ?? (quick ? 3 : 10)
        let idleSeconds = options.suiteValue("--idle-seconds").flatMap(Double.init) ?? (quick ? 2 : 10)
        let relayMessages = quick ? 200 : 1_000
        let fanoutMessages = quick ? 10 : 30
        let tandem = options.suiteValue("--server") ?? WebSocketSuite.siblingTandem()
        guard FileManager.default.isExecutableFile(atPath: tandem) else {
            throw BenchError("\(tandem) not found: build it too (swift build -c release)")
        }
        _ = Server.raiseOpenFileLimit()
        let progress = context.progress
        return try await RoomsSuite.offPool {
            var report = SuiteReport(suite: name, title: title)
            func mib(_ bytes: UInt64) -> Double { Double(bytes) / 1_048_576 }
            func fail(_ join: ScaleJoin) {
                if join.failures > 0 {
                    report.notes.append("\(join.failures) of \(join.opened) clients failed: \(join.firstFailure ?? "?")")
                }
            }

            // Idle connections: memory added and joins per second, to N documents and to one document.
            for documents in [connections, 1] where runs("idle") {
                progress.step(name, "\(connections) idle y-websocket clients on \(documents) document(s)")
                let idle = try ScaleScenarios.idle(tandem: tandem, count: connections, documents: documents,
                                                   idleSeconds: documents == 1 ? 0.1 : idleSeconds)
                fail(idle.join)
                let group = "\(connections) idle y-websocket clients, \(documents == 1 ? "one document" : "\(documents) documents")"
                let added = mib(idle.rssAfter &- idle.rssBefore)
                report.rows.append(BenchRow(
                    group: group, name: "server memory added", value: added, unit: "MiB",
                    reference: documents == 1 ? nil : 114, referenceName: documents == 1 ? nil : yhub,
                    note: String(format: "RSS %.1f → %.1f MiB; %.1f KiB per client; goal < 30 MiB",
                                 mib(idle.rssBefore), mib(idle.rssAfter), added * 1024 / Double(max(1, idle.join.synced)))))
                let rate = Double(idle.join.synced) / max(idle.join.wallMs / 1000, 1e-9)
                report.rows.append(BenchRow(
                    group: group, name: "clients joined and synced per second", value: rate, unit: "connections/s",
                    reference: documents == 1 ? nil : 1_600, referenceName: documents == 1 ? nil : yhub,
                    note: String(format: "%d in %.0f ms, 512 joining at a time; upgrade p50 %.1f ms; goal ≥ 5,000/s",
                                 idle.join.synced, idle.join.wallMs, BenchMeasure.percentile(idle.join.upgradeTimes, 0.5))))
                if documents != 1 {
                    report.rows.append(BenchRow(
                        group: group, name: "server CPU while idle, per 1,000 clients", value:
                            idle.idleCPUPercent * 1000 / Double(max(1, idle.join.synced)), unit: "% of a core",
                        note: String(format: "%.2f %% for %d clients over %.0f s (keepalive pings every 30 s)",
                                     idle.idleCPUPercent, idle.join.synced, idle.idleSeconds)))
                }
            }

            // Join storms: y-websocket on a large document, Socket.IO on a smaller one (its state is a JSON int array).
            for (proto, megabytes) in [(ScaleProtocol.yWebSocket, stormMB), (.socketIO, sioStormMB)] where runs("storm") {
                progress.step(name, "join storm: \(stormClients) \(proto.rawValue) clients, \(megabytes) MB document")
                let storm = try ScaleScenarios.storm(tandem: tandem, proto: proto, clients: stormClients,
                                                     megabytes: megabytes)
                fail(storm.join)
                let external = proto == .yWebSocket && megabytes == 20
                let group = "join storm, \(proto.rawValue): \(stormClients) clients, \(BenchTable.format(Double(storm.stateBytes))) B state"
                report.rows += [
                    BenchRow(group: group, name: "wall time (last client synced)", value: storm.join.syncTimes.max() ?? .nan,
                             unit: "ms", reference: external ? 30_000 : nil, referenceName: external ? yhub : nil,
                             note: "goal < 3 s"),
                    BenchRow(group: group, name: "time to synced p50", value: BenchMeasure.percentile(storm.join.syncTimes, 0.5),
                             unit: "ms"),
                    BenchRow(group: group, name: "time to synced p99", value: BenchMeasure.percentile(storm.join.syncTimes, 0.99),
                             unit: "ms"),
                    BenchRow(group: group, name: "server peak RSS (VmHWM)", value: mib(storm.peak), unit: "MiB",
                             reference: external ? 6_500 : nil, referenceName: external ? yhub : nil,
                             note: String(format: "RSS before %.1f MiB; goal < 500 MB", mib(storm.rssBefore))),
                ]
            }

            // Fan-out of one update to N observers, one update at a time; then relay 1 → 100 with 16 in flight.
            for proto in [ScaleProtocol.yWebSocket, .socketIO] where runs("fanout") {
                progress.step(name, "fan-out: one update at a time to \(connections) \(proto.rawValue) observers")
                let fanout = try ScaleScenarios.relay(tandem: tandem, proto: proto, receivers: connections,
                                                      messages: fanoutMessages, window: 1)
                fail(fanout.join)
                let external = proto == .yWebSocket && connections == 1_500
                let group = "fan-out, \(proto.rawValue): 1 update → \(connections) observers"
                report.rows += [
                    BenchRow(group: group, name: "delivery latency p50", value: BenchMeasure.percentile(fanout.latencies, 0.5),
                             unit: "ms", reference: external ? 18.6 : nil, referenceName: external ? yhub : nil),
                    BenchRow(group: group, name: "delivery latency p99", value: BenchMeasure.percentile(fanout.latencies, 0.99),
                             unit: "ms", reference: external ? 44 : nil, referenceName: external ? yhub : nil,
                             note: "\(fanout.deliveries)/\(fanout.expected) delivered, \(fanoutMessages) updates; goal p99 < 10 ms"),
                ]
                progress.step(name, "relay 1 → 100 over \(proto.rawValue), \(relayMessages) updates, 16 in flight")
                let relay = try ScaleScenarios.relay(tandem: tandem, proto: proto, receivers: 100, messages: relayMessages,
                                                     window: 16)
                fail(relay.join)
                let relayGroup = "relay, \(proto.rawValue): 1 → 100, \(relayMessages) updates, 16 in flight"
                report.rows += [
                    BenchRow(group: relayGroup, name: "deliveries", value: Double(relay.deliveries) / max(relay.seconds, 1e-9),
                             unit: "deliveries/s", note: "\(relay.deliveries)/\(relay.expected) delivered"),
                    BenchRow(group: relayGroup, name: "latency p50", value: BenchMeasure.percentile(relay.latencies, 0.5), unit: "ms"),
                    BenchRow(group: relayGroup, name: "latency p99", value: BenchMeasure.percentile(relay.latencies, 0.99), unit: "ms"),
                ]
            }

            // Presence: awareness at 1 Hz from every client of one document.
            if runs("presence") {
            progress.step(name, "presence: \(presenceClients) clients sending awareness at 1 Hz for \(presenceSeconds) s")
            let presence = try ScaleScenarios.presence(tandem: tandem, clients: presenceClients, seconds: presenceSeconds)
            fail(presence.join)
            let external = presenceClients == 500
            report.rows.append(BenchRow(
                group: "presence, y-websocket: \(presenceClients) clients of one document at 1 Hz",
                name: "server CPU", value: presence.percent, unit: "% of a core",
                reference: external ? 103 : nil, referenceName: external ? yhub : nil,
                note: String(format: "%d awareness updates in %.0f s, each relayed to the other %d; goal < 15 %%",
                             presence.sent, presenceSeconds, presenceClients - 1)))
            }
            report.notes.append("Server: tandem serve --memory --log-level warn as a separate process (pid's /proc "
                + "status and stat); load: one epoll thread in tandem-bench. y/hub's numbers are its published figures "
                + "(yjs/yhub benchmarks/RESULTS.md, 2026-08), measured on its own machine, not in this run.")
            return report
        }
    }
}
