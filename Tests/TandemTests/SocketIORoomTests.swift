import Testing
@testable import Tandem

struct SocketIORoomTests {
    @Test("Typed rooms carry Open WebUI's names, and the ids read back byte-wise")
    func names() {
        #expect(SocketIORoom.user("u1").name == "user:u1")
        #expect(SocketIORoom.note("n-1").name == "note:n-1")
        #expect(SocketIORoom.channel("c").name == "channel:c")
        #expect(SocketIORoom.chat("42").name == "chat:42")
        #expect(SocketIORoom.session("AbC_-").name == "AbC_-")
        #expect(SocketIORoom("channel:c") == .channel("c"))
        #expect(SocketIORoom.channel("c").channelID == "c" && SocketIORoom.channel("").channelID == "")
        #expect(SocketIORoom.user("u").channelID == nil && SocketIORoom.user("u").userID == "u")
        #expect(SocketIORoom.note("x").noteID == "x" && SocketIORoom("notes:x").noteID == nil)
        let room: SocketIORoom = "doc_a"
        #expect(room.name == "doc_a" && room.description == "doc_a")
        // "channel:" followed by a combining mark: Swift's hasPrefix would refuse it; the bytes say it is a channel.
        #expect(SocketIORoom("channel:\u{301}x").channelID == "\u{301}x")
        #expect(SocketIORoom("chann\u{E9}l:x").channelID == nil)
    }
}
