import Foundation
import Testing

@testable import BenchKit

struct BenchReportTests {
    static let machine = MachineInfo(cores: 2, memoryBytes: 8 << 30, cpu: "Test CPU", os: "Test OS", kernel: "6.1",
                                     swift: "6.3", date: "2026-11-23T22:00:00Z", loadAverage: 1.5)

    static func run() -> BenchRun {
        let report = SuiteReport(
            suite: "codec", title: "codec things",
            rows: [
                BenchRow(group: "log", name: "merge", value: 100, unit: "ms", reference: 1000, referenceName: "pycrdt"),
                BenchRow(group: "log", name: "relay", value: 50_000, unit: "deliveries/s", reference: 25_000),
                BenchRow(group: "log", name: "size", value: 223_414, unit: "bytes"),
            ], notes: ["a note"], seconds: 1.25)
        return BenchRun(tool: "tandem-bench 0.1", command: "tandem-bench --suite codec", machine: machine, repeats: 3,
                        suites: [report], seconds: 1.5)
    }

    @Test("Ratios read as 'times better': reference/Tandem for times, Tandem/reference for rates")
    func ratios() {
        let rows = Self.run().suites[0].rows
        #expect(rows[0].ratio == 10)
        #expect(rows[0].lowerIsBetter)
        #expect(rows[1].ratio == 2)
        #expect(!rows[1].lowerIsBetter)
        #expect(rows[2].ratio == nil)
    }

    @Test("The JSON has the machine, the command and every row with its reference")
    func jsonShape() throws {
        let data = try Self.run().jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["schema", "tool", "command", "machine", "repeats", "suites", "seconds"])
        #expect(object["command"] as? String == "tandem-bench --suite codec")
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(machine["cores"] as? Int == 2)
        #expect(machine["swift"] as? String == "6.3")
        #expect(machine["os"] as? String == "Test OS")
        let suites = try #require(object["suites"] as? [[String: Any]])
        #expect(suites.count == 1)
        #expect(suites[0]["suite"] as? String == "codec")
        let rows = try #require(suites[0]["rows"] as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows[0]["name"] as? String == "merge")
        #expect(rows[0]["value"] as? Double == 100)
        #expect(rows[0]["reference"] as? Double == 1000)
        #expect(rows[0]["referenceName"] as? String == "pycrdt")
        #expect(rows[2]["reference"] == nil)
        // And it decodes back to the same run.
        #expect(try JSONDecoder().decode(BenchRun.self, from: data) == Self.run())
    }

    @Test("A NaN value (a failed latency) still gives valid JSON")
    func nanValue() throws {
        var run = Self.run()
        run.suites[0].rows[0].value = .nan
        let object = try JSONSerialization.jsonObject(with: try run.jsonData()) as? [String: Any]
        let rows = (object?["suites"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]]
        #expect(rows?.first?["value"] as? String == "NaN")
    }

    @Test("The text table shows values, references and ratios, and the notes")
    func textTable() {
        let text = BenchTable.text(Self.run().suites[0])
        #expect(text.hasPrefix("== codec: codec things (1.2 s)"))
        #expect(text.contains("[log]"))
        #expect(text.contains("merge"))
        #expect(text.contains("1,000"))
        #expect(text.contains("10×"))
        #expect(text.contains("223,414"))
        #expect(text.contains("note: a note"))
    }

    @Test("The Markdown table has one line per row plus the header")
    func markdownTable() {
        let lines = BenchTable.markdown(Self.run().suites[0]).split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0] == "| group | measurement | Tandem | reference | ratio | unit | note |")
        #expect(lines[2] == "| log | merge | 100 | 1,000 (pycrdt) | 10× | ms |  |")
    }

    @Test("The Markdown report has the machine, the command, and per suite a chart link and the table")
    func markdownRun() {
        let text = BenchTable.markdown(Self.run())
        #expect(text.hasPrefix("Machine: 2 cores, 8.0 GiB, Test CPU"))
        #expect(text.contains("```sh\ntandem-bench --suite codec\n```"))
        #expect(text.contains("### codec: codec things"))
        #expect(text.contains("![codec chart](images/bench-codec.svg)"))
        #expect(text.contains("| log | merge | 100 | 1,000 (pycrdt) | 10× | ms |  |"))
        #expect(text.contains("- a note"))
    }

    @Test("Numbers are formatted for reading", arguments: [
        (1234567.0, "1,234,567"), (100.0, "100"), (123.456, "123.5"), (12.345, "12.35"), (0.1234, "0.123"),
        (-2500.0, "-2,500"),
    ])
    func formatting(_ value: Double, _ expected: String) {
        #expect(BenchTable.format(value) == expected)
    }

    @Test("Percentiles by nearest rank")
    func percentiles() {
        let values = (1...100).map(Double.init)
        #expect(BenchMeasure.percentile(values, 0.5) == 50)
        #expect(BenchMeasure.percentile(values, 0.99) == 99)
        #expect(BenchMeasure.percentile(values, 1) == 100)
        #expect(BenchMeasure.percentile([], 0.5) == 0)
        #expect(BenchMeasure.percentile([7], 0.99) == 7)
    }

    @Test("/proc status fields are read in bytes")
    func procStatus() {
        let text = "Name:\ttandem-bench\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t5\n"
        let hwm: UInt64? = ProcessMemory.parseStatus(text, field: "VmHWM")
        let rssField: UInt64? = ProcessMemory.parseStatus(text, field: "VmRSS")
        let threads: UInt64? = ProcessMemory.parseStatus(text, field: "Threads")
        let missing: UInt64? = ProcessMemory.parseStatus(text, field: "VmPeak")
        #expect(hwm == UInt64(204_800 * 1024))
        #expect(rssField == UInt64(102_400 * 1024))
        #expect(threads == UInt64(5))
        #expect(missing == nil)
        let rss = ProcessMemory.status("VmRSS") ?? 1
        #expect(rss > 0)
    }

    @Test("The machine summary names cores, OS, Swift and load")
    func machineSummary() {
        let summary = Self.machine.summary
        #expect(summary.hasPrefix("2 cores, 8.0 GiB, Test CPU, Test OS (Linux 6.1), Swift 6.3, 2026-11-23T22:00:00Z"))
        #expect(summary.hasSuffix("load 1.50"))
        #expect(MachineInfo.current().cores >= 1)
    }
}
