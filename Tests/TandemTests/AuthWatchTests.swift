import Testing
import Wire
@testable import Tandem

/// ``AuthWatch``: an open plain connection closes when its token expires or its host refuses it on a re-check.
struct AuthWatchTests {
    final class Outcomes: Sendable {
        let list = Locked<[AuthOutcome]>([])
        func add(_ outcome: AuthOutcome) { list.withLock { $0.append(outcome) } }
        var all: [AuthOutcome] { list.withLock { $0 } }
    }

    /// A host whose answers are scripted: each re-check takes the next one (the last repeats).
    final class ScriptedHost: TokenUserSource, Sendable {
        let answers: Locked<[UserResolution]>
        let asked = Locked(0)
        init(_ answers: [UserResolution]) { self.answers = Locked(answers) }
        func user(token: String, claims: JSONObject) async -> UserResolution {
            asked.withLock { $0 += 1 }
            return answers.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
        }
    }

    static func user(exp: Double? = nil, token: String? = "t") -> AuthenticatedUser {
        AuthenticatedUser(id: "u", name: "U", role: "user", token: token, expiresAt: exp)
    }

    @Test("A token that expires while the connection is open closes it with 4401, once")
    func expiry() async throws {
        let outcomes = Outcomes()
        let now = 1_000.0
        let clock = Locked(now)
        let task = AuthWatch.start(user: Self.user(exp: now + 0.2), source: nil, wallClock: { clock.withLock { $0 } }) {
            outcomes.add($0)
        }
        #expect(task != nil)
        clock.withLock { $0 = now + 0.25 }
        try await eventually("the expiry", timeout: .seconds(5)) { outcomes.all == [.expired] }
        await task?.value
        #expect(outcomes.all == [.expired] && AuthOutcome.expired.closeCode.rawValue == 4401)
    }

    @Test("The host's re-check: unavailable keeps the connection, refused or another user closes it with 4403")
    func hostRecheck() async throws {
        let host = ScriptedHost([.unavailable("down"), .user(Self.user()), .refused("revoked")])
        let outcomes = Outcomes()
        let task = AuthWatch.start(user: Self.user(), source: host, interval: .milliseconds(20)) { outcomes.add($0) }
        try await eventually("the refusal", timeout: .seconds(5)) { outcomes.all == [.revoked] }
        await task?.value
        #expect(host.asked.withLock { $0 } == 3 && AuthOutcome.revoked.closeCode.rawValue == 4403)

        let other = AuthenticatedUser(id: "someone-else", name: "X", role: "user")
        let switched = Outcomes()
        let second = AuthWatch.start(user: Self.user(), source: ScriptedHost([.user(other)]), interval: .milliseconds(20)) {
            switched.add($0)
        }
        try await eventually("the other user", timeout: .seconds(5)) { switched.all == [.revoked] }
        await second?.value
    }

    @Test("Nothing to watch without an expiry or a host; a cancelled watch never closes")
    func nothingToWatch() async throws {
        #expect(AuthWatch.start(user: Self.user(), source: nil) { _ in } == nil)
        #expect(AuthWatch.start(user: Self.user(token: nil), source: ScriptedHost([.refused("x")])) { _ in } == nil)
        let outcomes = Outcomes()
        let task = AuthWatch.start(user: Self.user(), source: ScriptedHost([.refused("x")]), interval: .seconds(60)) {
            outcomes.add($0)
        }
        task?.cancel()
        await task?.value
        #expect(outcomes.all.isEmpty)
    }
}
