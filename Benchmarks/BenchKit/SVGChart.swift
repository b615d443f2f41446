/// A small SVG writer for horizontal bar charts: one chart per suite, Tandem beside the reference where one ran.
///
/// Rows are grouped by unit and every group has its own linear scale (milliseconds are not compared with bytes), so a
/// bar's length is relative to the largest value of its unit in the chart. Each bar carries its value as a label and
/// each pair its ratio. The output is plain SVG 1.1 text with no scripts, fonts or external references, so GitHub and
/// browsers render it as an image.
public struct SVGChart: Sendable {
    public struct Bar: Equatable, Sendable {
        public var label: String
        public var value: Double
        public var reference: Double?
        public var unit: String
        public var lowerIsBetter: Bool

        public init(label: String, value: Double, reference: Double? = nil, unit: String, lowerIsBetter: Bool = true) {
            self.label = label
            self.value = value
            self.reference = reference
            self.unit = unit
            self.lowerIsBetter = lowerIsBetter
        }
    }

    public var title: String
    public var subtitle: String
    public var bars: [Bar]
    public var referenceName: String?
    public var width = 900
    public var labelWidth = 330
    public var barHeight = 14

    public init(title: String, subtitle: String = "", bars: [Bar], referenceName: String? = nil) {
        self.title = title
        self.subtitle = subtitle
        self.bars = bars
        self.referenceName = referenceName
    }

    /// The chart of a suite report: every row, grouped by unit.
    public init(report: SuiteReport, machine: String = "") {
        let referenceName = report.rows.compactMap(\.referenceName).first
        self.init(
            title: "tandem-bench \(report.suite): \(report.title)", subtitle: machine,
            bars: report.rows.filter(\.chart).map {
                Bar(label: $0.group.isEmpty ? $0.name : "\($0.group): \($0.name)", value: $0.value,
                    reference: $0.reference, unit: $0.unit, lowerIsBetter: $0.lowerIsBetter)
            }, referenceName: referenceName)
    }

    static let tandemColor = "#2b6cb0"
    static let referenceColor = "#dd6b20"

    /// Escapes text for SVG character data and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    /// The SVG document.
    public func render() -> String {
        var units: [String] = []
        for bar in self.bars where !units.contains(bar.unit) { units.append(bar.unit) }
        let plotWidth = self.width - self.labelWidth - 150
        var body: [String] = []
        var y = 52
        let hasReference = self.bars.contains { $0.reference != nil }
        if hasReference {
            body.append(self.legend(y: 40))
            y += 10
        }
        for unit in units {
            let group = self.bars.filter { $0.unit == unit }
            let scale = group.flatMap { [$0.value] + ($0.reference.map { [$0] } ?? []) }.filter(\.isFinite).max() ?? 1
            y += 18
            body.append(#"<text x="10" y="\#(y)" class="unit">\#(Self.escape(unit))\#(group.first?.lowerIsBetter == false ? " (higher is better)" : " (lower is better)")</text>"#)
            y += 8
            for bar in group {
                let rowHeight = bar.reference == nil ? self.barHeight + 6 : 2 * self.barHeight + 8
                let labelY = y + self.barHeight - 3
                body.append(#"<text x="\#(self.labelWidth - 8)" y="\#(labelY)" class="label" text-anchor="end">\#(Self.escape(Self.clip(bar.label, 52)))</text>"#)
                body.append(self.rect(y: y, value: bar.value, scale: scale, plotWidth: plotWidth, color: Self.tandemColor))
                if let reference = bar.reference {
                    body.append(self.rect(y: y + self.barHeight + 2, value: reference, scale: scale, plotWidth: plotWidth,
                                          color: Self.referenceColor))
                    if let ratio = Self.ratio(bar) {
                        body.append(#"<text x="\#(self.width - 8)" y="\#(labelY + self.barHeight / 2 + 1)" class="ratio" text-anchor="end">\#(BenchTable.formatRatio(ratio)) \#(ratio >= 1 ? "better" : "worse")</text>"#)
                    }
                }
                y += rowHeight
            }
        }
        let height = y + 16
        var svg = [
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(self.width)" height="\#(height)" viewBox="0 0 \#(self.width) \#(height)" role="img">"#,
            "<title>\(Self.escape(self.title))</title>",
            "<style>text{font-family:Helvetica,Arial,sans-serif;font-size:11px;fill:#222}.title{font-size:15px;font-weight:bold}.unit{font-weight:bold;fill:#555}.value{font-size:10px;fill:#333}.ratio{font-size:10px;fill:#555}</style>",
            #"<rect x="0" y="0" width="\#(self.width)" height="\#(height)" fill="white"/>"#,
            #"<text x="10" y="20" class="title">\#(Self.escape(self.title))</text>"#,
        ]
        if !self.subtitle.isEmpty {
            svg.append(#"<text x="10" y="34" class="value">\#(Self.escape(self.subtitle))</text>"#)
        }
        svg += body
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    func legend(y: Int) -> String {
        let reference = Self.escape(self.referenceName ?? "reference")
        return #"<rect x="\#(self.labelWidth)" y="\#(y + 2)" width="10" height="10" fill="\#(Self.tandemColor)"/><text x="\#(self.labelWidth + 14)" y="\#(y + 11)" class="value">Tandem</text><rect x="\#(self.labelWidth + 70)" y="\#(y + 2)" width="10" height="10" fill="\#(Self.referenceColor)"/><text x="\#(self.labelWidth + 84)" y="\#(y + 11)" class="value">\#(reference)</text>"#
    }

    func rect(y: Int, value: Double, scale: Double, plotWidth: Int, color: String) -> String {
        let fraction = scale > 0 && value.isFinite ? max(0, min(1, value / scale)) : 0
        let length = max(1, Int((fraction * Double(plotWidth)).rounded()))
        return #"<rect x="\#(self.labelWidth)" y="\#(y)" width="\#(length)" height="\#(self.barHeight)" fill="\#(color)"/>"#
            + #"<text x="\#(self.labelWidth + length + 4)" y="\#(y + self.barHeight - 3)" class="value">\#(Self.number(value))</text>"#
    }

    static func ratio(_ bar: Bar) -> Double? {
        guard let reference = bar.reference, reference > 0, bar.value > 0 else { return nil }
        return bar.lowerIsBetter ? reference / bar.value : bar.value / reference
    }

    static func clip(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    /// A compact number: three significant digits below 100, integers with separators above.
    static func number(_ value: Double) -> String { BenchTable.format(value) }
}
