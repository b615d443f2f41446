import Foundation
import Tandem

// `tandem` dispatches on its first argument. Subcommands are added by their own files.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "replay":
    ReplayCommand.run(Array(arguments.dropFirst()))
case "update":
    exit(UpdateCommand.run(Array(arguments.dropFirst())))
case "--version", "version":
    print("tandem \(Tandem.version)")
case "serve":
    exit(await ServeCommand.run(Array(arguments.dropFirst())))
default:
    print("""
    usage: tandem <command> [options]

    commands:
      serve     run the collaboration server (tandem serve --help)
      update    inspect, merge, diff and convert Yjs updates
      replay    apply an update log headlessly and print the document
      version   print the version
    """)
}
