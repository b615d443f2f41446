import BenchKit
import Foundation
import Tandem

// `tandem-bench`: runs the registered suites, prints a table per suite, and writes JSON and SVG charts.
let benchOptions: BenchOptions
do {
    benchOptions = try BenchOptions(parsing: Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("tandem-bench: \(error)\n\(BenchOptions.usage)\n".utf8))
    exit(2)
}
if benchOptions.help {
    print(BenchOptions.usage)
    exit(0)
}
if benchOptions.list {
    for suite in BenchRegistry.suites { print("\(suite.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(suite.title)") }
    exit(0)
}
exit(await BenchRunner.run(benchOptions))
