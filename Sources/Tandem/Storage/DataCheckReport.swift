/// What ``DataCheck`` found in a data directory: every document, note and channel with its size, and every problem
/// with what `--repair` does (or did) about it.
public struct DataCheckReport: Sendable {
    /// One stored thing and its size.
    public struct Item: Sendable, Equatable {
        public enum Kind: String, Sendable { case document, note, channel, chatReads = "chat reads" }
        public var kind: Kind
        /// The path relative to the data directory.
        public var path: String
        /// The document id, note id or channel name (empty when unknown).
        public var name: String
        /// Bytes of its files.
        public var bytes: Int
        /// A short summary (`state 1.2 KiB, log 3 records`).
        public var detail: String
    }

    /// A problem, or a remark that needs no repair.
    public struct Finding: Sendable, Equatable {
        /// The file concerned, relative to the data directory.
        public var path: String
        /// What is wrong.
        public var message: String
        /// What `--repair` does about it; nil when it needs a person (restore from a backup).
        public var repair: String?
        /// Whether the repair was performed.
        public var repaired = false
        /// A remark (kept copies, an older log format): not counted as a problem.
        public var isRemark = false
    }

    public var dataDirectory: String
    public var items: [Item] = []
    public var findings: [Finding] = []
    /// Where originals were copied before anything was changed (only after a repair changed something).
    public var backupDirectory: String?
    /// Whether this was a `--repair` run.
    public var repairing = false

    /// The problems (remarks excluded).
    public var problems: [Finding] { findings.filter { !$0.isRemark } }
    /// Problems not repaired (in a dry run: every problem).
    public var unresolved: [Finding] { problems.filter { !$0.repaired } }

    /// The exit status of `tandem check`: 0 when nothing is (left) wrong, 1 otherwise.
    public var status: Int32 { unresolved.isEmpty ? 0 : 1 }

    /// The report as `tandem check` prints it.
    public var text: String {
        let problems = self.problems
        var lines: [String] = []
        for item in items {
            let own = problems.filter { $0.path == item.path || $0.path.hasPrefix(item.path + "/") }
            let mark = own.isEmpty ? "ok" : own.allSatisfy(\.repaired) ? "repaired" : "PROBLEM"
            lines.append("\(mark.padding(8)) \(item.kind.rawValue.padding(9)) \(item.name.padding(36)) \(Self.size(item.bytes).padding(10)) \(item.detail)")
        }
        if !findings.isEmpty { lines.append("") }
        for finding in findings {
            let label = finding.isRemark ? "note" : finding.repaired ? "repaired" : "problem"
            lines.append("\(label): \(finding.path): \(finding.message)")
            if !finding.isRemark {
                let action = finding.repair.map { (finding.repaired ? "done: " : repairing ? "failed: " : "--repair would ") + $0 }
                lines.append("    " + (action ?? "cannot be repaired automatically: restore this file from a backup"))
            }
        }
        let count = { (kind: Item.Kind) in items.filter { $0.kind == kind }.count }
        let total = items.reduce(0) { $0 + $1.bytes }
        var summary = "\(count(.document)) documents, \(count(.note)) notes, \(count(.channel)) channels, \(Self.size(total))"
        if problems.isEmpty {
            summary += "; no problems"
        } else if repairing {
            summary += "; \(problems.count) problems, \(problems.filter(\.repaired).count) repaired"
            if let backupDirectory { summary += " (originals kept in \(backupDirectory))" }
        } else {
            let repairable = problems.filter { $0.repair != nil }.count
            summary += "; \(problems.count) problems, \(repairable) repairable with --repair (stop the server first)"
        }
        lines.append(lines.isEmpty ? summary : "\n" + summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `1.2 KiB`-style sizes.
    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}

extension String {
    /// The string padded with spaces to `width` characters (never cut).
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
