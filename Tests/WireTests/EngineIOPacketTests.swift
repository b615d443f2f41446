import Testing
@testable import Wire

struct EngineIOPacketTests {
    @Test(
        "Text packets round-trip",
        arguments: [
            ("0{\"sid\":\"a\"}", EngineIOPacket.open("{\"sid\":\"a\"}")), ("1", .close), ("2", .ping("")),
            ("2probe", .ping("probe")), ("3", .pong("")), ("3probe", .pong("probe")),
            ("4hello é", .message("hello é")), ("40", .message("0")), ("5", .upgrade), ("6", .noop),
        ] as [(String, EngineIOPacket)]
    )
    func roundTrip(_ text: String, _ packet: EngineIOPacket) throws {
        #expect(try EngineIOPacket(text: text) == packet)
        #expect(packet.encodedText == text)
    }

    @Test(
        "Malformed text packets throw with an offset",
        arguments: [
            ("", EngineIOError.Kind.emptyPacket, 0), ("7", .unknownPacketType(UInt8(ascii: "7")), 0),
            ("x1", .unknownPacketType(UInt8(ascii: "x")), 0), ("/", .unknownPacketType(UInt8(ascii: "/")), 0),
            ("1x", .unexpectedData, 1), ("5probe", .unexpectedData, 1), ("6 ", .unexpectedData, 1),
        ] as [(String, EngineIOError.Kind, Int)]
    )
    func malformed(_ text: String, _ kind: EngineIOError.Kind, _ offset: Int) {
        #expect(throws: EngineIOError(kind, offset: offset)) { try EngineIOPacket(text: text) }
    }

    @Test("Invalid UTF-8 after the type is refused")
    func invalidUTF8() {
        #expect(throws: EngineIOError(.invalidUTF8, offset: 1)) { try EngineIOPacket(text: [0x34, 0xFF][...]) }
    }

    @Test("Polling payloads join with 0x1E and carry binary as b<base64>")
    func pollingPayload() throws {
        let packets: [EngineIOPacket] = [.message("2[\"a\"]"), .binaryMessage([1, 2, 3, 255]), .ping(""), .noop]
        let body = EngineIOPayload.encode(packets)
        #expect(body == Array("42[\"a\"]\u{1E}bAQID/w==\u{1E}2\u{1E}6".utf8))
        #expect(try EngineIOPayload.decode(body) == packets)
        #expect(try EngineIOPayload.decode(Array("4x".utf8)) == [.message("x")])
        #expect(try EngineIOPayload.decode(Array("b".utf8)) == [.binaryMessage([])])
    }

    @Test("Malformed polling payloads throw with the record's offset")
    func malformedPayload() {
        #expect(throws: EngineIOError(.emptyPacket, offset: 0)) { try EngineIOPayload.decode([]) }
        #expect(throws: EngineIOError(.emptyPacket, offset: 3)) { try EngineIOPayload.decode(Array("4a\u{1E}".utf8)) }
        #expect(throws: EngineIOError(.invalidBase64, offset: 4)) {
            try EngineIOPayload.decode(Array("4a\u{1E}b!!!".utf8))
        }
        #expect(throws: EngineIOError(.unknownPacketType(UInt8(ascii: "9")), offset: 3)) {
            try EngineIOPayload.decode(Array("4a\u{1E}9".utf8))
        }
        let limits = EngineIOPayload.Limits(maxPayload: 8, maxPackets: 2)
        #expect(throws: EngineIOError(.payloadTooLarge(size: 9, limit: 8), offset: 0)) {
            try EngineIOPayload.decode(Array("4aaaaaaaa".utf8), limits: limits)
        }
        #expect(throws: EngineIOError(.tooManyPackets(limit: 2), offset: 4)) {
            try EngineIOPayload.decode(Array("2\u{1E}2\u{1E}2".utf8), limits: limits)
        }
    }

    @Test("The handshake carries sid, upgrades, ping settings and maxPayload in the reference order")
    func handshake() throws {
        let handshake = EngineIOHandshake(
            sid: "abc", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 20000, maxPayload: 10_000_000)
        #expect(
            handshake.packet.encodedText
                == #"0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":10000000}"#
        )
        #expect(EngineIOHandshake(json: handshake.json) == handshake)
    }

    @Test("Random bytes never trap the payload decoder")
    func fuzz() {
        var generator = SeededGenerator(seed: 0xE10)
        let alphabet = Array("0123456b\u{1E}probe{}\"AQID/w==".utf8)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<24, using: &generator)).map { _ in
                Bool.random(using: &generator)
                    ? alphabet.randomElement(using: &generator) ?? 0 : UInt8.random(in: 0...255, using: &generator)
            }
            if let packets = try? EngineIOPayload.decode(bytes) {
                #expect(EngineIOPayload.decode(EngineIOPayload.encode(packets), orNil: ()) == packets)
            }
        }
    }
}

extension EngineIOPayload {
    fileprivate static func decode(_ body: [UInt8], orNil: Void) -> [EngineIOPacket]? {
        try? self.decode(body)
    }
}
