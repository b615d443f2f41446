import Testing

@testable import BenchKit

struct SVGChartTests {
    static let chart = SVGChart(
        title: "codec <&> \"test\"", subtitle: "2 cores",
        bars: [
            .init(label: "merge", value: 50, reference: 100, unit: "ms"),
            .init(label: "encode", value: 100, unit: "ms"),
            .init(label: "relay", value: 3000, reference: 1000, unit: "deliveries/s", lowerIsBetter: false),
        ], referenceName: "pycrdt")

    static func attribute(_ name: String, in element: Substring) -> String? {
        guard let range = element.range(of: " \(name)=\"") else { return nil }
        return String(element[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The `<rect …/>` elements that are bars (skips the background and the legend squares).
    static func bars(_ svg: String) -> [(width: Int, fill: String)] {
        svg.split(separator: "<rect").dropFirst().compactMap { element in
            guard let width = attribute("width", in: element).flatMap({ Int($0) }),
                let height = attribute("height", in: element), height == "14",
                let fill = attribute("fill", in: element)
            else { return nil }
            return (width, fill)
        }
    }

    @Test("The document is one svg element with a title, escaped text and balanced tags")
    func document() {
        let svg = Self.chart.render()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("<title>codec &lt;&amp;&gt; &quot;test&quot;</title>"))
        #expect(!svg.contains("<&>"))
        #expect(svg.components(separatedBy: "<text").count == svg.components(separatedBy: "</text>").count)
        #expect(svg.components(separatedBy: "<svg").count == 2)
    }

    @Test("Bars are scaled per unit: the largest value of a unit spans the plot, the others in proportion")
    func scaling() {
        let bars = Self.bars(Self.chart.render())
        // ms: 50 (Tandem), 100 (pycrdt), 100 (Tandem); deliveries/s: 3000 (Tandem), 1000 (pycrdt).
        #expect(bars.count == 5)
        let plot = Self.chart.width - Self.chart.labelWidth - 150
        #expect(bars.map(\.width) == [plot / 2, plot, plot, plot, plot / 3])
        #expect(bars.map(\.fill) == ["#2b6cb0", "#dd6b20", "#2b6cb0", "#2b6cb0", "#dd6b20"])
    }

    @Test("Pairs carry their ratio; units and the legend are labelled")
    func labels() {
        let svg = Self.chart.render()
        #expect(svg.contains("2.00× better"))
        #expect(svg.contains("3.00× better"))
        #expect(svg.contains(">ms (lower is better)</text>"))
        #expect(svg.contains(">deliveries/s (higher is better)</text>"))
        #expect(svg.contains(">pycrdt</text>"))
        #expect(svg.contains(">3,000</text>"))
    }

    @Test("A chart made from a suite report has one bar per value")
    func fromReport() {
        let report = SuiteReport(suite: "doc", title: "doc", rows: [
            BenchRow(group: "g", name: "a", value: 1, unit: "ms"),
            BenchRow(group: "g", name: "b", value: 0, unit: "ms"),
            BenchRow(group: "g", name: "size", value: 10, unit: "bytes", chart: false),
        ])
        let svg = SVGChart(report: report).render()
        #expect(Self.bars(svg).count == 2)
        #expect(svg.contains(">g: a</text>"))
        #expect(!svg.contains("× better"))
        #expect(!svg.contains(">g: size<"))
    }
}
