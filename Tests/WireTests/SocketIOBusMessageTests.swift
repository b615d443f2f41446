import Testing
@testable import Wire

private func decodeError(_ text: String, limits: SocketIOBusMessage.Limits = .default) -> SocketIOBusError? {
    do {
        _ = try SocketIOBusMessage(json: Array(text.utf8), limits: limits)
        return nil
    } catch {
        return error
    }
}

struct SocketIOBusMessageTests {
    @Test("Messages built in Swift round-trip", arguments: [
        SocketIOBusMessage.emit(SocketIOBusEmit(
            event: "e", arguments: [["a": [1, 2]], .placeholder(0)], attachments: [[1, 2, 3]], namespace: "/n",
            recipients: .rooms(["r1", "r2"]), skipSIDs: ["s1", "s2"],
            callback: SocketIOBusCallbackRequest(room: "r1", namespace: "/n", id: 7), hostID: "h")),
        .emit(SocketIOBusEmit(event: "e", arguments: [], hostID: nil)),
        .callback(SocketIOBusCallback(hostID: "h", sid: "s", namespace: "/", id: 3, arguments: [nil, 1.5])),
        .disconnect(sid: "s", namespace: "/", hostID: nil),
        .enterRoom(sid: "s", room: "r", namespace: "/", hostID: "h"),
        .leaveRoom(sid: "s", room: "r", namespace: "/x", hostID: "h"),
        .closeRoom(room: "r", namespace: "/", hostID: "h"),
    ])
    func roundTrip(_ message: SocketIOBusMessage) throws {
        #expect(try SocketIOBusMessage(json: message.serializedBytes()) == message)
    }

    @Test("Absent namespace means /, absent host_id is nil, unknown members are ignored")
    func lenientDefaults() throws {
        let message = try SocketIOBusMessage(json: Array(#"{"method":"close_room","room":"r","extra":1}"#.utf8))
        #expect(message == .closeRoom(room: "r", namespace: "/", hostID: nil))
        #expect(message.isFor(hostID: "anyone"))
    }

    @Test("Malformed messages throw typed errors")
    func malformed() {
        #expect(decodeError("{") != nil)
        if case .invalidJSON? = decodeError("[1,") {} else { Issue.record("expected invalidJSON") }
        #expect(decodeError("[1]") == .notAnObject)
        #expect(decodeError("{}") == .missingField("method"))
        #expect(decodeError(#"{"method":1}"#) == .wrongType(field: "method", expected: "a string"))
        #expect(decodeError(#"{"method":"teleport"}"#) == .unknownMethod("teleport"))
        #expect(decodeError(#"{"method":"emit","data":[]}"#) == .missingField("event"))
        #expect(decodeError(#"{"method":"emit","event":"e"}"#) == .missingField("data"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":{}}"#) == .wrongType(field: "data", expected: "a list"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[],"room":5}"#)
            == .wrongType(field: "room", expected: "null, a string or a list of strings"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[],"room":["a",1]}"#)
            == .wrongType(field: "room", expected: "a list of strings"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[],"skip_sid":{}}"#)
            == .wrongType(field: "skip_sid", expected: "null, a string or a list of strings"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[],"callback":["r","/"]}"#)
            == .wrongType(field: "callback", expected: "null or [room, namespace, id]"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[],"callback":["r","/","x"]}"#)
            == .wrongType(field: "callback", expected: "[room, namespace, id]"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[],"binary":"yes"}"#)
            == .wrongType(field: "binary", expected: "a boolean"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[],"binary":true}"#)
            == .wrongType(field: "data", expected: "[arguments, attachments…] for a binary emit"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[[],"!!"],"binary":true}"#) == .invalidAttachment(index: 0))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[[],1],"binary":true}"#)
            == .wrongType(field: "data", expected: "base64 strings"))
        #expect(decodeError(#"{"method":"emit","event":"e","data":[[],"AA==","AA=="],"binary":true}"#,
            limits: .init(maxAttachments: 1)) == .tooManyAttachments(count: 2, limit: 1))
        #expect(decodeError(#"{"method":"callback","host_id":"h","sid":"s","id":1.5,"args":[]}"#)
            == .wrongType(field: "id", expected: "an integer"))
        #expect(decodeError(#"{"method":"enter_room","sid":"s","namespace":"/"}"#) == .missingField("room"))
        #expect(decodeError(#"{"method":"disconnect","sid":"s","host_id":7}"#) == .wrongType(field: "host_id", expected: "a string"))
    }

    @Test("A placeholder naming a missing attachment is an error, not a trap")
    func badPlaceholder() throws {
        let message = try SocketIOBusMessage(json: Array(
            #"{"method":"emit","event":"e","data":[[{"_placeholder":true,"num":3}],"AA=="],"binary":true}"#.utf8))
        guard case .emit(let emit) = message else { Issue.record("not an emit"); return }
        #expect(throws: SocketIOError.self) { try emit.resolvedArguments() }
    }

    @Test("Random mutations of real messages never trap", arguments: 0..<2)
    func fuzz(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let payloads = BusFixture.all.map { Array($0.payload.utf8) }
        guard !payloads.isEmpty else { Issue.record("no fixtures"); return }
        for _ in 0..<500 {
            var bytes = payloads[Int.random(in: 0..<payloads.count, using: &generator)]
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 32...126, using: &generator)
            }
            _ = try? SocketIOBusMessage(json: bytes)
        }
    }
}
