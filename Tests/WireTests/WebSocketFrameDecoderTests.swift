import Testing
@testable import Wire

private let key: (UInt8, UInt8, UInt8, UInt8) = (0x37, 0xFA, 0x21, 0x3D)

/// Encodes a masked client frame, optionally with a raw first byte or an explicit length form.
private func clientFrame(
    first: UInt8? = nil, opcode: WebSocketOpcode = .text, fin: Bool = true, payload: [UInt8] = [], masked: Bool = true
) -> [UInt8] {
    var bytes = WebSocketFrameEncoder.encode(
        WebSocketFrame(fin: fin, opcode: opcode, payload: payload), maskingKey: masked ? key : nil)
    if let first { bytes[0] = first }
    return bytes
}

private func decodeAll(_ bytes: [UInt8], role: WebSocketFrameDecoder.Role = .server, maxFrameSize: Int = 1 << 20)
    throws(WebSocketError) -> [WebSocketFrame]
{
    var decoder = WebSocketFrameDecoder(role: role, configuration: .init(maxFrameSize: maxFrameSize))
    decoder.append(bytes)
    var frames: [WebSocketFrame] = []
    while let frame = try decoder.nextFrame() { frames.append(frame) }
    return frames
}

struct WebSocketFrameDecoderTests {
    @Test("RFC 6455 §5.7 example: a masked 'Hello' from a client")
    func rfcMaskedHello() throws {
        let bytes: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        #expect(try decodeAll(bytes) == [WebSocketFrame(opcode: .text, payload: Array("Hello".utf8))])
    }

