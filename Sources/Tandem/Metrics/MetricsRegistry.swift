import Foundation

/// A monotonically increasing metric (Prometheus `counter`; its name ends in `_total`). Thread-safe; keep the
/// reference returned by ``MetricsRegistry/counter(_:help:labels:)``.
public final class MetricCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: Int64 = 0

    init() {}

    /// Adds `amount` (default 1); negative amounts are ignored, a counter never goes down.
    public func increment(by amount: Int64 = 1) {
        guard amount > 0 else { return }
        self.lock.withLock { self.storage &+= amount }
    }

    /// The current value.
    public var value: Int64 { self.lock.withLock { self.storage } }
}

/// A metric that goes up and down (Prometheus `gauge`: open connections, loaded documents). Thread-safe; keep the
/// reference returned by ``MetricsRegistry/gauge(_:help:labels:)``.
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

/// Counters, gauges and histograms rendered as Prometheus text exposition format 0.0.4 by `GET /metrics`.
///
/// Any module can register its own metrics: ask for a metric once and keep the reference; asking again with the
/// same name and labels returns the same object. Conventions (checked by ``namingProblems()`` in the tests):
/// `tandem_` prefix, snake case, counters end in `_total`, gauges and histograms do not, units in the name
/// (`_seconds`, `_bytes`), and label values from small fixed sets (a kind, a status class — never an id).
///
/// ```swift
/// let saves = registry.counter("tandem_document_saves_total", help: "Document states written.")
/// let saveLatency = registry.histogram("tandem_document_save_duration_seconds", help: "Time to write a state.")
/// saves.increment(); saveLatency.observe(since: started)
/// ```
public final class MetricsRegistry: @unchecked Sendable {
    /// The Prometheus metric type of a family.
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    private struct Family {
        let kind: Kind
        let help: String
        var series: [(labels: String, metric: AnyObject)]
    }

    private let lock = NSLock()
    private var families: [String: Family] = [:]
    private var order: [String] = []
    private var conflicts: [String] = []

    /// An empty registry.
    public init() {}

    /// The counter `name` (ending in `_total`) with `labels`, created on first use.
    public func counter(_ name: String, help: String, labels: [String: String] = [:]) -> MetricCounter {
        self.metric(name, help: help, kind: .counter, labels: labels) { MetricCounter() }
    }

    /// The gauge `name` with `labels`, created on first use.
    public func gauge(_ name: String, help: String, labels: [String: String] = [:]) -> MetricGauge {
        self.metric(name, help: help, kind: .gauge, labels: labels) { MetricGauge() }
    }

    /// The histogram `name` with `labels` over `buckets` (upper bounds; default
    /// ``MetricHistogram/latencyBuckets``, in seconds), created on first use. The buckets of the first
    /// registration of a series win.
    public func histogram(
        _ name: String, help: String, buckets: [Double] = MetricHistogram.latencyBuckets,
        labels: [String: String] = [:]
    ) -> MetricHistogram {
        self.metric(name, help: help, kind: .histogram, labels: labels) { MetricHistogram(bounds: buckets) }
    }

    /// Publishes an existing histogram as the series `name` with `labels` (a module that must observe before a
    /// registry exists, such as the rooms of a ``DocumentManager``). A series already registered under that name and
    /// label set is kept; the returned histogram is the one exported.
    @discardableResult
    public func register(
        _ histogram: MetricHistogram, as name: String, help: String, labels: [String: String] = [:]
    ) -> MetricHistogram {
        self.metric(name, help: help, kind: .histogram, labels: labels) { histogram }
    }

    private func metric<M: AnyObject>(
        _ name: String, help: String, kind: Kind, labels: [String: String], make: () -> M
    ) -> M {
        let labelText = Self.render(labels: labels)
        return self.lock.withLock {
            if let family = self.families[name] {
                guard family.kind == kind else {
                    // A name registered twice with different types: keep the first; this one is not exported.
                    self.conflicts.append("\(name): registered as \(family.kind.rawValue) and as \(kind.rawValue)")
                    return make()
                }
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
        let snapshot: [(String, Family)] = self.lock.withLock {
            self.order.compactMap { name in self.families[name].map { (name, $0) } }
        }
        var text = ""
        for (name, family) in snapshot {
            let help = family.help.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\n", with: "\\n")
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(family.kind.rawValue)\n"
            for series in family.series {
                let braces = series.labels.isEmpty ? "" : "{" + series.labels + "}"
                if let counter = series.metric as? MetricCounter {
                    text += "\(name)\(braces) \(counter.value)\n"
                } else if let gauge = series.metric as? MetricGauge {
                    text += "\(name)\(braces) \(gauge.value)\n"
                } else if let histogram = series.metric as? MetricHistogram {
                    text += histogram.render(name: name, labels: series.labels)
                }
            }
        }
        return text
    }

    /// The value of a counter or gauge summed over its label sets, or a histogram's observation count and sum;
    /// nil when `name` is not registered. Reads without registering (the admin dashboard polls it).
    public func total(_ name: String) -> (value: Double, sum: Double)? {
        guard let family = self.lock.withLock({ self.families[name] }) else { return nil }
        var value = 0.0
        var sum = 0.0
        for series in family.series {
            if let counter = series.metric as? MetricCounter {
                value += Double(counter.value)
            } else if let gauge = series.metric as? MetricGauge {
                value += Double(gauge.value)
            } else if let histogram = series.metric as? MetricHistogram {
                let snapshot = histogram.snapshot
                value += Double(snapshot.count)
                sum += snapshot.sum
            }
        }
        return (value, sum)
    }

    /// The registered metric names of `kind`, in registration order.
    public func names(of kind: Kind) -> [String] {
        self.lock.withLock { self.order.filter { self.families[$0]?.kind == kind } }
    }

    /// Every way the registered metrics break the naming conventions (empty when they follow them): counters not
    /// ending in `_total`, gauges or histograms that do, names outside `[a-z_:][a-z0-9_:]*` or without the
    /// `tandem_` prefix, and names registered with two types.
    public func namingProblems() -> [String] {
        let (entries, conflicts): ([(String, Kind)], [String]) = self.lock.withLock {
            (self.order.compactMap { name in self.families[name].map { (name, $0.kind) } }, self.conflicts)
        }
        var problems = conflicts
        for (name, kind) in entries {
            if !name.hasPrefix("tandem_") { problems.append("\(name): no tandem_ prefix") }
            let valid = name.unicodeScalars.enumerated().allSatisfy { index, scalar in
                (scalar >= "a" && scalar <= "z") || scalar == "_" || scalar == ":" || (index > 0 && scalar >= "0" && scalar <= "9")
            }
            if !valid { problems.append("\(name): not snake case ([a-z_:][a-z0-9_:]*)") }
            switch kind {
            case .counter where !name.hasSuffix("_total"):
                problems.append("\(name): a counter must end in _total")
            case .gauge where name.hasSuffix("_total"), .histogram where name.hasSuffix("_total"):
                problems.append("\(name): only counters end in _total")
            case .histogram where name.hasSuffix("_bucket") || name.hasSuffix("_count") || name.hasSuffix("_sum"):
                problems.append("\(name): a histogram's name must not end in _bucket, _count or _sum")
            default:
                break
            }
        }
        return problems
    }

    /// A sample value as Prometheus writes it: integers without a fraction, otherwise the shortest exact decimal.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// `key="value",…` sorted by key, escaped; "" for no labels.
    private static func render(labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: ",")
    }
}
