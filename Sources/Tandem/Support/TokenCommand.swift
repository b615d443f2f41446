import Foundation

/// `tandem token --user ID [--name N] [--role admin|user] [--expires 1h|never] [--secret S]`: mints a JWT the server
/// accepts and prints it. Lives in the library so its parsing and exit statuses are tested; the `tandem` executable
/// only forwards arguments and prints the ``Outcome``.
///
/// The secret comes from `--secret` (or `--jwt-secret`), else `TANDEM_JWT_SECRET`, else `WEBUI_SECRET_KEY` — the same
/// sources as `tandem serve`.
public enum TokenCommand {
    /// What the command parsed.
    public struct Options: Sendable {
        /// The `id` claim (required).
        public var userID: String?
        /// The `name` claim; default the id.
        public var name: String?
        /// `admin` or `user`. Default `user`.
        public var role = "user"
        /// Time to `exp`; nil for a token that never expires. Default ``TokenIssuer/defaultLifetime`` (1 h).
        public var lifetime: Duration? = TokenIssuer.defaultLifetime
        /// The HS256 secret.
        public var secret: String?

        /// The defaults.
        public init() {}
    }

    /// Exit status and output of one run.
    public struct Outcome: Sendable, Equatable {
        /// 0 on success, 1 when no secret is configured, 2 for a usage error.
        public var status: Int32
        /// For standard output (the token, or the help).
        public var output: String
        /// For standard error.
        public var error: String
    }

    /// The help text.
    public static var usage: String {
        "usage: tandem token --user ID [--name NAME] [--role admin|user] [--expires DURATION|never] [--secret SECRET]\n\n"
            + "Prints an HS256 JWT for the server's secret (the one tandem serve uses).\n\noptions:\n"
            + FlagParser(flags: self.flags).help()
    }

    /// The flag table.
    public static var flags: [FlagParser<Options>.Flag] {
        [
            .init("--user", value: "ID", help: "the user id (the token's id claim); required") { $0.userID = $1 },
            .init("--name", value: "NAME", help: "display name (default: the id)") { $0.name = $1 },
            .init("--role", value: "admin|user", help: "the user's role (default user)") {
                (options: inout Options, value: String) throws(FlagError) in
                guard TokenIssuer.roles.contains(value) else {
                    throw .invalidValue(flag: "--role", value: value, expected: "admin or user")
                }
                options.role = value
            },
            .init("--expires", value: "DURATION", help: "lifetime like 30m, 12h or 7d, or never (default 1h)") {
                (options: inout Options, value: String) throws(FlagError) in
                options.lifetime = try self.lifetime(value)
            },
            .init("--secret", env: "TANDEM_JWT_SECRET", value: "SECRET",
                  help: "HS256 secret (also read from WEBUI_SECRET_KEY)") { $0.secret = $1 },
            .init("--jwt-secret", value: "SECRET", help: "same as --secret (the flag tandem serve takes)") {
                $0.secret = $1
            },
        ]
    }

    /// Parses `--expires`: `never`, or a positive duration (`ms`, `s`, `m`, `h`, `d`; plain numbers are seconds).
    public static func lifetime(_ text: String) throws(FlagError) -> Duration? {
        if text.lowercased() == "never" { return nil }
        let duration = try FlagValue.duration(text, flag: "--expires")
        guard duration >= .seconds(1) else {
            throw .invalidValue(flag: "--expires", value: text, expected: "at least one second, or never")
        }
        return duration
    }

    /// Parses `arguments` with `environment` and mints the token at `now` (seconds since 1970).
    public static func run(
        _ arguments: [String], environment: [String: String], now: Double = Date().timeIntervalSince1970
    ) -> Outcome {
        var options = Options()
        do {
            try FlagParser(flags: self.flags).parse(arguments, environment: environment, into: &options)
        } catch .helpRequested {
            return Outcome(status: 0, output: self.usage + "\n", error: "")
        } catch {
            return Outcome(status: 2, output: "", error: "tandem token: \(error)\n\n\(self.usage)\n")
        }
        guard let userID = options.userID, !userID.isEmpty else {
            return Outcome(status: 2, output: "", error: "tandem token: --user is required\n\n\(self.usage)\n")
        }
        let secret = options.secret ?? environment["WEBUI_SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard let secret, !secret.isEmpty else {
            return Outcome(
                status: 1, output: "",
                error: "tandem token: no secret: pass --secret or set TANDEM_JWT_SECRET (or WEBUI_SECRET_KEY) to the "
                    + "secret tandem serve runs with\n")
        }
        let token = TokenIssuer(secret: secret).mint(
            userID: userID, name: options.name, role: options.role, lifetime: options.lifetime, now: now)
        return Outcome(status: 0, output: token + "\n", error: "")
    }
}
