import Testing
@testable import Wire

struct SocketIOPacketTests {
    @Test(
        "Packets decode and re-encode to the same text",
        arguments: [
            "0", "0{\"token\":\"t\"}", "0/admin,", "0/admin,{\"token\":\"t\"}", "1", "1/admin,",
            "2[\"hello\",1,{\"a\":[true,null]}]", "2/admin,[\"x\"]", "217[\"ev\"]", "2/admin,17[\"ev\",2.5]",
            "31[{\"id\":\"u\",\"name\":\"n\"}]", "3/admin,0[]", "4{\"message\":\"Unauthorized\"}", "4\"bad\"",
            "51-[\"up\",{\"_placeholder\":true,\"num\":0}]", "52-/admin,7[\"up\",{\"_placeholder\":true,\"num\":1}]",
            "61-3[{\"_placeholder\":true,\"num\":0}]", "2[5]",
        ]
    )
    func roundTrip(_ text: String) throws {
        let packet = try SocketIOPacket(decoding: text)
        #expect(packet.encoded == text)
        // The same packet read from a frame's bytes after the Engine.IO type byte.
        #expect(try SocketIOPacket(decoding: Array(("4" + text).utf8), from: 1) == packet)
    }

    @Test("Decoding from bytes: offsets count from the array, a start past the end is an empty packet")
    func fromBytes() {
        for (bytes, start, kind) in [
            (Array("4".utf8), 1, SocketIOError.Kind.emptyPacket), ([], 0, .emptyPacket), (Array("42".utf8), 7, .emptyPacket),
            (Array("42".utf8), -1, .emptyPacket), (Array("49".utf8), 1, .unknownPacketType(UInt8(ascii: "9"))),
            (Array("42[\"a\"".utf8), 1, .invalidJSON(JSONError(.unexpectedEnd, offset: 6))),
            (Array("42".utf8), 1, .invalidPayload),
        ] as [([UInt8], Int, SocketIOError.Kind)] {
            #expect {
                try SocketIOPacket(decoding: bytes, from: start)
            } throws: { error in
                (error as? SocketIOError)?.kind == kind
            }
        }
        var assembler = SocketIOPacketAssembler()
        let message = try? assembler.receive(bytes: Array("42[\"ev\",[1,2,3]]".utf8), from: 1)
        #expect(message?.packet.eventName == "ev" && message?.packet.arguments == [[1, 2, 3]])
    }

    @Test("Fields are read from the text")
    func fields() throws {
        let event = try SocketIOPacket(decoding: "52-/admin,7[\"up\",{\"_placeholder\":true,\"num\":1},3]")
        #expect(event.type == .binaryEvent)
        #expect(event.attachmentCount == 2)
        #expect(event.namespace == "/admin")
        #expect(event.ackID == 7)
        #expect(event.eventName == "up")
        #expect(event.arguments == [.placeholder(1), 3])
        let connect = try SocketIOPacket(decoding: "0{\"token\":\"abc\"}")
        #expect(connect.type == .connect && connect.namespace == "/" && connect.data?["token"] == "abc")
        #expect(SocketIOPacket.event("a", ["b"], ackID: 3).encoded == "23[\"a\",\"b\"]")
        #expect(SocketIOPacket.ack(3, [["id": "1"]]).encoded == "33[{\"id\":\"1\"}]")
        #expect(SocketIOPacket.event("a", [.placeholder(0)], attachmentCount: 1).encoded
            == "51-[\"a\",{\"_placeholder\":true,\"num\":0}]")
    }

    @Test(
        "Malformed packets throw",
        arguments: [
            ("", SocketIOError.Kind.emptyPacket), ("9", .unknownPacketType(UInt8(ascii: "9"))),
            ("a", .unknownPacketType(UInt8(ascii: "a"))), ("5[\"a\"]", .invalidAttachmentCount),
            ("5x-[\"a\"]", .invalidAttachmentCount), ("51[\"a\"]", .invalidAttachmentCount),
            ("599-[\"a\"]", .tooManyAttachments(count: 99, limit: 16)), ("299999999999999999999[\"a\"]", .invalidAckID),
            ("2", .invalidPayload), ("2[]", .invalidPayload), ("2{}", .invalidPayload), ("2[null]", .invalidPayload),
            ("0[]", .invalidPayload), ("1{}", .invalidPayload), ("3[]", .invalidPayload), ("31{}", .invalidPayload),
            ("4", .invalidPayload), ("2[\"a\"", .invalidJSON(JSONError(.unexpectedEnd, offset: 5))),
            ("2[\"a\"]x", .invalidJSON(JSONError(.trailingBytes, offset: 6))),
        ] as [(String, SocketIOError.Kind)]
    )
    func malformed(_ text: String, _ kind: SocketIOError.Kind) {
        #expect {
            try SocketIOPacket(decoding: text)
        } throws: { error in
            (error as? SocketIOError)?.kind == kind
        }
    }

    @Test("The assembler holds a binary packet until its attachments arrive")
    func assembly() throws {
        var assembler = SocketIOPacketAssembler()
        let plain = try assembler.receive(text: "2[\"a\"]")
        #expect(plain?.packet.eventName == "a")
        #expect(try assembler.receive(text: "52-[\"bin\",{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]") == nil)
        #expect(assembler.isAwaitingAttachments)
        #expect(try assembler.receive(binary: [1, 2]) == nil)
        let message = try #require(try assembler.receive(binary: [3]))
        #expect(message.attachments == [[1, 2], [3]])
        #expect(!assembler.isAwaitingAttachments)
        let resolved = try #require(message.packet.data).resolvingPlaceholders(message.attachments)
        #expect(resolved == ["bin", [3], [1, 2]])
    }

    @Test("Out-of-order frames and bad placeholders are protocol errors")
    func assemblyErrors() throws {
        var assembler = SocketIOPacketAssembler()
        #expect(throws: SocketIOError(.unexpectedAttachment, offset: 0)) { try assembler.receive(binary: [1]) }
        _ = try assembler.receive(text: "51-[\"a\",{\"_placeholder\":true,\"num\":0}]")
        #expect(throws: SocketIOError(.incompleteBinaryPacket, offset: 0)) { try assembler.receive(text: "2[\"b\"]") }
        #expect(!assembler.isAwaitingAttachments)
        #expect(throws: SocketIOError(.invalidPlaceholder, offset: 0)) {
            try assembler.receive(text: "51-[\"a\",{\"_placeholder\":true,\"num\":1}]")
        }
        let limited = SocketIOPacket.Limits(maxAttachments: 2)
        #expect(throws: SocketIOError(.tooManyAttachments(count: 3, limit: 2), offset: 1)) {
            try SocketIOPacket(decoding: "53-[\"a\"]", limits: limited)
        }
        #expect(throws: SocketIOError(.invalidPlaceholder, offset: 0)) {
            try JSONValue.placeholder(2).resolvingPlaceholders([[1]])
        }
        var small = SocketIOPacketAssembler(limits: SocketIOPacket.Limits(maxAttachmentBytes: 4))
        _ = try small.receive(text: "52-[\"a\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]")
        #expect(try small.receive(binary: [1, 2, 3]) == nil)
        #expect(throws: SocketIOError(.attachmentsTooLarge(size: 5, limit: 4), offset: 0)) {
            try small.receive(binary: [4, 5])
        }
        #expect(!small.isAwaitingAttachments)
    }

    @Test("Random text never traps the packet decoder")
    func fuzz() {
        var generator = SeededGenerator(seed: 0x5100)
        let alphabet = Array("0123456-/,[]{}\"a:_placeholder".utf8)
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 0..<20, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator) ?? 0
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let packet = try? SocketIOPacket(decoding: text) {
                #expect((try? SocketIOPacket(decoding: packet.encoded)) == packet)
            }
        }
    }
}
