import Testing
import Wire
@testable import Tandem

struct RedisEndpointTests {
    @Test("redis:// URLs in the forms redis-py accepts")
    func redisURLs() throws {
        #expect(try RedisEndpoint(url: "redis://localhost:6379/0") == RedisEndpoint(address: .tcp(host: "localhost", port: 6379)))
        #expect(try RedisEndpoint(url: "redis://") == RedisEndpoint(address: .tcp(host: "localhost", port: 6379)))
        #expect(try RedisEndpoint(url: "redis://redis") == RedisEndpoint(address: .tcp(host: "redis", port: 6379)))
        #expect(try RedisEndpoint(url: "redis://:s%40cret@10.0.0.5:6380/2")
            == RedisEndpoint(address: .tcp(host: "10.0.0.5", port: 6380), password: "s@cret", database: 2))
        #expect(try RedisEndpoint(url: "redis://alice:pw@[::1]:7000/1")
            == RedisEndpoint(address: .tcp(host: "::1", port: 7000), username: "alice", password: "pw", database: 1))
        #expect(try RedisEndpoint(url: "redis://user@host") == RedisEndpoint(address: .tcp(host: "host", port: 6379), username: "user"))
        #expect(try RedisEndpoint(url: "REDIS://h/3?password=p&username=u&socket_timeout=5")
            == RedisEndpoint(address: .tcp(host: "h", port: 6379), username: "u", password: "p", database: 3))
        #expect(try RedisEndpoint(url: "redis://h?db=4").database == 4)
    }

    @Test("unix:// URLs")
    func unixURLs() throws {
        #expect(try RedisEndpoint(url: "unix:///run/redis.sock") == RedisEndpoint(address: .unix(path: "/run/redis.sock")))
        #expect(try RedisEndpoint(url: "unix://:pw@/run/redis.sock?db=2")
            == RedisEndpoint(address: .unix(path: "/run/redis.sock"), password: "pw", database: 2))
    }

    @Test("TLS, other schemes and malformed URLs are refused with a clear error")
    func refused() {
        #expect(throws: RedisError.tlsUnsupported) { try RedisEndpoint(url: "rediss://h:6380/0") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "redis+sentinel://h:26379/0/mymaster") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "localhost:6379") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "redis://h:99999") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "redis://h:port") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "redis://h/x") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "redis://[::1") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "redis://:%zz@h") }
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "unix://") }
        #expect(!RedisError.tlsUnsupported.description.isEmpty)
    }

    @Test("The handshake sends AUTH (with the ACL user when given) and SELECT")
    func handshake() throws {
        #expect(try RedisConfiguration(url: "redis://h").handshake.isEmpty)
        #expect(try RedisConfiguration(url: "redis://:pw@h/2").handshake == [RESPCommand("AUTH", "pw"), RESPCommand("SELECT", 2)])
        #expect(try RedisConfiguration(url: "redis://u:pw@h").handshake == [RESPCommand("AUTH", "u", "pw")])
    }

    @Test("Reconnect delays grow exponentially up to the cap and reset after success")
    func backoff() {
        var backoff = RedisBackoff(policy: .init(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2))
        let delays = (0..<6).map { _ in backoff.next() }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
        #expect(backoff.attempt == 6)
        backoff.reset()
        #expect(backoff.next() == .milliseconds(100))
    }

    @Test("Script SHA-1 matches Redis's SCRIPT LOAD")
    func scriptSHA() {
        // redis-cli SCRIPT LOAD "return 1" → e0e1f9fabfc9d4800c877a703b823ac0578ff8db
        #expect(RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }
}