    @Test("RFC 6455 §5.7 examples: unmasked 'Hello', fragments, ping, on the client side")
    func rfcClientExamples() throws {
        #expect(try decodeAll([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], role: .client)
            == [WebSocketFrame(opcode: .text, payload: Array("Hello".utf8))])
        #expect(try decodeAll([0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F], role: .client) == [
            WebSocketFrame(fin: false, opcode: .text, payload: Array("Hel".utf8)),
            WebSocketFrame(opcode: .continuation, payload: Array("lo".utf8)),
        ])
        #expect(try decodeAll([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], role: .client)
            == [WebSocketFrame(opcode: .ping, payload: Array("Hello".utf8))])
    }

    @Test("Every length at the 7/16/64-bit boundaries round-trips", arguments: [0, 1, 125, 126, 127, 65535, 65536, 70000])
    func lengthBoundaries(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frames = try decodeAll(clientFrame(opcode: .binary, payload: payload))
        #expect(frames == [WebSocketFrame(opcode: .binary, payload: payload)])
        let header = WebSocketFrameEncoder.header(fin: true, opcode: .binary, payloadLength: length)
        #expect(header.count == (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10))
    }

    @Test("Split at every byte position, the decoder yields the same frames")
    func incrementalSplits() throws {
        let stream = clientFrame(opcode: .text, fin: false, payload: Array("Hel".utf8))
            + clientFrame(opcode: .ping, payload: [1, 2]) + clientFrame(opcode: .continuation, payload: Array("lo".utf8))
            + clientFrame(opcode: .binary, payload: [UInt8](repeating: 7, count: 300))
        let expected = try decodeAll(stream)
        #expect(expected.count == 4)
        for split in 0...stream.count {
            var decoder = WebSocketFrameDecoder(role: .server)
            var frames: [WebSocketFrame] = []
            decoder.append(stream[..<split])
            while let frame = try decoder.nextFrame() { frames.append(frame) }
            decoder.append(stream[split...])
            while let frame = try decoder.nextFrame() { frames.append(frame) }
            #expect(frames == expected, "split at \(split)")
        }
    }

    @Test("§5.1: an unmasked client frame fails with 1002")
    func unmaskedClientFrame() {
        #expect(throws: WebSocketError.unmaskedClientFrame(offset: 0)) {
            try decodeAll(clientFrame(payload: [1], masked: false))
        }
        #expect(WebSocketError.unmaskedClientFrame(offset: 0).closeCode == .protocolError)
    }

    @Test("§5.1: a masked server frame fails on the client side")
    func maskedServerFrame() {
        #expect(throws: WebSocketError.maskedServerFrame(offset: 0)) {
            try decodeAll(clientFrame(payload: [1]), role: .client)
        }
    }

    @Test("§5.2: any RSV bit without an extension fails with 1002", arguments: [0x40, 0x20, 0x10, 0x70] as [UInt8])
    func reservedBits(bit: UInt8) {
        #expect(throws: WebSocketError.reservedBitsSet(offset: 0)) {
            try decodeAll(clientFrame(first: 0x81 | bit, payload: [0x41]))
        }
    }

    @Test("§5.2: reserved opcodes fail with 1002", arguments: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func reservedOpcodes(opcode: UInt8) {
        #expect(throws: WebSocketError.reservedOpcode(opcode, offset: 0)) {
            try decodeAll(clientFrame(first: 0x80 | opcode))
        }
        #expect(WebSocketOpcode(rawValue: opcode).isReserved)
    }

    @Test("§5.5: a control frame without FIN fails with 1002", arguments: [WebSocketOpcode.ping, .pong, .close])
    func fragmentedControl(opcode: WebSocketOpcode) {
        #expect(throws: WebSocketError.fragmentedControlFrame(offset: 0)) {
            try decodeAll(clientFrame(opcode: opcode, fin: false))
        }
    }

    @Test("§5.5: a control frame payload of 126 bytes fails with 1002 (125 is fine)")
    func longControlFrame() throws {
        #expect(try decodeAll(clientFrame(opcode: .ping, payload: [UInt8](repeating: 1, count: 125))).count == 1)
        #expect(throws: WebSocketError.controlFrameTooLong(offset: 0)) {
            try decodeAll(clientFrame(opcode: .ping, payload: [UInt8](repeating: 1, count: 126)))
        }
    }

    @Test("§5.2: non-minimal 16- and 64-bit lengths and the 64-bit top bit fail with 1002")
    func lengthEncodings() {
        let short16: [UInt8] = [0x82, 0xFE, 0x00, 0x05] + [key.0, key.1, key.2, key.3] + [1, 2, 3, 4, 5]
        #expect(throws: WebSocketError.invalidLengthEncoding(offset: 2)) { try decodeAll(short16) }
        let short64: [UInt8] = [0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x00] + [key.0, key.1, key.2, key.3]
        #expect(throws: WebSocketError.invalidLengthEncoding(offset: 2)) { try decodeAll(short64) }
        let topBit: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: WebSocketError.invalidLengthEncoding(offset: 2)) { try decodeAll(topBit) }
        var lenient = WebSocketFrameDecoder(role: .server, configuration: .init(rejectNonMinimalLengths: false))
        lenient.append(short16)
        let keyBytes: [UInt8] = [key.0, key.1, key.2, key.3]
        let unmasked: [UInt8] = (0..<5).map { index in UInt8(index + 1) ^ keyBytes[index % 4] }
        #expect((try? lenient.nextFrame())?.payload == unmasked)
    }

    @Test("A frame over maxFrameSize fails with 1009 as soon as its header arrives")
    func frameTooLarge() {
        // Only the 10-byte header: the payload is never buffered.
        let header: [UInt8] = [0x82, 0xFF, 0, 0, 0, 0, 0, 0x10, 0, 0]
        #expect(throws: WebSocketError.frameTooLarge(length: 1 << 20, limit: 1000)) {
            try decodeAll(header, maxFrameSize: 1000)
        }
        #expect(WebSocketError.frameTooLarge(length: 1, limit: 0).closeCode == .messageTooBig)
    }

    @Test("After an error the decoder ignores further data and rethrows")
    func stickyFailure() {
        var decoder = WebSocketFrameDecoder(role: .server)
        decoder.append(clientFrame(payload: [1], masked: false))
        #expect(throws: WebSocketError.self) { try decoder.nextFrame() }
        decoder.append(clientFrame(payload: [1]))
        #expect(throws: WebSocketError.unmaskedClientFrame(offset: 0)) { try decoder.nextFrame() }
    }

    @Test("Errors report the stream offset of the offending frame")
    func offsets() {
        let stream = clientFrame(payload: [0x41]) + clientFrame(first: 0x83)
        #expect(throws: WebSocketError.reservedOpcode(3, offset: 7)) { try decodeAll(stream) }
    }

    @Test("Masking is its own inverse at every phase and length")
    func maskingInverse() {
        for length in [0, 1, 7, 8, 9, 31, 64] {
            for phase in 0..<4 {
                let original = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
                var bytes = original
                webSocketApplyMask(&bytes, key: key, phase: phase)
                if length > 0 { #expect(bytes != original) }
                webSocketApplyMask(&bytes, key: key, phase: phase)
                #expect(bytes == original)
            }
        }
    }
}
