import Tandem

/// `tandem serve` flags of the per-session and per-user limits on documents and awareness (Docs/rooms.md, "Limits").
extension ServeCommand {
    static var memberLimitFlags: [FlagParser<ServeOptions>.Flag] {
        [
            .init("--max-documents-per-session", env: "TANDEM_MAX_DOCUMENTS_PER_SESSION", value: "N",
                  help: "documents one Socket.IO session may hold joined (default 20, as Open WebUI)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.maxDocumentsPerSession = try FlagValue.int(
                    value, flag: "--max-documents-per-session", range: 1...100_000)
            },
            .init("--max-documents-per-user", env: "TANDEM_MAX_DOCUMENTS_PER_USER", value: "N",
                  help: "distinct documents one user may hold joined over all connections, both protocols (default 100, 0 = no limit)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.maxDocumentsPerUser = try FlagValue.int(
                    value, flag: "--max-documents-per-user", range: 0...1_000_000)
            },
            .init("--max-awareness-entries-per-peer", env: "TANDEM_MAX_AWARENESS_ENTRIES_PER_PEER", value: "N",
                  help: "awareness client ids one connection may add to a document (default 8, 0 = no limit)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.maxAwarenessEntriesPerPeer = try FlagValue.int(
                    value, flag: "--max-awareness-entries-per-peer", range: 0...100_000)
            },
            .init("--max-awareness-entries-per-user", env: "TANDEM_MAX_AWARENESS_ENTRIES_PER_USER", value: "N",
                  help: "awareness client ids one user's connections may hold in a document (default 32, 0 = no limit)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.documents.maxAwarenessEntriesPerUser = try FlagValue.int(
                    value, flag: "--max-awareness-entries-per-user", range: 0...100_000)
            },
        ]
    }
}
