import Testing
@testable import Wire

private func decodeAll(_ bytes: [UInt8], limits: RESPDecoder.Limits = .default) throws(RESPError) -> [RESPValue] {
    var decoder = RESPDecoder(limits: limits)
    decoder.append(bytes)
    return try decoder.nextAll()
}

private func decodeAll(_ text: String, limits: RESPDecoder.Limits = .default) throws(RESPError) -> [RESPValue] {
    try decodeAll(Array(text.utf8), limits: limits)
}

/// The error kind thrown for `text`, or nil when it decodes.
private func failure(_ text: String, limits: RESPDecoder.Limits = .default) -> RESPError.Kind? {
    do {
        _ = try decodeAll(text, limits: limits)
        return nil
    } catch {
        return error.kind
    }
}

/// Values covering every type, nesting and the null forms.
let respSamples: [RESPValue] = [
    .simpleString("OK"), .simpleString(""), .error("ERR unknown command 'FOO'"), .integer(0), .integer(-1),
    .integer(Int64.max), .integer(Int64.min), .bulkString([]), .bulkString(Array("hello\r\nworld".utf8)),
    .bulkString([0, 13, 10, 255]), .bulkString(nil), .array([]), .array(nil),
    .array([.bulk("message"), .bulk("socketio"), .bulk("{}")]),
    .array([.array([.integer(1), .array([.bulkString(nil), .simpleString("x")])]), .array(nil)]),
    .null, .boolean(true), .boolean(false), .double(3.25), .double(-0.5), .double(.infinity), .double(-.infinity),
    .bigNumber("-3492890328409238509324850943850943825024385"), .bulkError(Array("SYNTAX invalid".utf8)),
    .verbatimString(format: "txt", text: Array("Some string".utf8)),
    .map([RESPPair(key: .simpleString("first"), value: .integer(1)), RESPPair(key: .bulk("second"), value: .null)]),
    .set([.integer(1), .bulk("two")]), .push([.bulk("message"), .bulk("ch"), .bulk("payload")]), .map([]),
]

