import Foundation
import Tandem

/// `tandem serve` operations: log flags, the ephemeral secret and its admin token, readiness checks.
extension ServeCommand {
    /// Lifetime of the admin token printed when the server runs with an ephemeral secret (the token dies with the
    /// secret when the process stops anyway). Default 24 h.
    static let ephemeralAdminTokenLifetime: Duration = .seconds(24 * 3600)

    static var operationsFlags: [FlagParser<ServeOptions>.Flag] {
        [
            .init("--log-format", env: "TANDEM_LOG_FORMAT", value: "text|json",
                  help: "log lines on stderr as text or one JSON object per line (default text)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                guard let format = LogFormat(rawValue: value.lowercased()) else {
                    throw .invalidValue(flag: "--log-format", value: value, expected: "text or json")
                }
                options.logFormat = format
            },
            .init("--log-level", env: "TANDEM_LOG_LEVEL", value: "LEVEL",
                  help: "least severe level logged: debug, info, warn or error (default info)") {
                (options: inout ServeOptions, value: String) throws(FlagError) in
                guard let level = LogLevel(parsing: value) else {
                    throw .invalidValue(flag: "--log-level", value: value, expected: "debug, info, warn or error")
                }
                options.logLevel = level
            },
        ]
    }

    /// Sets ``Log/shared`` from the flags (before anything logs).
    static func configureLogging(_ options: ServeOptions) {
        Log.shared = Logger(level: options.logLevel, format: options.logFormat)
    }

    /// With no secret configured (or an empty one), a random secret for this run; true when one was made.
    static func makeEphemeralSecretIfNeeded(_ options: inout ServeOptions) -> Bool {
        if let secret = options.app.jwtSecret, !secret.isEmpty { return false }
        options.app.jwtSecret = TokenIssuer.randomSecret()
        return true
    }

    /// `/readyz` checks of what `serve` configured: the data directory is still there and writable.
    static func registerReadinessChecks(on server: Server, options: ServeOptions) {
        if let directory = options.app.documents.dataDirectory {
            server.registerReadinessCheck("data_directory") {
                FileManager.default.isWritableFile(atPath: directory)
            }
        }
    }

    /// The start-up lines: `listening on` first on stdout (scripts and tests wait for it), then the URL and, with an
    /// ephemeral secret, an admin token on stdout and a warning on stderr.
    static func announce(server: Server, options: ServeOptions, ephemeral: Bool) {
        let host = options.configuration.host
        let shown = host.contains(":") ? "[\(host)]" : host
        var lines = "tandem \(Tandem.version) listening on \(shown):\(server.port)\n"
        let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "[::1]" : shown
        let url = "http://\(reachable):\(server.port)"
        lines += "url: \(url)\n"
        if ephemeral, let secret = options.app.jwtSecret {
            let token = TokenIssuer(secret: secret).mint(
                userID: "admin", name: "Admin", role: "admin", lifetime: self.ephemeralAdminTokenLifetime,
                now: Date().timeIntervalSince1970)
            lines += "admin token: \(token)\n"
            lines += "dashboard: \(url)/?token=\(token)\n"
            if options.app.documents.dataDirectory != nil {
                lines += "try: curl -H 'Authorization: Bearer \(token)' \(url)/api/v1/notes/\n"
            }
        }
        FileHandle.standardOutput.write(Data(lines.utf8))
        if ephemeral {
            Log.shared.warn(
                "no JWT secret configured: using a random secret for this run only; tokens stop working when the "
                    + "server stops",
                ["hint": "set --jwt-secret, TANDEM_JWT_SECRET or WEBUI_SECRET_KEY, and mint tokens with tandem token"])
        }
        Log.shared.info(
            "server started",
            ["version": Tandem.version, "address": "\(shown):\(server.port)",
             "data": options.app.documents.dataDirectory ?? "(memory)", "log_level": options.logLevel.description])
    }
}
