import Tandem

// `tandem` dispatches on its first argument. Subcommands are added by their own files.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "--version", "version":
    print("tandem \(Tandem.version)")
default:
    print("""
    usage: tandem <command> [options]

    commands:
      serve     run the collaboration server (not yet available)
      update    inspect, merge, diff and convert Yjs updates
      replay    apply an update log headlessly and print the document
      version   print the version
    """)
}
