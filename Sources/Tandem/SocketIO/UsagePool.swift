/// Open WebUI's `USAGE_POOL`: which models are generating for which sids, with a 3 s expiry.
///
/// The chat client emits `usage {action:'chat', model, chat_id}` every second per generating model; the server keeps
/// `model → {sid: updated_at}`, drops entries older than 3 s, deletes models with no sid left, and (newest server,
/// issue #21410) drops a sid's entries on disconnect (openwebui-protocol.md §5 "Usage tracking"). Pure value; `now`
/// is passed in.
public struct UsagePool: Sendable, Equatable {
    /// How long a `usage` event keeps a model in use. Default 3 s (`TIMEOUT_DURATION`).
    public var expiry: Duration
    private var models: [String: [String: ContinuousClock.Instant]] = [:]

    public init(expiry: Duration = .seconds(3)) {
        self.expiry = expiry
    }

    /// Records that `sid` is using `model` at `now`.
    public mutating func record(model: String, sid: String, now: ContinuousClock.Instant) {
        self.models[model, default: [:]][sid] = now
    }

    /// Drops entries older than ``expiry`` and models left without sids.
    public mutating func expire(now: ContinuousClock.Instant) {
        for (model, sids) in self.models {
            let live = sids.filter { now - $0.value < self.expiry }
            self.models[model] = live.isEmpty ? nil : live
        }
    }

    /// Drops every entry of `sid` (on disconnect).
    public mutating func remove(sid: String) {
        for (model, var sids) in self.models where sids[sid] != nil {
            sids[sid] = nil
            self.models[model] = sids.isEmpty ? nil : sids
        }
    }

    /// The models in use, sorted (`get_models_in_use()`).
    public var modelsInUse: [String] { self.models.keys.sorted() }

    /// The sids using `model`.
    public func sids(using model: String) -> Set<String> { Set(self.models[model].map { Array($0.keys) } ?? []) }
}