struct RESPDecoderTests {
    @Test("The protocol spec's examples decode")
    func specExamples() throws {
        #expect(try decodeAll("+OK\r\n") == [.simpleString("OK")])
        #expect(try decodeAll("-Error message\r\n") == [.error("Error message")])
        #expect(try decodeAll(":1000\r\n:+5\r\n:-7\r\n") == [.integer(1000), .integer(5), .integer(-7)])
        #expect(try decodeAll("$5\r\nhello\r\n$0\r\n\r\n$-1\r\n") == [.bulk("hello"), .bulk(""), .bulkString(nil)])
        #expect(try decodeAll("*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n") == [.array([.bulk("hello"), .bulk("world")])])
        #expect(try decodeAll("*0\r\n*-1\r\n") == [.array([]), .array(nil)])
        #expect(try decodeAll("*3\r\n:1\r\n:2\r\n:3\r\n") == [.array([.integer(1), .integer(2), .integer(3)])])
        #expect(try decodeAll("*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n")
            == [.array([.array([.integer(1), .integer(2), .integer(3)]), .array([.simpleString("Hello"), .error("World")])])])
        #expect(try decodeAll("*3\r\n$5\r\nhello\r\n$-1\r\n$5\r\nworld\r\n")
            == [.array([.bulk("hello"), .bulkString(nil), .bulk("world")])])
    }

    @Test("RESP3 types decode, attributes are dropped")
    func resp3Types() throws {
        #expect(try decodeAll("_\r\n#t\r\n#f\r\n,1.23\r\n,inf\r\n,-inf\r\n,10\r\n,1e3\r\n") == [
            .null, .boolean(true), .boolean(false), .double(1.23), .double(.infinity), .double(-.infinity),
            .double(10), .double(1000),
        ])
        let nan = try decodeAll(",nan\r\n")
        guard case .double(let value)? = nan.first else { Issue.record("no double"); return }
        #expect(value.isNaN)
        #expect(try decodeAll("(3492890328409238509324850943850943825024385\r\n") == [.bigNumber("3492890328409238509324850943850943825024385")])
        #expect(try decodeAll("!21\r\nSYNTAX invalid syntax\r\n") == [.bulkError(Array("SYNTAX invalid syntax".utf8))])
        #expect(try decodeAll("=15\r\ntxt:Some string\r\n") == [.verbatimString(format: "txt", text: Array("Some string".utf8))])
        #expect(try decodeAll("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n") == [.map([
            RESPPair(key: .simpleString("first"), value: .integer(1)),
            RESPPair(key: .simpleString("second"), value: .integer(2)),
        ])])
        #expect(try decodeAll("~2\r\n+a\r\n:1\r\n>3\r\n+message\r\n+ch\r\n+hi\r\n")
            == [.set([.simpleString("a"), .integer(1)]), .push([.simpleString("message"), .simpleString("ch"), .simpleString("hi")])])
        #expect(try decodeAll("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n")
            == [.array([.integer(2039123), .integer(9543892)])])
        #expect(try decodeAll("*2\r\n|1\r\n+ttl\r\n:3\r\n:1\r\n:2\r\n") == [.array([.integer(1), .integer(2)])])
    }

    @Test("Every sample round-trips through the encoder", arguments: respSamples)
    func roundTrip(_ value: RESPValue) throws {
        #expect(try decodeAll(RESPEncoder.encode(value)) == [value])
    }

    @Test("Split at every byte position, the decoder yields the same values")
    func incrementalSplits() throws {
        var stream: [UInt8] = []
        for value in respSamples { RESPEncoder.append(value, to: &stream) }
        for split in 0...stream.count {
            var decoder = RESPDecoder()
            decoder.append(stream[..<split])
            var values = try decoder.nextAll()
            decoder.append(stream[split...])
            values += try decoder.nextAll()
            #expect(values == respSamples, "split at \(split)")
            #expect(!decoder.hasPartialValue)
        }
    }

    @Test("Fed one byte at a time, the decoder yields the same values")
    func byteAtATime() throws {
        var stream: [UInt8] = []
        for value in respSamples { RESPEncoder.append(value, to: &stream) }
        var decoder = RESPDecoder()
        var values: [RESPValue] = []
        for byte in stream {
            decoder.append([byte])
            values += try decoder.nextAll()
        }
        #expect(values == respSamples)
    }

    @Test("Malformed input throws a typed error")
    func malformed() {
        #expect(failure("?x\r\n") == .unknownType(UInt8(ascii: "?")))
        #expect(failure("+OK\n") == .invalidLineTerminator)
        #expect(failure("+OK\rX") == .invalidLineTerminator)
        #expect(failure(":\r\n") == .invalidInteger)
        #expect(failure(":12a\r\n") == .invalidInteger)
        #expect(failure(":-\r\n") == .invalidInteger)
        #expect(failure(":9223372036854775808\r\n") == .invalidInteger)
        #expect(failure(":-9223372036854775809\r\n") == .invalidInteger)
        #expect(failure("$-2\r\n") == .invalidLength(-2))
        #expect(failure("$abc\r\n") == .invalidInteger)
        #expect(failure("$?\r\n") == .invalidInteger)
        #expect(failure("$3\r\nabcde\r\n") == .missingPayloadTerminator)
        #expect(failure("*-2\r\n") == .invalidLength(-2))
        #expect(failure("%-1\r\n") == .invalidLength(-1))
        #expect(failure("!-1\r\n") == .invalidLength(-1))
        #expect(failure("_x\r\n") == .invalidScalar)
        #expect(failure("#x\r\n") == .invalidScalar)
        #expect(failure(",abc\r\n") == .invalidScalar)
        #expect(failure(",0x1p3\r\n") == .invalidScalar)
        #expect(failure("(12x\r\n") == .invalidScalar)
        #expect(failure("=3\r\ntxt\r\n") == .invalidScalar)
        #expect(failure("*2\r\n:1\r\n?\r\n") == .unknownType(UInt8(ascii: "?")))
    }

    @Test("Errors carry the stream offset and are sticky")
    func stickyErrors() throws {
        var decoder = RESPDecoder()
        decoder.append(Array("+OK\r\n:1\r\n:x\r\n".utf8))
        #expect(try decoder.next() == .simpleString("OK"))
        #expect(try decoder.next() == .integer(1))
        #expect(throws: RESPError(.invalidInteger, offset: 10)) { try decoder.next() }
        decoder.append(Array("+OK\r\n".utf8))
        #expect(throws: RESPError(.invalidInteger, offset: 10)) { try decoder.next() }
    }

    @Test("Limits are checked when the size is announced, before the payload arrives")
    func limits() throws {
        let limits = RESPDecoder.Limits(maxBulkLength: 10, maxArrayElements: 3, maxDepth: 2, maxLineLength: 8)
        #expect(failure("$11\r\n", limits: limits) == .bulkTooLong(length: 11, limit: 10))
        #expect(failure("$9223372036854775807\r\n") == .bulkTooLong(length: Int64.max, limit: 512 << 20))
        #expect(failure("!11\r\n", limits: limits) == .bulkTooLong(length: 11, limit: 10))
        #expect(try decodeAll("$10\r\n0123456789\r\n", limits: limits) == [.bulk("0123456789")])
        #expect(failure("*4\r\n", limits: limits) == .tooManyElements(count: 4, limit: 3))
        #expect(failure("%4\r\n", limits: limits) == .tooManyElements(count: 4, limit: 3))
        #expect(failure("*9223372036854775807\r\n") == .tooManyElements(count: Int64.max, limit: 16 << 20))
        #expect(try decodeAll("*3\r\n:1\r\n:2\r\n:3\r\n", limits: limits).count == 1)
        #expect(failure("*1\r\n*1\r\n*1\r\n:1\r\n", limits: limits) == .depthExceeded(limit: 2))
        #expect(try decodeAll("*1\r\n*1\r\n:1\r\n", limits: limits) == [.array([.array([.integer(1)])])])
        #expect(failure("+123456789", limits: limits) == .lineTooLong(limit: 8))
        #expect(try decodeAll("+12345678\r\n", limits: limits) == [.simpleString("12345678")])
        // A line still shorter than the limit waits for more bytes.
        var decoder = RESPDecoder(limits: limits)
        decoder.append(Array("+1234567".utf8))
        #expect(try decoder.next() == nil)
    }

    @Test("A huge announced array reserves little and waits for its elements")
    func hugeAnnouncedArray() throws {
        var decoder = RESPDecoder()
        decoder.append(Array("*16000000\r\n:1\r\n".utf8))
        #expect(try decoder.next() == nil)
        #expect(decoder.hasPartialValue)
    }

    @Test("Random bytes and bit flips never trap", arguments: 0..<4)
    func fuzz(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var stream: [UInt8] = []
        for value in respSamples { RESPEncoder.append(value, to: &stream) }
        for _ in 0..<400 {
            var bytes = stream
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            var decoder = RESPDecoder(limits: RESPDecoder.Limits(maxBulkLength: 1 << 16, maxArrayElements: 1 << 10))
            decoder.append(bytes)
            _ = try? decoder.nextAll()
            let noise = (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var other = RESPDecoder()
            other.append(noise)
            _ = try? other.nextAll()
        }
    }
}

