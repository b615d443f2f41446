import Wire

/// A Lua script identified by its SHA-1, for EVALSHA (Redis "Scripting with Lua", script cache).
///
/// Open WebUI's locks release with a compare-and-delete script; running such scripts by SHA saves sending the source
/// every time, and ``RedisClient/evaluate(_:keys:arguments:timeout:)`` re-sends it when the server's script cache
/// does not know it (after a restart or `SCRIPT FLUSH`).
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// Lower-case hex SHA-1 of the source, as `SCRIPT LOAD` returns it.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        let digest = SHA1.hash(Array(source.utf8))
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        self.sha1 = String(decoding: text, as: UTF8.self)
    }
}

extension RedisClient {
    /// Runs `script` with EVALSHA, falling back to EVAL (which also caches it) when the server answers NOSCRIPT.
    /// - Throws: ``RedisError/server(_:)`` for a script error, or a connection error.
    public func evaluate(
        _ script: RedisScript, keys: [[UInt8]] = [], arguments: [[UInt8]] = [], timeout: Duration? = nil
    ) async throws(RedisError) -> RESPValue {
        let tail: [any RESPArgument] = [keys.count] + keys + arguments
        do {
            return try await self.send(RESPCommand("EVALSHA", arguments: [script.sha1] + tail), timeout: timeout)
        } catch .server(let message) where message.hasPrefix("NOSCRIPT") {
            return try await self.send(RESPCommand("EVAL", arguments: [script.source] + tail), timeout: timeout)
        }
    }
}
