import Testing
import Wire
@testable import Tandem

/// A client with short timeouts and a fast reconnect schedule, for tests.
func testRedisConfiguration(_ url: String, commandTimeout: Duration = .seconds(3)) throws -> RedisConfiguration {
    var configuration = try RedisConfiguration(url: url)
    configuration.connectTimeout = .seconds(2)
    configuration.commandTimeout = commandTimeout
    configuration.reconnect = RedisBackoff.Policy(initial: .milliseconds(20), maximum: .milliseconds(200))
    return configuration
}

@Suite(.serialized)
struct RedisClientTests {
    @Test("Commands against a real redis-server: strings, binary values, nulls, integers, errors")
    func commands() async throws {
        let server = try RedisServerProcess()
        let client = RedisClient(configuration: try testRedisConfiguration(server.url))
        defer { Task { await client.close() } }
        #expect(try await client.send(RESPCommand("PING")) == .simpleString("PONG"))
        #expect(try await client.send(RESPCommand("SET", "k", "v")) == .simpleString("OK"))
        #expect(try await client.send(RESPCommand("GET", "k")) == .bulk("v"))
        let binary: [UInt8] = [0, 13, 10, 255, 36, 42]
        _ = try await client.send(RESPCommand("SET", "b", binary))
        #expect(try await client.send(RESPCommand("GET", "b")).bytesValue == binary)
        #expect(try await client.send(RESPCommand("GET", "missing")) == .bulkString(nil))
        #expect(try await client.send(RESPCommand("INCRBY", "n", 41)) == .integer(41))
        _ = try await client.send(RESPCommand("RPUSH", "l", "a", "b"))
        #expect(try await client.send(RESPCommand("LRANGE", "l", 0, -1)) == .array([.bulk("a"), .bulk("b")]))
        await #expect(throws: RedisError.self) { try await client.send(RESPCommand("INCR", "k")) }
        do {
            _ = try await client.send(RESPCommand("NOSUCHCOMMAND"))
            Issue.record("expected an error reply")
        } catch {
            #expect(error.serverErrorCode == "ERR")
        }
        #expect(await client.state == .connected)
    }

