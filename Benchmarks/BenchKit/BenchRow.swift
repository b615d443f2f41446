import Foundation

/// One measured number of a suite, with the reference implementation's number for the same operation if one ran.
///
/// `lowerIsBetter` says how to read the ratio: for times the ratio is reference / Tandem (above 1: Tandem is faster),
/// for rates it is Tandem / reference; either way a ratio above 1 means Tandem did better.
public struct BenchRow: Codable, Equatable, Sendable {
    /// A short group heading inside the suite (for example `automerge-paper` or `B1`).
    public var group: String
    /// What was measured.
    public var name: String
    /// Tandem's value.
    public var value: Double
    /// The unit: `ms`, `bytes`, `MB/s`, `deliveries/s`, `KiB`, ….
    public var unit: String
    /// Whether a smaller value is better (times, sizes) or a larger one (rates).
    public var lowerIsBetter: Bool
    /// The reference implementation's value for the same operation, measured in the same run.
    public var reference: Double?
    /// The reference's name (`pycrdt 0.14.13`, `python-socketio 5.18.1`).
    public var referenceName: String?
    /// A second reference measured in the same run (Yjs beside pycrdt), shown in its own column.
    public var secondReference: Double?
    /// The second reference's name (`Yjs 13.6.31`).
    public var secondReferenceName: String?
    /// A free note (checks, sizes, why a reference is missing).
    public var note: String?
    /// Whether the suite's chart shows this row (secondary figures such as sizes stay in the table only).
    public var chart: Bool

    public init(
        group: String, name: String, value: Double, unit: String, lowerIsBetter: Bool? = nil,
        reference: Double? = nil, referenceName: String? = nil, note: String? = nil, chart: Bool = true
    ) {
        self.chart = chart
        self.group = group
        self.name = name
        self.value = value
        self.unit = unit
        self.lowerIsBetter = lowerIsBetter ?? !unit.hasSuffix("/s")
        self.reference = reference
        self.referenceName = referenceName
        self.note = note
    }

    /// How many times better Tandem did than the reference (above 1: Tandem better), if both are positive.
    public var ratio: Double? {
        guard let reference, reference > 0, self.value > 0 else { return nil }
        return self.lowerIsBetter ? reference / self.value : self.value / reference
    }

    /// ``ratio`` against the second reference.
    public var secondRatio: Double? {
        guard let secondReference, secondReference > 0, self.value > 0 else { return nil }
        return self.lowerIsBetter ? secondReference / self.value : self.value / secondReference
    }
}

/// The results of one suite.
public struct SuiteReport: Codable, Equatable, Sendable {
    /// The suite name (`codec`, `doc`, …).
    public var suite: String
    /// What the suite measures, in a sentence.
    public var title: String
    /// The rows in measurement order.
    public var rows: [BenchRow]
    /// Remarks: skipped references, failed checks, parameters.
    public var notes: [String]
    /// Wall time of the suite in seconds.
    public var seconds: Double
    /// Set when the suite failed; the rows measured before the failure are kept.
    public var error: String?

    public init(suite: String, title: String, rows: [BenchRow] = [], notes: [String] = [], seconds: Double = 0,
                error: String? = nil) {
        self.suite = suite
        self.title = title
        self.rows = rows
        self.notes = notes
        self.seconds = seconds
        self.error = error
    }
}

/// One `tandem-bench` invocation: the machine, the command and every suite's report.
public struct BenchRun: Codable, Equatable, Sendable {
    /// The format of this JSON document; bumped when fields change meaning.
    public var schema = 1
    public var tool: String
    public var command: String
    public var machine: MachineInfo
    public var repeats: Int
    public var suites: [SuiteReport]
    public var seconds: Double

    public init(tool: String, command: String, machine: MachineInfo, repeats: Int, suites: [SuiteReport],
                seconds: Double) {
        self.tool = tool
        self.command = command
        self.machine = machine
        self.repeats = repeats
        self.suites = suites
        self.seconds = seconds
    }

    /// Pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // A failed latency measurement can be NaN; JSON has no NaN, so it is written as a string.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(self)
    }
}
