import Testing
import Wire
@testable import Tandem

struct RouterTests {
    private func resolve(_ router: Router, _ method: HTTPMethod, _ path: String) async throws -> String? {
        guard case .handler(let handler) = router.resolveHTTP(method: method, path: path) else { return nil }
        return String(decoding: try await handler(HTTPRequest(method: method, target: path)).body, as: UTF8.self)
    }

    @Test("Exact routes beat prefixes, longer prefixes beat shorter; HEAD uses GET routes")
    func precedence() async throws {
        var router = Router()
        router.get("/api/", match: .prefix) { _ in .text("prefix") }
        router.get("/api/notes/", match: .prefix) { _ in .text("longer") }
        router.get("/api/notes/special") { _ in .text("exact") }
        router.http(nil, "/any") { _ in .text("any") }
        #expect(try await self.resolve(router, .get, "/api/x") == "prefix")
        #expect(try await self.resolve(router, .get, "/api/notes/1") == "longer")
        #expect(try await self.resolve(router, .get, "/api/notes/special") == "exact")
        #expect(try await self.resolve(router, .head, "/api/notes/special") == "exact")
        #expect(try await self.resolve(router, .delete, "/any") == "any")
    }

    @Test("A path known only for other methods is 405; an unknown path 404")
    func methodNotAllowed() {
        var router = Router()
        router.post("/submit") { _ in .text("ok") }
        guard case .methodNotAllowed = router.resolveHTTP(method: .get, path: "/submit") else {
            Issue.record("expected 405")
            return
        }
        guard case .notFound = router.resolveHTTP(method: .get, path: "/other") else {
            Issue.record("expected 404")
            return
        }
    }

    @Test("WebSocket routes resolve by longest prefix")
    func webSocketRoutes() {
        var router = Router()
        router.webSocket("/yjs/") { _, outbound in EchoSession(outbound: outbound) }
        router.webSocket("/socket.io/") { _, outbound in EchoSession(outbound: outbound) }
        #expect(router.resolveWebSocket(path: "/yjs/doc-1") != nil)
        #expect(router.resolveWebSocket(path: "/socket.io/") != nil)
        #expect(router.resolveWebSocket(path: "/other") == nil)
    }

    @Test("A session can be tested without sockets through RecordingWebSocketSink")
    func recordingSink() async {
        let sink = RecordingWebSocketSink()
        let session = EchoSession(outbound: sink.outbound(connection: 7))
        await session.received(.text("hi"))
        await session.received(.binary([1, 2, 3]))
        #expect(sink.takeMessages(for: 7) == [.text("hi"), .binary([1, 2, 3])])
        sink.outbound(connection: 7).close(code: .policyViolation)
        #expect(sink.closeCode(for: 7) == .policyViolation)
    }
}

struct FlagParserTests {
    struct Options {
        var port = 8080
        var size = 0
        var timeout: Duration = .zero
        var echo = false
        var host = "127.0.0.1"
    }

    let parser = FlagParser<Options>(flags: [
        .init("--port", env: "T_PORT", value: "PORT", help: "port") {
            (options: inout Options, value: String) throws(FlagError) in
            options.port = try FlagValue.int(value, flag: "--port", range: 0...65535)
        },
        .init("--size", value: "BYTES", help: "size") { (options: inout Options, value: String) throws(FlagError) in
            options.size = try FlagValue.byteSize(value, flag: "--size")
        },
        .init("--timeout", value: "DURATION", help: "timeout") { (options: inout Options, value: String) throws(FlagError) in
            options.timeout = try FlagValue.duration(value, flag: "--timeout")
        },
        .init("--echo", env: "T_ECHO", help: "echo") { $0.echo = $1 },
        .init("--host", env: "T_HOST", value: "ADDRESS", help: "host") { $0.host = $1 },
    ])

    @Test("Arguments override environment variables; both --flag value and --flag=value work")
    func precedence() throws {
        var options = Options()
        try self.parser.parse(["--port=9000", "--size", "16M", "--timeout", "500ms", "--echo"],
                              environment: ["T_PORT": "7000", "T_HOST": "0.0.0.0"], into: &options)
        #expect(options.port == 9000)
        #expect(options.host == "0.0.0.0")
        #expect(options.size == 16 << 20)
        #expect(options.timeout == .milliseconds(500))
        #expect(options.echo)
    }

    @Test("Value parsers: sizes, durations, booleans")
    func values() throws {
        #expect(try FlagValue.byteSize("64K", flag: "") == 65536)
        #expect(try FlagValue.byteSize("1048576", flag: "") == 1 << 20)
        #expect(try FlagValue.byteSize("2MiB", flag: "") == 2 << 20)
        #expect(try FlagValue.duration("30", flag: "") == .seconds(30))
        #expect(try FlagValue.duration("2m", flag: "") == .seconds(120))
        #expect(try FlagValue.bool("off", flag: "") == false)
        #expect(throws: FlagError.self) { try FlagValue.byteSize("12Q", flag: "--size") }
        #expect(throws: FlagError.self) { try FlagValue.duration("-1s", flag: "--timeout") }
    }

    @Test("Unknown flags, missing values, bad values and --help are reported")
    func errors() {
        var options = Options()
        #expect(throws: FlagError.unknownFlag("--nope")) { try self.parser.parse(["--nope"], environment: [:], into: &options) }
        #expect(throws: FlagError.missingValue(flag: "--port")) { try self.parser.parse(["--port"], environment: [:], into: &options) }
        #expect(throws: FlagError.self) { try self.parser.parse(["--port", "70000"], environment: [:], into: &options) }
        #expect(throws: FlagError.self) { try self.parser.parse([], environment: ["T_ECHO": "maybe"], into: &options) }
        #expect(throws: FlagError.helpRequested) { try self.parser.parse(["--help"], environment: [:], into: &options) }
        #expect(self.parser.help().contains("--port PORT"))
        #expect(self.parser.help().contains("[$T_PORT]"))
    }
}

struct MetricsRegistryTests {
    @Test("Counters and gauges render in Prometheus text format, one HELP/TYPE per family")
    func rendering() {
        let registry = MetricsRegistry()
        registry.counter("tandem_x_total", help: "X.", labels: ["kind": "a"]).increment(by: 2)
        registry.counter("tandem_x_total", help: "X.", labels: ["kind": "b\"q"]).increment()
        registry.gauge("tandem_rooms", help: "Rooms.").set(5)
        registry.counter("tandem_x_total", help: "X.", labels: ["kind": "a"]).increment()
        #expect(registry.render() == """
            # HELP tandem_x_total X.
            # TYPE tandem_x_total counter
            tandem_x_total{kind="a"} 3
            tandem_x_total{kind="b\\"q"} 1
            # HELP tandem_rooms Rooms.
            # TYPE tandem_rooms gauge
            tandem_rooms 5

            """)
    }
}
