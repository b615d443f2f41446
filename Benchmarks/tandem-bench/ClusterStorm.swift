import BenchKit
import Foundation

/// The join storm spread over cluster nodes (`--suite cluster`, issue 14): one document of about `megabytes` MB is
/// seeded through the first node, then `clients` y-websocket clients connect at the same moment, round-robin over
/// the nodes, each timed from the common start to its complete sync step 2. On the other nodes the first joiner
/// makes the node load the document from Redis (compacted state and stream tail) while the rest wait in its room.
enum ClusterStorm {
    struct Outcome {
        var join: ScaleJoin
        var stateBytes: Int
        /// Peak RSS (VmHWM, reset just before the storm) of each node, in bytes.
        var peaks: [UInt64]
    }

    /// Runs the storm against the servers at `ports` (processes `pids`, in the same order).
    static func run(ports: [Int], pids: [Int32], clients: Int, megabytes: Int) throws -> Outcome {
        guard let first = ports.first else { throw BenchError("no node to storm") }
        let document = "cluster-storm-\(UUID().uuidString)"
        let generator = try LoadGenerator(port: first)
        defer { generator.closeAll() }
        let stateBytes = try ScaleScenarios.seed(generator, document: document, megabytes: megabytes)
        for pid in pids { ScaleServer.resetPeak(pid: pid) }
        let join = ScaleJoin.run(
            generator, .yWebSocket, count: clients, inFlight: clients, timeout: 300,
            port: { ports[$0 % ports.count] }, document: { _ in document })
        let peaks = pids.map { ProcessMemory.status("VmHWM", pid: "\($0)") ?? 0 }
        return Outcome(join: join, stateBytes: stateBytes, peaks: peaks)
    }
}
