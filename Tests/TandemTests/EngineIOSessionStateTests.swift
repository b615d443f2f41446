import Testing
import Wire
@testable import Tandem

/// The Engine.IO session state machine without sockets: every transport transition and what it asks its owner.
struct EngineIOSessionStateTests {
    let start = ContinuousClock.now

    func session(webSocket: Int? = nil) -> EngineIOSessionState {
        EngineIOSessionState(
            webSocketSerial: webSocket,
            heartbeat: EngineIOHeartbeat(interval: .seconds(25), timeout: .seconds(20), now: start),
            connectTimeout: .seconds(45), now: start)
    }

    @Test("On a WebSocket, packets are written to it and polls are refused")
    func webSocket() {
        var state = session(webSocket: 1)
        do { let r = state.send([.message("40")]); #expect(r == [.writeWebSocket([.message("40")])]) }
        do { let r = state.send([]); #expect(r == []) }
        do { let r = state.poll(); #expect(r == .badRequest) }
        do { let r = state.probeOpened(serial: 2); #expect(!r) }
        do { let r = state.webSocketClosed(serial: 9); #expect(r == []) }  // not this session's socket
        do { let r = state.webSocketClosed(serial: 1); #expect(r == [.close(reason: "transport close", code: 1000, notify: false)]) }
        #expect(!state.isOnWebSocket)
    }

    @Test("Long-polling queues packets for the next poll, or answers the waiting one; a second poll is overlapping")
    func polling() {
        var state = session()
        do { let r = state.send([.message("a")]); #expect(r == []) }
        do { let r = state.poll(); #expect(r == .now([.message("a")])) }
        do { let r = state.poll(); #expect(r == .wait) }
        do { let r = state.poll(); #expect(r == .overlapping) }
        do { let r = state.send([.message("b"), .message("c")]); #expect(r == [.answerPoll([.message("b"), .message("c")])]) }
        #expect(!state.pollWaiting && state.pollQueue.isEmpty)
        do { let r = state.poll(); #expect(r == .wait) }
        do { let r = state.closing(); #expect(r == [.answerPoll([.close])]) }
        do { let r = state.closing(); #expect(r == []) }
    }

    @Test("Upgrade: 2probe is answered and the waiting poll gets a noop; 5 moves the session and flushes the queue")
    func upgrade() {
        var state = session()
        do { let r = state.poll(); #expect(r == .wait) }
        do { let r = state.probeOpened(serial: 7); #expect(r) }
        do { let r = state.probeOpened(serial: 8); #expect(!r) }  // one probe at a time
        do { let r = state.probeReceived(.message("ignored")); #expect(r == []) }
        do { let r = state.probeReceived(.ping("probe")); #expect(r == [.writeProbe(.pong("probe")), .answerPoll([.noop])]) }
        do { let r = state.poll(); #expect(r == .now([.noop])) }  // probed: polls complete at once
        _ = state.send([.message("queued")])
        do { let r = state.poll(); #expect(r == .now([.message("queued")])) }
        _ = state.send([.message("late")])
        do { let r = state.poll(); #expect(r == .now([.message("late")])) }
        do { let r = state.poll(); #expect(r == .now([.noop])) }
        _ = state.send([.message("x")])
        do { let r = state.probeReceived(.upgrade); #expect(r == [.writeWebSocket([.message("x")])]) }
        #expect(state.webSocketSerial == 7 && state.probeSerial == nil && state.isOnWebSocket)
        do { let r = state.send([.message("y")]); #expect(r == [.writeWebSocket([.message("y")])]) }
        do { let r = state.probeReceived(.upgrade); #expect(r == []) }  // no probe any more
    }

    @Test("Upgrade with a poll still waiting answers it with a noop; a closed probe leaves polling as it was")
    func upgradeWhileWaiting() {
        var state = session()
        do { let r = state.probeOpened(serial: 3); #expect(r) }
        do { let r = state.poll(); #expect(r == .wait) }
        do { let r = state.probeReceived(.upgrade); #expect(r == [.answerPoll([.noop])]) }
        var other = session()
        do { let r = other.probeOpened(serial: 4); #expect(r) }
        _ = other.probeReceived(.ping("probe"))
        do { let r = other.webSocketClosed(serial: 4); #expect(r == []) }
        #expect(other.probeSerial == nil && !other.probed)
        do { let r = other.poll(); #expect(r == .wait) }  // no longer completes at once
        do { let r = other.probeOpened(serial: 5); #expect(r) }
    }

    @Test("Ticks: the connect deadline, pings when due (written or polled), and the pong timeout")
    func ticks() {
        var state = session(webSocket: 1)
        do { let r = state.tick(now: start + .seconds(10)); #expect(r == []) }
        do { let r = state.tick(now: start + .seconds(45)); #expect(r == [.close(reason: "no Socket.IO connection in time", code: 1000, notify: true)]) }
        state.connected()
        do { let r = state.tick(now: start + .seconds(46)); #expect(r == [.writeWebSocket([.ping("")])]) }
        do { let r = state.tick(now: start + .seconds(50)); #expect(r == []) }
        do { let r = state.tick(now: start + .seconds(66)); #expect(r == [.close(reason: "ping timeout", code: 1000, notify: true)]) }
        var polled = session()
        polled.connected()
        do { let r = polled.poll(); #expect(r == .wait) }
        do { let r = polled.tick(now: start + .seconds(25)); #expect(r == [.answerPoll([.ping("")])]) }
        polled.receivedPong(now: start + .seconds(26))
        do { let r = polled.tick(now: start + .seconds(50)); #expect(r == []) }
        do { let r = polled.tick(now: start + .seconds(51)); #expect(r == []) }
        do { let r = polled.poll(); #expect(r == .now([.ping("")])) }
    }
}
