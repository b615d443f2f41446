import Dispatch
import Foundation
import YCRDT
@testable import Tandem

/// Runs blocking storage calls on a dispatch queue of their own, as a room's executor does: blocking the
/// concurrency pool from a test would starve the Redis client's own tasks.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "tandem.test.storage").async {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// A cluster node of its own (own Redis connections), with fast sweeps and heartbeats for tests.
func testClusterNode(
    _ url: String, nodeID: String, prefix: String = "t", nodeTTL: Duration = .seconds(10), metrics: MetricsRegistry? = nil,
    memberRefresh: Duration = .seconds(15), memberExpiry: Duration = .seconds(45)
) throws -> ClusterNode {
    let redis = try testRedisConfiguration(url)
    var settings = ClusterSettings()
    settings.keyPrefix = prefix
    settings.nodeID = nodeID
    settings.sweepInterval = .milliseconds(300)
    settings.heartbeatInterval = .milliseconds(200)
    settings.nodeTTL = nodeTTL
    settings.memberRefreshInterval = memberRefresh
    settings.memberExpiry = memberExpiry
    return ClusterNode(
        client: RedisClient(configuration: redis, metrics: metrics.map { RedisClientMetrics(registry: $0, client: "cluster") }),
        subscriber: RedisSubscriber(configuration: redis), settings: settings, metrics: metrics)
}

/// A text update inserting `text` at the start of root `t`, from a client of its own.
func textUpdate(_ text: String, client: UInt64) -> [UInt8] {
    var doc = Document(clientID: client)
    doc.insert(into: doc.text("t"), at: 0, text)
    return doc.encodeStateAsUpdate()
}

/// The text of root `t` of a v1 state.
func textOf(_ state: [UInt8]) throws -> String {
    var doc = Document(clientID: 1)
    doc.apply(try Update(v1: state))
    return doc.string(doc.text("t"))
}
