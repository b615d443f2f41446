import Foundation

/// A distribution of observed values in fixed buckets, rendered the Prometheus way: cumulative
/// `name_bucket{le="…"}` series ending with `le="+Inf"`, then `name_sum` and `name_count`.
///
/// Thread-safe; keep the reference returned by ``MetricsRegistry/histogram(_:help:buckets:labels:)``. Observing is
/// a lock and a binary search: cheap enough for every request, save or relayed update.
public final class MetricHistogram: @unchecked Sendable {
    /// Latency buckets in seconds, 1 ms to 10 s (Prometheus' defaults with 1 ms and 2.5 ms added): for join, relay,
    /// save and request latencies.
    public static let latencyBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// Size buckets in bytes, 64 B to 16 MiB by powers of 4: for updates, messages and saved states.
    public static let sizeBuckets: [Double] = [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216]

    /// The upper bounds, ascending, without `+Inf`.
    public let bounds: [Double]
    private let lock = NSLock()
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    private var counts: [UInt64]
    private var total: Double = 0
    private var observations: UInt64 = 0

    /// A histogram over `bounds` (sorted, de-duplicated, non-finite values dropped).
    init(bounds: [Double]) {
        self.bounds = Array(Set(bounds.filter(\.isFinite))).sorted()
        self.counts = Array(repeating: 0, count: self.bounds.count + 1)
    }

    /// Records one value (NaN is ignored).
    public func observe(_ value: Double) {
        guard !value.isNaN else { return }
        var low = 0
        var high = self.bounds.count
        while low < high {
            let middle = (low + high) / 2
            if value <= self.bounds[middle] { high = middle } else { low = middle + 1 }
        }
        self.lock.withLock {
            self.counts[low] &+= 1
            self.total += value
            self.observations &+= 1
        }
    }

    /// Records a duration, in seconds.
    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.observe(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Records the time since `start`, in seconds.
    public func observe(since start: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) {
        self.observe(now - start)
    }

    /// A consistent snapshot: cumulative counts per bound (then `+Inf`), the sum and the count.
    public var snapshot: (cumulative: [UInt64], sum: Double, count: UInt64) {
        self.lock.withLock {
            var running: UInt64 = 0
            let cumulative = self.counts.map { count -> UInt64 in
                running &+= count
                return running
            }
            return (cumulative, self.total, self.observations)
        }
    }

    /// The Prometheus lines of this series: `labels` is the rendered label set without braces ("" for none).
    func render(name: String, labels: String) -> String {
        let (cumulative, sum, count) = self.snapshot
        let prefix = labels.isEmpty ? "" : labels + ","
        var text = ""
        for (index, bound) in self.bounds.enumerated() {
            text += "\(name)_bucket{\(prefix)le=\"\(MetricsRegistry.format(bound))\"} \(cumulative[index])\n"
        }
        text += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(cumulative[self.bounds.count])\n"
        let braces = labels.isEmpty ? "" : "{" + labels + "}"
        text += "\(name)_sum\(braces) \(MetricsRegistry.format(sum))\n"
        text += "\(name)_count\(braces) \(count)\n"
        return text
    }
}
