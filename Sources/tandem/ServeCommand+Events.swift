import Tandem

/// `tandem serve` flags of the events API, the durable outbox and the per-user connection limit (Docs/events.md).
extension ServeCommand {
    static var eventsFlags: [FlagParser<ServeOptions>.Flag] {
        [
            .init("--service-token", env: "TANDEM_SERVICE_TOKEN", value: "TOKEN",
                  help: "bearer token of host backends on /api/v1/events/ (default: admin JWTs only)") {
                $0.app.events.serviceToken = $1.isEmpty ? nil : $1
            },
            .init("--max-connections-per-user", env: "TANDEM_MAX_CONNECTIONS_PER_USER", value: "N",
                  help: "connections one user may hold across all protocols (default: no limit, as Open WebUI)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.events.maxConnectionsPerUser = try FlagValue.int(value, flag: "--max-connections-per-user", range: 1...1_000_000)
            },
            .init("--outbox-max-per-user", env: "TANDEM_OUTBOX_MAX_PER_USER", value: "N",
                  help: "durable events kept per user (default 1000)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.events.outbox.maxPerUser = try FlagValue.int(value, flag: "--outbox-max-per-user", range: 1...1_000_000)
            },
            .init("--outbox-expiry", env: "TANDEM_OUTBOX_EXPIRY", value: "DURATION",
                  help: "how long durable events are kept (default 7d)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                options.app.events.outbox.expiry = try FlagValue.duration(value, flag: "--outbox-expiry")
            },
        ]
    }
}