struct RESPCommandTests {
    @Test("A command is an array of bulk strings")
    func encoding() {
        #expect(RESPCommand("SET", "key", [0, 255] as [UInt8], "EX", 60).encoded
            == Array("*5\r\n$3\r\nSET\r\n$3\r\nkey\r\n$2\r\n".utf8) + [0, 255] + Array("\r\n$2\r\nEX\r\n$2\r\n60\r\n".utf8))
        #expect(RESPCommand("PING").encoded == Array("*1\r\n$4\r\nPING\r\n".utf8))
        #expect(RESPCommand(arguments: [[]]).encoded == Array("*1\r\n$0\r\n\r\n".utf8))
        #expect(RESPCommand("auth", "user", "secret").name == "AUTH")
        #expect(!RESPCommand("auth", "user", "secret").description.contains("secret"))
    }

    @Test("Commands decode back as arrays of bulk strings")
    func commandRoundTrip() throws {
        var stream: [UInt8] = []
        let commands = [RESPCommand("PUBLISH", "socketio", "{\"a\":1}"), RESPCommand("GET", "k"), RESPCommand(arguments: [])]
        for command in commands { command.encode(into: &stream) }
        let values = try decodeAll(stream)
        #expect(values == commands.map { .array($0.arguments.map { .bulkString($0) }) })
    }

    @Test("Simple strings cannot carry CR or LF: the encoder replaces them")
    func simpleStringSanitised() throws {
        #expect(try decodeAll(RESPEncoder.encode(.error("a\r\nb"))) == [.error("a  b")])
    }

    @Test("Accessors read the common reply shapes")
    func accessors() {
        #expect(RESPValue.bulk("12").intValue == 12)
        #expect(RESPValue.simpleString("OK").stringValue == "OK")
        #expect(RESPValue.error("NOSCRIPT No matching script").errorCode == "NOSCRIPT")
        #expect(RESPValue.bulkString(nil).isNull && RESPValue.array(nil).isNull && RESPValue.null.isNull)
        #expect(RESPValue.set([.integer(1)]).arrayValue == [.integer(1)])
        #expect(RESPValue.integer(1).bytesValue == nil)
    }

    @Test("Hash replies read as field/value pairs in RESP2 and RESP3; odd or non-hash replies never trap")
    func hashPairs() throws {
        let resp2 = try decodeAll("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n")[0]
        let resp3 = try decodeAll("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n")[0]
        #expect(resp2.hashPairs.map { [$0.field.stringValue, $0.value.stringValue] } == [["a", "1"], ["b", "2"]])
        #expect(resp3.hashPairs.map { [$0.field.stringValue, $0.value.intValue.map(String.init)] } == [["a", "1"], ["b", "2"]])
        let odd = try decodeAll("*3\r\n+a\r\n+1\r\n+b\r\n")[0]
        #expect(odd.hashPairs.map { $0.field.stringValue } == ["a"])
        #expect(RESPValue.integer(3).hashPairs.isEmpty && RESPValue.array(nil).hashPairs.isEmpty)
    }
}
