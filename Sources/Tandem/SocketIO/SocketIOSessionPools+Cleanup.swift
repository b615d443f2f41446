import Wire

/// The shared `usage_pool` cleanup: every host's stale entries, not only this host's.
///
/// Each host drops its own sids when they expire, but a host that dies (a Tandem node killed with `kill -9`, an
/// Open WebUI worker gone) leaves its entries behind, and Open WebUI's model list would show the model in use
/// forever. Open WebUI's `periodic_usage_pool_cleanup` (socket/main.py, 0.12.4) solves this with one cleaner per
/// deployment: whoever holds `{prefix}:usage_cleanup_lock` (SET NX EX, renewed while held) drops every entry whose
/// `updated_at` is older than the timeout. Tandem takes part in the same protocol: in a deployment with Open WebUI
/// workers one of them normally holds the lock and Tandem only refreshes its own entries; in a Tandem-only cluster
/// one node holds it. The lock expires after two sweep periods, so a dead holder is replaced within seconds.
extension SocketIOSessionPools {
    /// Takes or renews the lock (value: this host's id); 1 when this host holds it afterwards, else 0.
    static let cleanupLockScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('EXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
        return 0
        """)

    /// Drops, atomically, every sid whose `updated_at` is below ARGV[1] from every model of the hash KEYS[1]
    /// (Open WebUI's JSON `{sid: {"updated_at": epoch seconds}}`), deleting models left empty. Entries that do not
    /// decode, or whose `updated_at` is not a number, are left as they are. Returns the number of sids dropped.
    static let usageCleanupScript = RedisScript(
        """
        local cutoff = tonumber(ARGV[1])
        local dropped = 0
        local entries = redis.call('HGETALL', KEYS[1])
        for i = 1, #entries, 2 do
          local ok, sids = pcall(cjson.decode, entries[i + 1])
          if ok and type(sids) == 'table' then
            local changed, left = false, 0
            for sid, details in pairs(sids) do
              local at = type(details) == 'table' and tonumber(details['updated_at']) or nil
              if at ~= nil and at < cutoff then
                sids[sid] = nil
                changed = true
                dropped = dropped + 1
              else
                left = left + 1
              end
            end
            if changed then
              if left == 0 then
                redis.call('HDEL', KEYS[1], entries[i])
              else
                redis.call('HSET', KEYS[1], entries[i], cjson.encode(sids))
              end
            end
          end
        end
        return dropped
        """)

    /// One round of the shared cleanup: drops every host's usage entries older than the expiry when this host holds
    /// (or takes) the cleanup lock. Returns the number of entries dropped, nil when another host holds the lock or
    /// Redis failed (logged; the next round retries).
    @discardableResult
    func sweepSharedUsage() async -> Int? {
        let seconds = max(1, Int(self.usageExpiry.components.seconds))
        let cutoff = Int64(self.wallClock()) - Int64(seconds)
        do {
            let held = try await self.client.evaluate(
                Self.cleanupLockScript, keys: [Array(self.cleanupLockKey.utf8)],
                arguments: [Array(self.cleanupLockHolder.utf8), Array(String(2 * seconds).utf8)])
            guard held.intValue == 1 else { return nil }
            let dropped = try await self.client.evaluate(
                Self.usageCleanupScript, keys: [Array(self.usageKey.utf8)], arguments: [Array(String(cutoff).utf8)])
            let count = dropped.intValue.map { Int($0) } ?? 0
            if count > 0 { Log.shared.debug("redis bus: stale usage entries dropped", ["count": "\(count)"]) }
            return count
        } catch {
            Log.shared.warn("redis bus: shared usage cleanup failed", ["error": "\(error)"])
            return nil
        }
    }
}
