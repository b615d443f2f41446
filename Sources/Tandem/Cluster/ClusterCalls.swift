import Foundation
import Wire

/// Calls of the events API to `/ws/notify` connections held by another node of the cluster (Docs/events.md,
/// "Calls"): the calling node publishes the call on the holder's channel `{prefix}:node:<node>:calls`, the holder
/// calls its connection (``NotifySession/call(_:data:timeout:)``) and publishes the outcome on the caller's channel.
///
/// Messages are JSON: `{"kind":"call","call":<uuid>,"from":<node>,"target":<notify id>,"event","data","timeout_ms"}`
/// and `{"kind":"answer","call":<uuid>,"data"}` or `{"kind":"answer","call":<uuid>,"error":"timeout" | "disconnected"
/// | "not_found" | "busy"}`. A call nobody subscribed to receive (PUBLISH reached no one: the node is gone, or not
/// yet subscribed) fails at once as unreachable; a lost answer times out. Malformed messages are counted in
/// `tandem_cluster_malformed_total` and dropped.
final class ClusterCalls: Sendable {
    typealias Waiter = CheckedContinuation<Result<JSONValue, NotifyCallError>, Never>

    let node: ClusterNode
    let registry: NotifyRegistry
    /// How much longer than the call's own timeout the caller waits for the holder's answer (default 2 s).
    let answerGrace: Duration
    /// The longest call a message may ask this node to make (default 60 s; the events API's `maxCallTimeout`).
    let maxCallTimeout: Duration
    private let waiting = Locked<[String: Waiter]>([:])

    init(node: ClusterNode, registry: NotifyRegistry, answerGrace: Duration = .seconds(2), maxCallTimeout: Duration = .seconds(60)) {
        self.node = node
        self.registry = registry
        self.answerGrace = answerGrace
        self.maxCallTimeout = maxCallTimeout
    }

    /// Subscribes to this node's call channel and starts handling its messages.
    func start() async {
        let channel = node.keys.nodeCalls(node.nodeID)
        node.onOtherChannels { [weak self] name, payload in
            guard let self, name == channel else { return }
            Task { await self.received(payload) }
        }
        do {
            try await node.subscriber.subscribe([channel], timeout: node.settings.commandTimeout)
        } catch {
            Log.shared.warn("cluster: call channel subscription waits for Redis", ["error": "\(error)"])
        }
    }

    /// Calls connection `target` on node `holder` and waits for its answer (at most `timeout` plus the grace).
    func call(node holder: String, target: String, event: String, data: JSONValue, timeout: Duration) async -> Result<JSONValue, NotifyCallError> {
        let id = UUID().uuidString
        let timeoutMs = Int64(timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let message: JSONValue = [
            "kind": "call", "call": .string(id), "from": .string(node.nodeID), "target": .string(target),
            "event": .string(event), "data": data, "timeout_ms": .int(timeoutMs),
        ]
        let limit = timeout + answerGrace
        return await withCheckedContinuation { waiter in
            waiting.withLock { $0[id] = waiter }
            Task {
                let receivers = try? await node.client.send(
                    RESPCommand("PUBLISH", node.keys.nodeCalls(holder), message.serialized()), timeout: node.settings.commandTimeout)
                if (receivers?.intValue ?? 0) == 0 { finish(id, .failure(.unreachable)) }
            }
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                self?.finish(id, .failure(.timedOut))
            }
        }
    }

    private func finish(_ id: String, _ result: Result<JSONValue, NotifyCallError>) {
        waiting.withLock { $0.removeValue(forKey: id) }?.resume(returning: result)
    }

    /// A message on this node's channel: a call to run here, or the answer to a call made here.
    func received(_ payload: [UInt8]) async {
        guard let message = try? JSONValue(parsing: payload), let kind = message["kind"]?.stringValue,
            let id = message["call"]?.stringValue
        else {
            node.metrics?.malformed.increment()
            return
        }
        switch kind {
        case "answer":
            switch message["error"]?.stringValue {
            case nil: finish(id, .success(message["data"] ?? .null))
            case "timeout": finish(id, .failure(.timedOut))
            case "disconnected": finish(id, .failure(.disconnected))
            case "busy": finish(id, .failure(.busy(limit: Int(message["limit"]?.intValue ?? 0))))
            default: finish(id, .failure(.notFound))
            }
        case "call":
            guard let from = message["from"]?.stringValue, let target = message["target"]?.stringValue,
                let event = message["event"]?.stringValue, let ms = message["timeout_ms"]?.intValue, ms > 0
            else {
                node.metrics?.malformed.increment()
                return
            }
            var answer: JSONObject = ["kind": "answer", "call": .string(id)]
            if let session = registry.session(target) {
                let timeout = min(.milliseconds(ms), maxCallTimeout)
                switch await session.call(event, data: message["data"] ?? .null, timeout: timeout) {
                case .success(let data): answer["data"] = data
                case .failure(.timedOut): answer["error"] = "timeout"
                case .failure(.disconnected): answer["error"] = "disconnected"
                case .failure(.busy(let limit)):
                    answer["error"] = "busy"
                    answer["limit"] = .int(Int64(limit))
                case .failure(.notFound), .failure(.unreachable): answer["error"] = "not_found"
                }
            } else {
                answer["error"] = "not_found"
            }
            _ = try? await node.client.send(
                RESPCommand("PUBLISH", node.keys.nodeCalls(from), JSONValue.object(answer).serialized()),
                timeout: node.settings.commandTimeout)
        default:
            node.metrics?.malformed.increment()
        }
    }
}
