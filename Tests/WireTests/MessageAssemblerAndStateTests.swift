import Testing
@testable import Wire

private let t0 = ContinuousClock.now

struct MessageAssemblerTests {
    @Test("§5.4: fragments reassemble; control frames are not its concern")
    func fragments() throws {
        var assembler = WebSocketMessageAssembler()
        #expect(try assembler.push(WebSocketFrame(fin: false, opcode: .text, payload: Array("fr".utf8))) == nil)
        #expect(assembler.isAssembling)
        #expect(try assembler.push(WebSocketFrame(fin: false, opcode: .continuation, payload: [])) == nil)
        #expect(try assembler.push(WebSocketFrame(opcode: .continuation, payload: Array("ag".utf8))) == .text("frag"))
        #expect(try assembler.push(WebSocketFrame(opcode: .binary, payload: [1, 2])) == .binary([1, 2]))
    }

    @Test("§5.4: a continuation without a message, and a new message inside one, fail with 1002")
    func continuationRules() {
        var assembler = WebSocketMessageAssembler()
        #expect(throws: WebSocketError.unexpectedContinuation) {
            try assembler.push(WebSocketFrame(opcode: .continuation, payload: [1]))
        }
        var started = WebSocketMessageAssembler()
        _ = try? started.push(WebSocketFrame(fin: false, opcode: .binary, payload: [1]))
        #expect(throws: WebSocketError.expectedContinuation) {
            try started.push(WebSocketFrame(opcode: .text, payload: [0x41]))
        }
        #expect(WebSocketError.expectedContinuation.closeCode == .protocolError)
    }

    @Test("The message size limit applies across fragments and fails with 1009")
    func messageLimit() throws {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 4)
        _ = try assembler.push(WebSocketFrame(fin: false, opcode: .binary, payload: [1, 2, 3]))
        #expect(throws: WebSocketError.messageTooLarge(limit: 4)) {
            try assembler.push(WebSocketFrame(opcode: .continuation, payload: [4, 5]))
        }
        #expect(WebSocketError.messageTooLarge(limit: 4).closeCode == .messageTooBig)
    }

    @Test("§8.1: invalid UTF-8 fails fast, even split inside a code point across fragments (1007)")
    func utf8AcrossFragments() throws {
        var valid = WebSocketMessageAssembler()
        // "€" = E2 82 AC split over three fragments.
        _ = try valid.push(WebSocketFrame(fin: false, opcode: .text, payload: [0xE2]))
        _ = try valid.push(WebSocketFrame(fin: false, opcode: .continuation, payload: [0x82]))
        #expect(try valid.push(WebSocketFrame(opcode: .continuation, payload: [0xAC])) == .text("€"))

        var invalid = WebSocketMessageAssembler()
        _ = try invalid.push(WebSocketFrame(fin: false, opcode: .text, payload: [0xCE, 0xBA]))
        #expect(throws: WebSocketError.invalidUTF8) {
            try invalid.push(WebSocketFrame(fin: false, opcode: .continuation, payload: [0xED, 0xA0, 0x80]))
        }
        var truncated = WebSocketMessageAssembler()
        #expect(throws: WebSocketError.invalidUTF8) { try truncated.push(WebSocketFrame(opcode: .text, payload: [0xE2, 0x82])) }
        #expect(WebSocketError.invalidUTF8.closeCode == .invalidFramePayloadData)
    }

    @Test("The UTF-8 validator rejects overlongs, surrogates and code points above U+10FFFF", arguments: [
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0x80],
    ] as [[UInt8]])
    func utf8Rejects(bytes: [UInt8]) {
        #expect(!UTF8Validator.isValid(bytes))
    }

    @Test("The UTF-8 validator accepts the edges of every range")
    func utf8Accepts() {
        for text in ["", "a", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}"] {
            #expect(UTF8Validator.isValid(Array(text.utf8)), "\(Array(text.utf8))")
        }
    }
}

