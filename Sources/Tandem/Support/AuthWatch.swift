import Foundation
import Wire

/// Keeps an open plain connection (`/ws/notify`, `/ws/chat`) as authenticated as when it opened (Docs/events.md,
/// "Auth outcomes"): it closes with **4401** when the token's `exp` passes and, with a host application (Open WebUI
/// mode), with **4403** when the periodic re-check finds the token refused or now naming another user — every
/// ``interval``, as Open WebUI's `periodic_socket_authentication` and Tandem's Socket.IO and y-websocket
/// connections are re-checked. A host that cannot be asked keeps the connection open (retried next round), as
/// Socket.IO does.
enum AuthWatch {
    /// How often a host application confirms an open connection's token. Default 30 s (Open WebUI's period).
    static let interval: Duration = .seconds(30)

    /// Watches `user` (its token and `exp`) until cancelled; calls `close` once with the outcome that ends it.
    /// Returns nil when there is nothing to watch (no expiry and no host).
    static func start(
        user: AuthenticatedUser, source: (any TokenUserSource)?, interval: Duration = AuthWatch.interval,
        wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        close: @escaping @Sendable (AuthOutcome) -> Void
    ) -> Task<Void, Never>? {
        let host = user.token == nil ? nil : source
        guard user.expiresAt != nil || host != nil else { return nil }
        return Task {
            var nextCheck = ContinuousClock.now + interval
            while !Task.isCancelled {
                var wake = host == nil ? nil : nextCheck
                if let expiresAt = user.expiresAt {
                    let left = expiresAt - wallClock()
                    guard left > 0 else { return close(.expired) }
                    let expiry = ContinuousClock.now + .milliseconds(Int64(min(left, 86_400) * 1_000) + 1)
                    wake = wake.map { min($0, expiry) } ?? expiry
                }
                guard let wake else { return }
                do { try await Task.sleep(until: wake, clock: .continuous) } catch { return }
                if let expiresAt = user.expiresAt, expiresAt <= wallClock() { return close(.expired) }
                guard let host, let token = user.token, ContinuousClock.now >= nextCheck else { continue }
                nextCheck = ContinuousClock.now + interval
                switch await host.user(token: token, claims: user.claims) {
                case .user(let confirmed) where user.confirmed(by: confirmed) != nil: continue
                case .user, .refused: return close(.revoked)
                case .unavailable: continue
                }
            }
        }
    }
}
