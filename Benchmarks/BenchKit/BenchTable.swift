import Foundation

/// Renders suite reports as aligned text tables (stdout) and Markdown tables (docs).
public enum BenchTable {
    /// A number as people read it: thousands separators for large values, three significant decimals for small ones.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let magnitude = abs(value)
        if magnitude >= 1000 || (magnitude == magnitude.rounded() && magnitude >= 1) {
            let rounded = Int64(value.rounded())
            var digits = String(abs(rounded))
            var groups: [String] = []
            while digits.count > 3 {
                groups.insert(String(digits.suffix(3)), at: 0)
                digits.removeLast(3)
            }
            groups.insert(digits, at: 0)
            return (rounded < 0 ? "-" : "") + groups.joined(separator: ",")
        }
        if magnitude >= 100 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3f", value)
    }

    /// `12.3×` (Tandem better) or `0.45×`.
    public static func formatRatio(_ ratio: Double?) -> String {
        guard let ratio else { return "" }
        return ratio >= 10 ? String(format: "%.0f×", ratio) : String(format: "%.2f×", ratio)
    }

    /// A fixed-width text table of one suite.
    public static func text(_ report: SuiteReport) -> String {
        var lines = ["== \(report.suite): \(report.title) (\(String(format: "%.1f", report.seconds)) s)"]
        let hasReference = report.rows.contains { $0.reference != nil || $0.secondReference != nil }
        let hasSecond = report.rows.contains { $0.secondReference != nil }
        var table: [[String]] = [["", "tandem", "unit"] + (hasReference ? ["reference", "ratio", "by"] : [])
            + (hasSecond ? ["reference 2", "ratio 2", "by"] : []) + ["note"]]
        var group: String?
        for row in report.rows {
            if row.group != group {
                group = row.group
                table.append(["[\(row.group)]", "", ""] + (hasReference ? ["", "", ""] : [])
                    + (hasSecond ? ["", "", ""] : []) + [""])
            }
            var cells = ["  " + row.name, format(row.value), row.unit]
            if hasReference {
                cells += [row.reference.map(format) ?? "", formatRatio(row.ratio), row.referenceName ?? ""]
            }
            if hasSecond {
                cells += [row.secondReference.map(format) ?? "", formatRatio(row.secondRatio), row.secondReferenceName ?? ""]
            }
            cells.append(row.note ?? "")
            table.append(cells)
        }
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, cells) in table.enumerated() {
            var line = ""
            for (column, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                // Text columns left-aligned, numbers right-aligned.
                let numeric = column == 1 || (hasReference && (column == 3 || column == 4))
                    || (hasSecond && (column == 6 || column == 7))
                line += (numeric && index > 0 ? pad + cell : cell + pad) + "  "
            }
            lines.append(line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        for note in report.notes { lines.append("note: \(note)") }
        if let error = report.error { lines.append("ERROR: \(error)") }
        return lines.joined(separator: "\n")
    }

    /// A Markdown table of one suite, as Docs/benchmarks.md shows it.
    public static func markdown(_ report: SuiteReport) -> String {
        let hasReference = report.rows.contains { $0.reference != nil || $0.secondReference != nil }
        let hasSecond = report.rows.contains { $0.secondReference != nil }
        var lines = hasSecond
            ? ["| group | measurement | Tandem | reference | ratio | reference 2 | ratio 2 | unit | note |",
               "|---|---|---:|---:|---:|---:|---:|---|---|"]
            : hasReference
            ? ["| group | measurement | Tandem | reference | ratio | unit | note |", "|---|---|---:|---:|---:|---|---|"]
            : ["| group | measurement | Tandem | unit | note |", "|---|---|---:|---|---|"]
        for row in report.rows {
            let note = (row.note ?? "").replacingOccurrences(of: "|", with: "\\|")
            if hasReference {
                let reference = row.reference.map { format($0) + " (\(row.referenceName ?? "ref"))" } ?? ""
                let second = !hasSecond ? ""
                    : (row.secondReference.map { format($0) + " (\(row.secondReferenceName ?? "ref"))" } ?? "")
                    + " | \(formatRatio(row.secondRatio)) | "
                lines.append("| \(row.group) | \(row.name) | \(format(row.value)) | \(reference) | "
                    + "\(formatRatio(row.ratio)) | \(hasSecond ? second : "")\(row.unit) | \(note) |")
            } else {
                lines.append("| \(row.group) | \(row.name) | \(format(row.value)) | \(row.unit) | \(note) |")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A whole run as Markdown: the machine and command, then per suite its chart (`images/bench-<suite>.svg`
    /// relative to `imagePrefix`), table and notes.
    public static func markdown(_ run: BenchRun, imagePrefix: String = "images/") -> String {
        var out = ["Machine: \(run.machine.summary).", "", "```sh", run.command, "```", "",
                   String(format: "Total wall time: %.0f s, %d repeat(s) per measurement.", run.seconds, run.repeats)]
        for report in run.suites {
            out += ["", "### \(report.suite): \(report.title)", ""]
            if !report.rows.isEmpty { out += ["![\(report.suite) chart](\(imagePrefix)bench-\(report.suite).svg)", ""] }
            out.append(markdown(report))
            out.append("")
            out.append(String(format: "Suite time: %.1f s.", report.seconds))
            for note in report.notes { out.append("- \(note)") }
            if let error = report.error { out.append("- **Error:** \(error)") }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
