import Tandem
import YCRDT
import Wire

// `tandem-bench` runs benchmark suites; suites are added by their own files.
let benchArguments = Array(CommandLine.arguments.dropFirst())
switch benchArguments.first {
case "doc":
    try DocSuite.run(Array(benchArguments.dropFirst()))
default:
    print("tandem-bench \(Tandem.version): suites: doc")
}
