import Foundation
import Testing
import Wire
@testable import Tandem

@Suite("Logger")
struct LoggerTests {
    @Test("Text lines: time, level, message, then key=value fields in order; values quoted only when needed")
    func textFormat() {
        let capture = LogCapture()
        let log = capture.logger()
        log.info("connection opened", ["connection": 12, "peer": "127.0.0.1:5000"])
        log.warn("request refused", ["path": "/a b", "reason": "say \"no\"", "empty": ""])
        #expect(capture.lines == [
            "2025-01-01T00:00:00.000Z INFO connection opened connection=12 peer=127.0.0.1:5000",
            #"2025-01-01T00:00:00.000Z WARN request refused path="/a b" reason="say \"no\"" empty="""#,
        ])
    }

    @Test("JSON lines: one object with ts, level, msg and typed fields")
    func jsonFormat() throws {
        let capture = LogCapture()
        capture.logger(format: .json).error(
            "save failed", ["document": "d1", "bytes": 42, "retry": true, "seconds": 0.5, "msg": "clash"])
        let line = try #require(capture.lines.first)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONParser.parse(Array(line.utf8)).objectValue)
        #expect(object.keys == ["ts", "level", "msg", "document", "bytes", "retry", "seconds", "field_msg"])
        #expect(object["ts"] == "2025-01-01T00:00:00.000Z")
        #expect(object["level"] == "error")
        #expect(object["msg"] == "save failed")
        #expect(object["bytes"] == 42)
        #expect(object["retry"] == true)
        #expect(object["seconds"]?.doubleValue == 0.5)
        #expect(object["field_msg"] == "clash")
    }

    @Test("Credentials never reach a line: named fields are redacted, JWT-looking text is masked")
    func redaction() {
        let token = JWTVerifier.sign(["id": "u1"], secret: "s")
        for format in LogFormat.allCases {
            let capture = LogCapture()
            let log = capture.logger(format: format)
            log.warn(
                "token refused: \(token)",
                ["token": token, "Authorization": "Bearer \(token)", "jwt_secret": "hunter2", "password": "pw",
                 "query": "doc=1&token=\(token)", "user": "u1"])
            let line = capture.lines.joined()
            #expect(!line.contains(token))
            #expect(!line.contains("hunter2"))
            #expect(!line.contains("eyJ"))
            #expect(line.contains("[redacted]"))
            #expect(line.contains("[redacted-jwt]"))
            #expect(line.contains("u1"))
        }
        #expect(LogFormatter.isRedacted("refresh_token") && LogFormatter.isRedacted("COOKIE"))
        #expect(!LogFormatter.isRedacted("document"))
        #expect(LogFormatter.maskJWTs("eyJhbGciOi is not a token") == "eyJhbGciOi is not a token")
    }

    @Test("A peer's newlines and control characters cannot forge a second line; long values are cut")
    func escaping() {
        let capture = LogCapture()
        var log = capture.logger()
        log.maxValueLength = 8
        log.info("bad\nINFO forged", ["path": "/x\nINFO forged\u{1b}[31m", "long": "abcdefghijkl"])
        let line = capture.lines.joined(separator: "|")
        #expect(capture.lines.count == 1)
        #expect(!line.contains("\n"))
        #expect(line.contains(#"bad\nINFO forged"#))
        #expect(line.contains(#"path="/x\nINFO"#) || line.contains(#"path="/x\nIN"#))
        #expect(line.contains("long=abcdefgh…"))
    }

    @Test("Levels filter before formatting; parsing accepts the four names")
    func levels() {
        let capture = LogCapture()
        let log = capture.logger(level: .warn)
        log.debug("d")
        log.info("i")
        log.warn("w")
        log.error("e")
        #expect(capture.lines.map { $0.split(separator: " ")[1] } == ["WARN", "ERROR"])
        #expect(!log.isEnabled(.info) && log.isEnabled(.error))
        #expect(LogLevel(parsing: "WARNING") == .warn && LogLevel(parsing: "debug") == .debug)
        #expect(LogLevel(parsing: "verbose") == nil)
        #expect(!Logger.disabled.isEnabled(.error))
    }

    @Test("with(_:) adds context fields to every line")
    func context() {
        let capture = LogCapture()
        capture.logger().with(["connection": 7]).info("closed", ["code": 1000])
        #expect(capture.lines == ["2025-01-01T00:00:00.000Z INFO closed connection=7 code=1000"])
    }

    @Test("Timestamps are RFC 3339 UTC with milliseconds", arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (951_782_400.25, "2000-02-29T00:00:00.250Z"),
        (1_735_689_599.999, "2024-12-31T23:59:59.999Z"),
        (-1.0, "1969-12-31T23:59:59.000Z"),
    ])
    func timestamps(_ seconds: Double, _ expected: String) {
        #expect(LogFormatter.timestamp(seconds) == expected)
    }

    @Test("Log.shared can be replaced and read back")
    func shared() {
        let saved = Log.shared
        defer { Log.shared = saved }
        let capture = LogCapture()
        Log.shared = capture.logger()
        Log.shared.info("hello")
        #expect(capture.lines.count == 1)
    }

    @Test("The background writer writes whole lines to its descriptor and flushes")
    func writer() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let writer = LogWriter(fileDescriptor: fds[1])
        writer.enqueue("one")
        writer.enqueue("two")
        writer.flush()
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fds[0], &buffer, 64)
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == "one\ntwo\n")
    }
}
