import Testing
import Wire
@testable import Tandem

@Suite("tandem token")
struct TokenCommandTests {
    private func token(_ outcome: TokenCommand.Outcome) -> String {
        outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("A minted token is accepted by TokenAuthenticator with its id, name and role")
    func mintAndVerify() throws {
        let outcome = TokenCommand.run(
            ["--user", "u1", "--name", "Ada", "--role", "admin", "--secret", "s3cret"], environment: [:], now: 1_000)
        #expect(outcome.status == 0 && outcome.error.isEmpty)
        let token = self.token(outcome)
        let user = TokenAuthenticator(secret: "s3cret").user(token: token, now: 1_000)
        #expect(user?.json == ["id": "u1", "name": "Ada", "role": "admin"] && user?.expiresAt == 4_600)
        #expect(user?.token == token && user?.claims["jti"] != nil)
        #expect(TokenAuthenticator(secret: "other").user(token: token, now: 1_000) == nil)
        let claims = try JWTVerifier(secret: "s3cret").verify(token, now: 1_000)
        #expect(claims["iat"] == 1_000)
        #expect(claims["exp"] == 4_600)
        #expect(claims["jti"]?.stringValue?.isEmpty == false)
        #expect(claims["role"] == "admin")
    }

    @Test("Defaults: role user, name = id, one hour; expired after it")
    func defaults() throws {
        let token = self.token(TokenCommand.run(["--user", "7"], environment: ["TANDEM_JWT_SECRET": "k"], now: 0))
        let auth = TokenAuthenticator(secret: "k")
        let user = auth.user(token: token, now: 3_599)
        #expect(user?.json == ["id": "7", "name": "7", "role": "user"] && user?.expiresAt == 3_600)
        #expect(auth.user(token: token, now: 3_600) == nil)
    }

    @Test("The secret: --secret, else TANDEM_JWT_SECRET, else WEBUI_SECRET_KEY")
    func secretSources() {
        func signed(with secret: String, _ arguments: [String], _ environment: [String: String]) -> Bool {
            let token = self.token(TokenCommand.run(["--user", "u"] + arguments, environment: environment, now: 0))
            return TokenAuthenticator(secret: secret).user(token: token, now: 0) != nil
        }
        #expect(signed(with: "webui", [], ["WEBUI_SECRET_KEY": "webui"]))
        #expect(signed(with: "tandem", [], ["WEBUI_SECRET_KEY": "webui", "TANDEM_JWT_SECRET": "tandem"]))
        #expect(signed(with: "flag", ["--secret", "flag"], ["TANDEM_JWT_SECRET": "tandem"]))
        #expect(signed(with: "flag", ["--jwt-secret=flag"], [:]))
    }

    @Test("--expires: durations with units, never, and refusals", arguments: [
        ("30m", Duration.seconds(1_800) as Duration?), ("12h", .seconds(43_200)), ("7d", .seconds(604_800)),
        ("90", .seconds(90)), ("never", nil), ("NEVER", nil),
    ])
    func expiry(_ text: String, _ expected: Duration?) throws {
        #expect(try TokenCommand.lifetime(text) == expected)
    }

    @Test("A token that never expires has no exp claim")
    func never() throws {
        let token = self.token(TokenCommand.run(["--user", "u", "--expires", "never", "--secret", "s"], environment: [:], now: 5))
        #expect(try JWTVerifier(secret: "s").verify(token, now: 5)["exp"] == nil)
    }

    static let errorCases: [([String], Int32)] = [
        (["--user", "u", "--expires", "0", "--secret", "s"], 2),
        (["--user", "u", "--expires", "soon", "--secret", "s"], 2),
        (["--user", "u", "--role", "pending", "--secret", "s"], 2),
        (["--secret", "s"], 2),
        (["--user", "", "--secret", "s"], 2),
        (["--user", "u", "--bogus", "--secret", "s"], 2),
        (["--user"], 2),
        (["--user", "u"], 1),
    ]

    @Test("Usage errors exit 2 with the usage on stderr; a missing secret exits 1", arguments: Self.errorCases)
    func errors(_ arguments: [String], _ status: Int32) {
        let outcome = TokenCommand.run(arguments, environment: [:], now: 0)
        #expect(outcome.status == status)
        #expect(outcome.output.isEmpty)
        #expect(outcome.error.hasPrefix("tandem token: "))
        if status == 2 { #expect(outcome.error.contains("usage: tandem token")) }
    }

    @Test("--help prints the usage to stdout")
    func help() {
        let outcome = TokenCommand.run(["--help"], environment: [:])
        #expect(outcome.status == 0 && outcome.error.isEmpty && outcome.output.hasPrefix("usage: tandem token"))
    }

    @Test("Random secrets are long and different")
    func randomSecret() {
        let a = TokenIssuer.randomSecret()
        let b = TokenIssuer.randomSecret()
        #expect(a != b && a.count >= 43)
    }
}
