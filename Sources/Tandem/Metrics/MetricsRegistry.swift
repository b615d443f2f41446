import Foundation

/// A monotonically increasing metric. Thread-safe; keep the reference returned by the registry.
public final class MetricCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: Int64 = 0

    init() {}

    /// Adds `amount` (default 1).
    public func increment(by amount: Int64 = 1) {
        self.lock.withLock { self.storage &+= amount }
    }

    /// The current value.
    public var value: Int64 { self.lock.withLock { self.storage } }
}

/// A metric that goes up and down. Thread-safe; keep the reference returned by the registry.
public final class MetricGauge: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: Int64 = 0

    init() {}

    /// Sets the value.
    public func set(_ value: Int64) {
        self.lock.withLock { self.storage = value }
    }

    /// Adds `amount` (negative to decrease).
    public func add(_ amount: Int64) {
        self.lock.withLock { self.storage &+= amount }
    }

    /// The current value.
    public var value: Int64 { self.lock.withLock { self.storage } }
}

/// Counters and gauges rendered as Prometheus text exposition format 0.0.4 by `GET /metrics`.
///
/// Any module can register its own metrics (rooms, documents, persisted bytes): ask for a metric once and keep the
/// reference; asking again with the same name and labels returns the same object. Names should follow Prometheus
/// conventions (`tandem_` prefix, `_total` for counters).
public final class MetricsRegistry: @unchecked Sendable {
    private enum Kind: String {
        case counter, gauge
    }

    private struct Family {
        let kind: Kind
        let help: String
        var series: [(labels: String, metric: AnyObject)]
    }

    private let lock = NSLock()
    private var families: [String: Family] = [:]
    private var order: [String] = []

    /// An empty registry.
    public init() {}

    /// The counter `name` with `labels`, created on first use.
    public func counter(_ name: String, help: String, labels: [String: String] = [:]) -> MetricCounter {
        self.metric(name, help: help, kind: .counter, labels: labels) { MetricCounter() }
    }

    /// The gauge `name` with `labels`, created on first use.
    public func gauge(_ name: String, help: String, labels: [String: String] = [:]) -> MetricGauge {
        self.metric(name, help: help, kind: .gauge, labels: labels) { MetricGauge() }
    }

    private func metric<M: AnyObject>(
        _ name: String, help: String, kind: Kind, labels: [String: String], make: () -> M
    ) -> M {
        let labelText = Self.render(labels: labels)
        return self.lock.withLock {
            if let family = self.families[name] {
                if let existing = family.series.first(where: { $0.labels == labelText })?.metric as? M {
                    return existing
                }
            } else {
                self.families[name] = Family(kind: kind, help: help, series: [])
                self.order.append(name)
            }
            let metric = make()
            self.families[name]?.series.append((labels: labelText, metric: metric))
            return metric
        }
    }

    /// The Prometheus text exposition of every metric, in registration order.
    public func render() -> String {
        self.lock.withLock {
            var text = ""
            for name in self.order {
                guard let family = self.families[name] else { continue }
                text += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind.rawValue)\n"
                for series in family.series {
                    let value: Int64
                    if let counter = series.metric as? MetricCounter {
                        value = counter.value
                    } else if let gauge = series.metric as? MetricGauge {
                        value = gauge.value
                    } else {
                        continue
                    }
                    text += "\(name)\(series.labels) \(value)\n"
                }
            }
            return text
        }
    }

    private static func render(labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let parts = labels.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }
        return "{" + parts.joined(separator: ",") + "}"
    }
}
