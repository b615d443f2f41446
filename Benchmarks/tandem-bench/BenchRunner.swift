import BenchKit
import Foundation
import Tandem

/// Runs the chosen suites in order, prints each table as it finishes, then writes the JSON and the charts.
enum BenchRunner {
    static func run(_ options: BenchOptions) async -> Int32 {
        let machine = MachineInfo.current()
        let progress = BenchProgress()
        let context = BenchContext(options: options, progress: progress)
        let command = (["tandem-bench"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        print("tandem-bench \(Tandem.version): \(machine.summary)")
        print("command: \(command)\n")
        let start = BenchMeasure.now()
        var reports: [SuiteReport] = []
        var failed = false
        for name in options.suites {
            guard let suite = BenchRegistry.suite(named: name) else { continue }
            progress.step(name, "start")
            let suiteStart = BenchMeasure.now()
            var report: SuiteReport
            do {
                report = try await suite.run(context)
            } catch {
                report = SuiteReport(suite: name, title: suite.title, error: "\(error)")
            }
            if report.error != nil { failed = true }
            report.seconds = (BenchMeasure.now() - suiteStart) / 1000
            progress.step(name, String(format: "done in %.1f s", report.seconds))
            print(BenchTable.text(report) + "\n")
            fflush(nil)  // the table of a finished suite survives a later crash or kill
            reports.append(report)
        }
        let run = BenchRun(
            tool: "tandem-bench \(Tandem.version)", command: command, machine: machine, repeats: options.repeats,
            suites: reports, seconds: (BenchMeasure.now() - start) / 1000)
        print(String(format: "total: %.1f s", run.seconds))
        do {
            try self.write(run, options: options)
        } catch {
            FileHandle.standardError.write(Data("tandem-bench: \(error)\n".utf8))
            return 1
        }
        return failed ? 1 : 0
    }

    /// Writes `--json OUT` and one `bench-<suite>.svg` per suite beside it (or in `--svg-dir`).
    static func write(_ run: BenchRun, options: BenchOptions) throws {
        if let path = options.jsonPath {
            let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try run.jsonData().write(to: URL(fileURLWithPath: path))
            print("wrote \(path)")
        }
        if let path = options.markdownPath {
            try Data(BenchTable.markdown(run).utf8).write(to: URL(fileURLWithPath: path))
            print("wrote \(path)")
        }
        let directory = options.svgDirectory
            ?? options.jsonPath.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        guard let directory else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for report in run.suites where !report.rows.isEmpty {
            let subtitle = "\(run.machine.cores) cores, \(run.machine.os), Swift \(run.machine.swift), \(run.machine.date)"
            let svg = SVGChart(report: report, machine: subtitle).render()
            let path = URL(fileURLWithPath: directory).appendingPathComponent("bench-\(report.suite).svg").path
            try Data(svg.utf8).write(to: URL(fileURLWithPath: path))
            print("wrote \(path)")
        }
    }
}