struct ConnectionStateTests {
    @Test("§5.5.2: a ping is answered with a pong carrying the same payload; pongs are ignored")
    func pingPong() {
        var state = WebSocketConnectionState(now: t0)
        #expect(state.received(WebSocketFrame(opcode: .ping, payload: [1, 2]), now: t0)
            == .send(WebSocketFrame(opcode: .pong, payload: [1, 2])))
        #expect(state.received(WebSocketFrame(opcode: .pong, payload: [9]), now: t0) == .none)
    }

    @Test("Messages are delivered, with pings allowed between fragments")
    func delivery() {
        var state = WebSocketConnectionState(now: t0)
        #expect(state.received(WebSocketFrame(fin: false, opcode: .text, payload: [0x61]), now: t0) == .none)
        #expect(state.received(WebSocketFrame(opcode: .ping), now: t0) == .send(WebSocketFrame(opcode: .pong)))
        #expect(state.received(WebSocketFrame(opcode: .continuation, payload: [0x62]), now: t0) == .deliver(.text("ab")))
    }

    @Test("§7.1.1: a peer's close is echoed with its code and the server then shuts down")
    func peerClose() {
        var state = WebSocketConnectionState(now: t0)
        #expect(state.received(.close(code: .goingAway, reason: "bye"), now: t0)
            == .sendClose(.close(code: .goingAway), thenShutdown: true))
        #expect(state.peerCloseCode == .goingAway)
        #expect(state.received(WebSocketFrame(opcode: .text, payload: [0x61]), now: t0) == .none)
        var empty = WebSocketConnectionState(now: t0)
        #expect(empty.received(WebSocketFrame(opcode: .close), now: t0) == .sendClose(.close(code: nil), thenShutdown: true))
    }

    @Test("§5.5.1, §7.4: bad close payloads fail with 1002 (length 1, invalid code) or 1007 (reason not UTF-8)")
    func badClosePayloads() {
        let cases: [([UInt8], WebSocketCloseCode)] = [
            ([0x03], .protocolError), ([0x03, 0xED], .protocolError),  // 1005
            ([0x03, 0xEE], .protocolError), ([0x03, 0xE4], .protocolError), ([0x00, 0x00], .protocolError),
            ([0x0B, 0xB8, 0x41], .normalClosure), ([0x03, 0xE8, 0xFF], .invalidFramePayloadData),
        ]
        for (payload, expected) in cases {
            var state = WebSocketConnectionState(now: t0)
            let action = state.received(WebSocketFrame(opcode: .close, payload: payload), now: t0)
            if expected == .normalClosure {
                #expect(action == .sendClose(.close(code: WebSocketCloseCode(rawValue: 3000)), thenShutdown: true))
            } else {
                #expect(action == .sendClose(.close(code: expected), thenShutdown: true), "\(payload)")
            }
        }
    }

    @Test("Close codes valid on the wire: 1000–1003, 1007–1014, 3000–4999")
    func closeCodeValidity() {
        for code in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] {
            #expect(WebSocketCloseCode(rawValue: UInt16(code)).isValidOnWire, "\(code)")
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
            #expect(!WebSocketCloseCode(rawValue: UInt16(code)).isValidOnWire, "\(code)")
        }
    }

    @Test("Our close waits for the peer's close frame, then shuts down; or times out")
    func serverInitiatedClose() {
        var state = WebSocketConnectionState(configuration: .init(closeTimeout: .seconds(5)), now: t0)
        #expect(state.close(code: .goingAway, reason: "bye", now: t0)
            == .sendClose(.close(code: .goingAway, reason: "bye"), thenShutdown: false))
        #expect(state.received(WebSocketFrame(opcode: .text, payload: [0x61]), now: t0) == .none)
        #expect(state.close(code: .normalClosure, now: t0) == .none)
        #expect(state.received(.close(code: .normalClosure), now: t0) == .shutdown)

        var silent = WebSocketConnectionState(configuration: .init(closeTimeout: .seconds(5)), now: t0)
        _ = silent.close(code: .goingAway, now: t0)
        #expect(silent.tick(now: t0 + .seconds(4)) == .none)
        #expect(silent.tick(now: t0 + .seconds(5)) == .shutdown)
    }

    @Test("Keepalive: ping after the interval of silence, close with 1001 if nothing answers")
    func keepalive() {
        var state = WebSocketConnectionState(
            configuration: .init(pingInterval: .seconds(30), pongTimeout: .seconds(10)), now: t0)
        #expect(state.tick(now: t0 + .seconds(29)) == .none)
        guard case .send(let ping) = state.tick(now: t0 + .seconds(30)) else {
            Issue.record("expected a ping")
            return
        }
        #expect(ping.opcode == .ping)
        #expect(state.tick(now: t0 + .seconds(35)) == .none)
        #expect(state.tick(now: t0 + .seconds(40))
            == .sendClose(.close(code: .goingAway, reason: "keepalive timeout"), thenShutdown: true))

        var answered = WebSocketConnectionState(
            configuration: .init(pingInterval: .seconds(30), pongTimeout: .seconds(10)), now: t0)
        _ = answered.tick(now: t0 + .seconds(30))
        _ = answered.received(WebSocketFrame(opcode: .pong, payload: Array("tandem".utf8)), now: t0 + .seconds(31))
        #expect(answered.tick(now: t0 + .seconds(45)) == .none)
        #expect(answered.isOpen)

        var disabled = WebSocketConnectionState(configuration: .init(pingInterval: nil), now: t0)
        #expect(disabled.tick(now: t0 + .seconds(3600)) == .none)
    }

    @Test("A decoder error fails the connection with its close code")
    func failure() {
        var state = WebSocketConnectionState(now: t0)
        #expect(state.failed(.unmaskedClientFrame(offset: 0)) == .sendClose(.close(code: .protocolError), thenShutdown: true))
        #expect(state.failed(.invalidUTF8) == .shutdown)
    }

    @Test("Close reasons are truncated on a character boundary to fit 125 bytes")
    func closeReasonTruncation() {
        let frame = WebSocketFrame.close(code: .normalClosure, reason: String(repeating: "€", count: 50))
        #expect(frame.payload.count == 2 + 123)
        #expect(UTF8Validator.isValid(frame.payload.dropFirst(2)))
    }
}
