import Foundation
import Tandem

// `tandem` dispatches on its first argument. Subcommands are added by their own files.
// Conventions: `--help` on a command prints its usage to stdout and exits 0; an unknown command or option prints
// the usage to stderr and exits 2; bad input exits 1.
let usage = """
    usage: tandem <command> [options]

    commands:
      serve     run the collaboration server (tandem serve --help)
      token     mint a JWT for the server's secret (tandem token --help)
      check     verify (and --repair) a data directory (tandem check --help)
      update    inspect, merge, diff and convert Yjs updates (tandem update --help)
      replay    apply an update log headlessly and print the document (tandem replay --help)
      version   print the version (also --version)
    """

let arguments = Array(CommandLine.arguments.dropFirst())
let rest = Array(arguments.dropFirst())
switch arguments.first {
case "replay":
    ReplayCommand.run(rest)
case "update":
    exit(UpdateCommand.run(rest))
case "token":
    let outcome = TokenCommand.run(rest, environment: ProcessInfo.processInfo.environment)
    FileHandle.standardOutput.write(Data(outcome.output.utf8))
    FileHandle.standardError.write(Data(outcome.error.utf8))
    exit(outcome.status)
case "check":
    let outcome = CheckCommand.run(rest)
    FileHandle.standardOutput.write(Data(outcome.output.utf8))
    FileHandle.standardError.write(Data(outcome.error.utf8))
    exit(outcome.status)
case "--version", "-V", "version":
    print("tandem \(Tandem.version)")
case "serve":
    exit(await ServeCommand.run(rest))
case "help", "--help", "-h":
    print(usage)
case nil:
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
case let command?:
    let what = command.hasPrefix("-") ? "unknown option" : "unknown command"
    FileHandle.standardError.write(Data("tandem: \(what) '\(command)'\n\n\(usage)\n".utf8))
    exit(2)
}