    @Test("Pipelining: one write, replies in order; concurrent callers share the connection")
    func pipelining() async throws {
        let server = try RedisServerProcess()
        let client = RedisClient(configuration: try testRedisConfiguration(server.url))
        defer { Task { await client.close() } }
        let replies = try await client.pipeline((0..<1000).map { _ in RESPCommand("INCR", "counter") })
        #expect(replies == (1...1000).map { .integer(Int64($0)) })
        let mixed = try await client.pipeline([RESPCommand("SET", "s", "1"), RESPCommand("LPUSH", "s", "x"), RESPCommand("GET", "s")])
        #expect(mixed[0] == .simpleString("OK") && mixed[1].errorCode == "WRONGTYPE" && mixed[2] == .bulk("1"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<20 {
                group.addTask {
                    for index in 0..<50 {
                        let key = "t\(task)-\(index)"
                        _ = try await client.send(RESPCommand("SET", key, index))
                        #expect(try await client.send(RESPCommand("GET", key)).intValue == Int64(index))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await client.send(RESPCommand("DBSIZE")).intValue == 1002)
    }

    @Test("Batched sends: many commands in pipelines of a bounded size, in order")
    func batched() async throws {
        let server = try RedisServerProcess()
        let client = RedisClient(configuration: try testRedisConfiguration(server.url))
        defer { Task { await client.close() } }
        let commands = (0..<1_100).map { RESPCommand("RPUSH", "list", String($0)) }
        try await client.send(batched: commands, batch: 512)
        #expect(try await client.send(RESPCommand("LLEN", "list")).intValue == 1_100)
        let last = try await client.send(RESPCommand("LRANGE", "list", "-2", "-1")).arrayValue?.compactMap(\.stringValue)
        #expect(last == ["1098", "1099"])
        try await client.send(batched: [], batch: 0)  // nothing to send, and a zero batch is taken as 1
        try await client.send(batched: [RESPCommand("RPUSH", "list", "x")], batch: 0)
        #expect(try await client.send(RESPCommand("LLEN", "list")).intValue == 1_101)
    }

    @Test("AUTH with requirepass and with an ACL user; a wrong password is reported")
    func authentication() async throws {
        let server = try RedisServerProcess(extraArguments: ["--requirepass", "s3cret"])
        let noPassword = RedisClient(configuration: try testRedisConfiguration(server.url))
        await #expect(throws: RedisError.self) { try await noPassword.send(RESPCommand("GET", "x")) }
        await noPassword.close()

        let client = RedisClient(configuration: try testRedisConfiguration("redis://:s3cret@127.0.0.1:\(server.port)"))
        defer { Task { await client.close() } }
        #expect(try await client.send(RESPCommand("PING")) == .simpleString("PONG"))
        _ = try await client.send(RESPCommand("ACL", "SETUSER", "alice", "on", ">alicepw", "~*", "&*", "+@all"))
        let alice = RedisClient(configuration: try testRedisConfiguration("redis://alice:alicepw@127.0.0.1:\(server.port)"))
        #expect(try await alice.send(RESPCommand("ACL", "WHOAMI")) == .bulk("alice"))
        await alice.close()

        let wrong = RedisClient(configuration: try testRedisConfiguration("redis://:nope@127.0.0.1:\(server.port)"))
        do {
            try await wrong.waitUntilConnected(timeout: .milliseconds(500))
            Issue.record("connected with a wrong password")
        } catch {
            #expect("\(error)".contains("WRONGPASS"), "\(error)")
        }
        guard case .disconnected(.handshakeFailed, _) = await wrong.state else {
            Issue.record("state \(await wrong.state)")
            return
        }
        await wrong.close()
    }

    @Test("SELECT: the database index in the URL is used on every connection")
    func select() async throws {
        let server = try RedisServerProcess()
        let db3 = RedisClient(configuration: try testRedisConfiguration(server.url + "/3"))
        let db0 = RedisClient(configuration: try testRedisConfiguration(server.url))
        defer { Task { await db3.close(); await db0.close() } }
        _ = try await db3.send(RESPCommand("SET", "where", "three"))
        #expect(try await db0.send(RESPCommand("GET", "where")) == .bulkString(nil))
        #expect(try await db0.send(RESPCommand("SELECT", 3)) == .simpleString("OK"))
        #expect(try await db0.send(RESPCommand("GET", "where")) == .bulk("three"))
    }

    @Test("A command past its timeout fails with .timeout and the client reconnects")
    func timeout() async throws {
        let server = try RedisServerProcess()
        let client = RedisClient(configuration: try testRedisConfiguration(server.url))
        defer { Task { await client.close() } }
        let start = ContinuousClock.now
        await #expect(throws: RedisError.timeout) {
            try await client.send(RESPCommand("BLPOP", "never", 5), timeout: .milliseconds(200))
        }
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(try await client.send(RESPCommand("PING")) == .simpleString("PONG"))
        // A blocking command given a longer timeout succeeds.
        #expect(try await client.send(RESPCommand("BLPOP", "never", "0.1"), timeout: .seconds(3)) == .array(nil))
    }

    @Test("When the server is killed and restarted the client reports it and reconnects")
    func reconnect() async throws {
        let server = try RedisServerProcess()
        let client = RedisClient(configuration: try testRedisConfiguration(server.url, commandTimeout: .milliseconds(300)))
        defer { Task { await client.close() } }
        let states = await client.stateUpdates()
        #expect(try await client.send(RESPCommand("SET", "a", 1)) == .simpleString("OK"))
        server.stop()
        var sawDisconnect = false
        for await state in states {
            if case .disconnected = state {
                sawDisconnect = true
                break
            }
        }
        #expect(sawDisconnect)
        await #expect(throws: RedisError.self) { try await client.send(RESPCommand("PING")) }
        try server.start()
        try await client.waitUntilConnected(timeout: .seconds(5))
        #expect(try await client.send(RESPCommand("PING")) == .simpleString("PONG"))
        #expect(try await client.send(RESPCommand("GET", "a")) == .bulkString(nil))  // persistence is off
    }

    @Test("Connection refused is a connect error, not a hang")
    func refused() async throws {
        let server = try RedisServerProcess()
        server.stop()
        let client = RedisClient(configuration: try testRedisConfiguration(server.url))
        do {
            try await client.waitUntilConnected(timeout: .milliseconds(300))
            Issue.record("connected to a stopped server")
        } catch {
            #expect("\(error)".contains("refused"), "\(error)")
        }
        await client.close()
        await #expect(throws: RedisError.closed) { try await client.send(RESPCommand("PING")) }
    }

    @Test("EVALSHA falls back to EVAL on NOSCRIPT, then runs from the script cache")
    func scripts() async throws {
        let server = try RedisServerProcess()
        let client = RedisClient(configuration: try testRedisConfiguration(server.url))
        defer { Task { await client.close() } }
        // Open WebUI's RedisLock release: delete the key only when it still holds our token.
        let release = RedisScript("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end")
        _ = try await client.send(RESPCommand("SET", "lock", "token"))
        _ = try await client.send(RESPCommand("SCRIPT", "FLUSH"))
        #expect(try await client.send(RESPCommand("SCRIPT", "EXISTS", release.sha1)) == .array([.integer(0)]))
        #expect(try await client.evaluate(release, keys: [Array("lock".utf8)], arguments: [Array("other".utf8)]) == .integer(0))
        #expect(try await client.send(RESPCommand("SCRIPT", "EXISTS", release.sha1)) == .array([.integer(1)]))
        #expect(try await client.evaluate(release, keys: [Array("lock".utf8)], arguments: [Array("token".utf8)]) == .integer(1))
        await #expect(throws: RedisError.self) { try await client.evaluate(RedisScript("return redis.call('nope')")) }
    }
}
