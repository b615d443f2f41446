import Foundation
import Tandem
import YCRDT
import Wire

// `tandem-bench` runs benchmark suites; suites are added by their own files.
let benchArguments = Array(CommandLine.arguments.dropFirst())
switch benchArguments.first {
case "doc":
    try DocSuite.run(Array(benchArguments.dropFirst()))
case "codec":
    do {
        print(CodecSuite.report(try CodecSuite.run(Array(benchArguments.dropFirst()))))
    } catch {
        FileHandle.standardError.write(Data("tandem-bench codec: \(error)\n".utf8))
        exit(1)
    }
default:
    print("tandem-bench \(Tandem.version): suites: doc, codec [LOG.ylog] [--write-merged OUT]")
}
