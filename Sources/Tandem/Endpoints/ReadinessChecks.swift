import Foundation

/// The checks behind `GET /readyz`: the server is ready when it is accepting connections (not shutting down) and
/// every registered check passes.
///
/// Register a check with ``Server/registerReadinessCheck(_:timeout:_:)`` (stores, Redis, a data directory). Checks
/// run concurrently on each request; a check that does not answer within its timeout (default
/// ``defaultTimeout``) counts as failing, so one hung dependency cannot hang the probe.
public final class ReadinessChecks: @unchecked Sendable {
    /// One named check.
    public typealias Check = @Sendable () async -> Bool

    /// Time a check may take before it counts as failing. Default 2 s.
    public static let defaultTimeout: Duration = .seconds(2)

    private let lock = NSLock()
    private var checks: [(name: String, timeout: Duration, check: Check)] = []
    private var accepting = true

    /// No checks; accepting.
    public init() {}

    /// Adds (or replaces) the check `name`.
    public func register(_ name: String, timeout: Duration = ReadinessChecks.defaultTimeout, _ check: @escaping Check) {
        self.lock.withLock {
            self.checks.removeAll { $0.name == name }
            self.checks.append((name, timeout, check))
        }
    }

    /// Marks the server as no longer accepting (shutdown began): every later probe fails.
    public func stopAccepting() {
        self.lock.withLock { self.accepting = false }
    }

    /// The outcome of one probe.
    public struct Report: Sendable, Equatable {
        /// Whether the server accepts connections.
        public var accepting: Bool
        /// Each check's name and result, in registration order.
        public var results: [(name: String, passed: Bool)]

        /// Ready: accepting and every check passed.
        public var isReady: Bool { self.accepting && self.results.allSatisfy(\.passed) }
        /// Names of the failing checks (`accepting` first when shutting down).
        public var failing: [String] {
            (self.accepting ? [] : ["accepting"]) + self.results.filter { !$0.passed }.map(\.name)
        }

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.accepting == rhs.accepting && lhs.results.map(\.name) == rhs.results.map(\.name)
                && lhs.results.map(\.passed) == rhs.results.map(\.passed)
        }

        /// The JSON body of `/readyz`: `{"status":"ready"|"not ready","failing":[…],"checks":{"name":"ok"|"failing"}}`.
        public var json: String {
            let failing = self.failing.map { "\"\(Self.escape($0))\"" }.joined(separator: ",")
            let checks = self.results.map { "\"\(Self.escape($0.name))\":\"\($0.passed ? "ok" : "failing")\"" }
                .joined(separator: ",")
            return #"{"status":"\#(self.isReady ? "ready" : "not ready")","failing":[\#(failing)],"checks":{\#(checks)}}"#
                + "\n"
        }

        private static func escape(_ text: String) -> String {
            var out = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
    }

    /// Runs every check concurrently, each bounded by its timeout.
    public func evaluate() async -> Report {
        let (accepting, checks) = self.lock.withLock { (self.accepting, self.checks) }
        var passed = Array(repeating: false, count: checks.count)
        await withTaskGroup(of: (Int, Bool).self) { group in
            for (index, entry) in checks.enumerated() {
                group.addTask { (index, await Self.run(entry.check, timeout: entry.timeout)) }
            }
            for await (index, result) in group { passed[index] = result }
        }
        return Report(accepting: accepting, results: zip(checks, passed).map { ($0.name, $1) })
    }

    /// The check's answer, or false once `timeout` has passed. A check that never returns is left running (and
    /// cancelled) rather than holding the probe.
    private static func run(_ check: @escaping Check, timeout: Duration) async -> Bool {
        let once = ResumeOnce()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let work = Task {
                let result = await check()
                if once.claim() { continuation.resume(returning: result) }
            }
            Task {
                try? await Task.sleep(for: timeout)
                if once.claim() {
                    work.cancel()
                    continuation.resume(returning: false)
                }
            }
        }
    }
}

/// A flag claimed once, across threads.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    /// True for the first caller only.
    func claim() -> Bool {
        self.lock.withLock {
            defer { self.claimed = true }
            return !self.claimed
        }
    }
}
