import Testing
import Wire
@testable import Tandem

struct ClusterCodecTests {
    @Test("Stream ids parse, order and step as Redis does; malformed ids are nil")
    func streamIDs() throws {
        let id = try #require(StreamID("1700000000000-5"))
        #expect(id.milliseconds == 1_700_000_000_000 && id.sequence == 5)
        #expect(id.description == "1700000000000-5")
        #expect(id.successor == StreamID(milliseconds: 1_700_000_000_000, sequence: 6))
        #expect(StreamID(milliseconds: 1, sequence: .max).successor == StreamID(milliseconds: 2, sequence: 0))
        #expect(StreamID("1-9")! < StreamID("2-0")!)
        #expect(StreamID("2-1")! > StreamID("2-0")!)
        for bad in ["", "-", "1", "1-", "-1", "a-1", "1-b", "1-2-3", "+1-2", "99999999999999999999-0", "1 -2",
            "123456789012345678901-0"]
        {
            #expect(StreamID(bad) == nil, "\(bad)")
        }
    }

    @Test("Document channels are recognised by prefix and suffix, also for ids containing colons")
    func channels() {
        let keys = ClusterKeys(prefix: "open-webui")
        #expect(keys.log("note:1") == "open-webui:doc:note:1:log")
        let updates = keys.parse(channel: keys.updates("note:a:b"))
        #expect(updates?.documentID == "note:a:b" && updates?.kind == "updates")
        let awareness = keys.parse(channel: keys.awareness("x"))
        #expect(awareness?.documentID == "x" && awareness?.kind == "awareness")
        #expect(keys.parse(channel: "open-webui:doc::updates") == nil)
        #expect(keys.parse(channel: "other:doc:x:updates") == nil)
        #expect(keys.parse(channel: "open-webui:doc:x:log") == nil)
        #expect(ClusterKeys(prefix: "a*b").documentChannelPattern == "a\\*b:doc:*")
    }

    @Test("Awareness messages round-trip")
    func awarenessRoundTrip() throws {
        let message = ClusterAwarenessMessage(
            nodeID: "n1", peerID: "sid-ü", userID: "u", kind: .yProtocols, payload: [1, 2, 3, 0, 255])
        #expect(try ClusterAwarenessMessage(bytes: message.encoded) == message)
        let empty = ClusterAwarenessMessage(nodeID: "", peerID: "", userID: "", kind: .json, payload: [])
        #expect(try ClusterAwarenessMessage(bytes: empty.encoded) == empty)
    }

    @Test("Malformed awareness messages throw, never trap", arguments: [
        ([] as [UInt8], ClusterAwarenessMessage.DecodingError.badHeader),
        ([0x54, 0x41, 2, 1], .badHeader),
        ([0x54, 0x41, 1, 9], .unknownKind(9)),
        ([0x54, 0x41, 1, 1], .truncated),
        ([0x54, 0x41, 1, 1, 5, 0x61], .truncated),
        ([0x54, 0x41, 1, 1, 1, 0xFF, 0, 0], .invalidText),
        ([0x54, 0x41, 1, 2, 0, 0], .truncated),
    ])
    func malformedAwareness(bytes: [UInt8], error: ClusterAwarenessMessage.DecodingError) {
        #expect(throws: error) { try ClusterAwarenessMessage(bytes: bytes) }
    }

    @Test("Oversized awareness payloads are refused")
    func oversizedAwareness() {
        let bytes = ClusterAwarenessMessage(nodeID: "n", peerID: "p", userID: "u", kind: .json, payload: [UInt8](repeating: 1, count: 10)).encoded
        #expect(throws: ClusterAwarenessMessage.DecodingError.tooLarge(10)) { try ClusterAwarenessMessage(bytes: bytes, maxPayload: 9) }
    }

    @Test("Stream entries from XRANGE decode; malformed ones are nil")
    func entries() {
        let good = RESPValue.array([.bulk("5-1"), .array([.bulk("u"), .bulkString([1, 2]), .bulk("n"), .bulk("node"), .bulk("p"), .bulk("sid"), .bulk("a"), .bulk("user")])])
        let entry = RedisDocumentStorage.entry(good)
        #expect(entry?.id == StreamID(milliseconds: 5, sequence: 1))
        #expect(entry?.update == [1, 2] && entry?.peerID == "sid" && entry?.userID == "user" && entry?.nodeID == "node")
        for bad: RESPValue in [
            .integer(1), .array([]), .array([.bulk("x"), .array([])]), .array([.bulk("5-1"), .array([.bulk("u")])]),
            .array([.bulk("5-1"), .array([.bulk("n"), .bulk("x")])]), .array([.bulk("5-1"), .bulk("u")]),
        ] {
            #expect(RedisDocumentStorage.entry(bad) == nil)
        }
    }
}

struct ClusterMemberCodecTests {
    @Test("Member messages round-trip; long names are cut at a character boundary")
    func roundTrip() throws {
        let message = ClusterMemberMessage(kind: .joined, nodeID: "n1", peerID: "sid", userID: "u", name: "Zoë", color: "#A1b2C3")
        #expect(try ClusterMemberMessage(bytes: message.encoded) == message)
        let query = ClusterMemberMessage(kind: .query, nodeID: "n1")
        #expect(try ClusterMemberMessage(bytes: query.encoded) == query)
        let long = ClusterMemberMessage(kind: .joined, nodeID: "n", name: String(repeating: "é", count: 200))
        let decoded = try ClusterMemberMessage(bytes: long.encoded)
        #expect(decoded.name.utf8.count == 254 && long.name.hasPrefix(decoded.name))
        #expect(ClusterMemberMessage.isMemberMessage(message.encoded))
        #expect(!ClusterMemberMessage.isMemberMessage(ClusterAwarenessMessage(nodeID: "", peerID: "", userID: "", kind: .json, payload: []).encoded))
    }

    @Test("Malformed member messages throw, never trap", arguments: [
        ([] as [UInt8], ClusterMemberMessage.DecodingError.badHeader),
        ([0x54, 0x4D, 2, 1], .badHeader),
        ([0x54, 0x41, 1, 1], .badHeader),
        ([0x54, 0x4D, 1, 7], .unknownKind(7)),
        ([0x54, 0x4D, 1, 1], .truncated),
        ([0x54, 0x4D, 1, 1, 200], .truncated),
        ([0x54, 0x4D, 1, 1, 0, 0, 0, 0], .truncated),
        ([0x54, 0x4D, 1, 1, 1, 0xC3, 0, 0, 0, 0], .invalidText),
        ([0x54, 0x4D, 1, 1, 0, 0, 0, 0, 4, 0x72, 0x65, 0x64, 0x3B], .invalidColor),
        ([0x54, 0x4D, 1, 1, 0, 0, 0, 0, 0, 9], .trailingBytes(1)),
    ])
    func malformed(bytes: [UInt8], error: ClusterMemberMessage.DecodingError) {
        #expect(throws: error) { try ClusterMemberMessage(bytes: bytes) }
    }
}
