import Testing
import Wire
@testable import Tandem

@Suite("Connection lifecycle: the transport's per-connection state machine, without sockets")
struct ConnectionLifecycleTests {
    static let timeout = Duration.seconds(5)
    static let start = ContinuousClock.now

    static let timeouts = ConnectionLifecycle.Timeouts(close: Self.timeout, idle: .seconds(60), request: .seconds(30))

    static func fresh() -> ConnectionLifecycle { ConnectionLifecycle(timeouts: Self.timeouts, now: Self.start) }

    /// A lifecycle that went through an upgrade and has frames flowing.
    static func webSocket() -> ConnectionLifecycle {
        var lifecycle = Self.fresh()
        lifecycle.requestReceived(keepAlive: true, now: Self.start)
        lifecycle.upgradeStarted()
        _ = lifecycle.upgraded(shuttingDown: false, now: Self.start)
        return lifecycle
    }

    @Test("A kept-alive request: reading stops while the handler runs and resumes after the response")
    func keepAliveRequest() {
        var lifecycle = Self.fresh()
        #expect(lifecycle.phase == .http)
        #expect(lifecycle.wantsRead)
        lifecycle.requestReceived(keepAlive: true, now: Self.start)
        lifecycle.handlerStarted()
        #expect(lifecycle.phase == .awaitingResponse)
        #expect(!lifecycle.wantsRead)
        let step1 = lifecycle.responded(keepAlive: true, now: Self.start)
        #expect(step1)
        #expect(lifecycle.phase == .http)
        #expect(lifecycle.wantsRead)
        let step2 = lifecycle.flushed(now: Self.start)
        #expect(step2 == .none, "an empty queue of an open connection does nothing")
        let step3 = lifecycle.tick(now: Self.start + .seconds(59), requestInProgress: false)
        #expect(step3 == .none, "no deadline armed, not idle long enough")
    }

    @Test("Connection: close drains: write side shut once written, torn down at the peer's EOF")
    func closeAfterResponse() {
        var lifecycle = Self.fresh()
        lifecycle.requestReceived(keepAlive: false, now: Self.start)
        lifecycle.handlerStarted()
        let step1 = lifecycle.responded(keepAlive: true, now: Self.start)
        #expect(!step1, "the request said close")
        #expect(lifecycle.phase == .draining(deadline: Self.start + Self.timeout))
        #expect(lifecycle.hardDeadline == Self.start + Self.timeout)
        #expect(lifecycle.wantsRead, "input is read and discarded while draining")
        let written = Self.start + .milliseconds(10)
        let step2 = lifecycle.flushed(now: written)
        #expect(step2 == .shutdownWrite)
        #expect(lifecycle.writeShut)
        #expect(lifecycle.phase == .draining(deadline: written + Self.timeout))
        let step3 = lifecycle.flushed(now: written)
        #expect(step3 == .none, "the write side is shut once")
        let step4 = lifecycle.peerEOF(queueEmpty: true, now: written)
        #expect(step4 == .teardown, "peer EOF during draining")
        #expect(lifecycle.phase == .closed)
        #expect(!lifecycle.wantsRead)
    }

    @Test("A peer that never sends EOF is dropped at the close timeout")
    func drainingDeadline() {
        var lifecycle = Self.fresh()
        let step1 = lifecycle.responded(keepAlive: false, now: Self.start)
        #expect(!step1)
        let step2 = lifecycle.flushed(now: Self.start)
        #expect(step2 == .shutdownWrite)
        let step3 = lifecycle.tick(now: Self.start + .seconds(4), requestInProgress: false)
        #expect(step3 == .none)
        let step4 = lifecycle.tick(now: Self.start + Self.timeout, requestInProgress: false)
        #expect(step4 == .teardown)
        #expect(lifecycle.phase == .closed)
    }

    @Test("A peer that stops reading is dropped at the hard deadline even though the queue never empties")
    func hardDeadline() {
        var lifecycle = Self.webSocket()
        lifecycle.closeAfterWriting(now: Self.start)
        let step1 = lifecycle.tick(now: Self.start + .seconds(1), requestInProgress: false)
        #expect(step1 == .none)
        lifecycle.closeAfterWriting(now: Self.start + .seconds(2))
        #expect(lifecycle.hardDeadline == Self.start + Self.timeout, "an armed deadline stays")
        let step2 = lifecycle.tick(now: Self.start + Self.timeout, requestInProgress: false)
        #expect(step2 == .teardown)
    }

    @Test("Peer EOF with bytes still queued: stop reading, write them, then tear down")
    func peerEOFWithQueuedBytes() {
        var lifecycle = Self.webSocket()
        let step1 = lifecycle.peerEOF(queueEmpty: false, now: Self.start)
        #expect(step1 == .none)
        #expect(lifecycle.peerFinished)
        #expect(!lifecycle.wantsRead)
        #expect(lifecycle.hardDeadline == Self.start + Self.timeout)
        let step2 = lifecycle.flushed(now: Self.start)
        #expect(step2 == .teardown, "no lingering close: the peer is gone")
    }

    @Test("Peer EOF with nothing queued ends the connection at once, in any phase")
    func peerEOFIdle() {
        var http = Self.fresh()
        let step1 = http.peerEOF(queueEmpty: true, now: Self.start)
        #expect(step1 == .teardown)
        var socket = Self.webSocket()
        let step2 = socket.peerEOF(queueEmpty: true, now: Self.start)
        #expect(step2 == .teardown)
    }

    @Test("A close asked for during the upgrade is held and started right after the 101")
    func closeDuringUpgrade() {
        var lifecycle = Self.fresh()
        lifecycle.upgradeStarted()
        #expect(lifecycle.phase == .upgrading)
        #expect(!lifecycle.wantsRead)
        let step1 = lifecycle.closeRequested(code: .policyViolation, reason: "kicked")
        #expect(step1 == .none)
        let step2 = lifecycle.upgraded(shuttingDown: true, now: Self.start)
        #expect(step2 == .closeWebSocket(.policyViolation, reason: "kicked"),
                "the session's own close wins over the shutdown's")
        #expect(lifecycle.phase == .webSocket)
        #expect(lifecycle.pendingClose == nil)
        let step3 = lifecycle.closeRequested(code: .normalClosure, reason: "")
        #expect(step3 == .closeWebSocket(.normalClosure, reason: ""))
    }

    @Test("An upgrade that completes during shutdown closes with 1001; otherwise frames simply flow")
    func upgradeDuringShutdown() {
        var shutting = Self.fresh()
        shutting.upgradeStarted()
        let step1 = shutting.upgraded(shuttingDown: true, now: Self.start)
        #expect(step1 == .closeWebSocket(.goingAway, reason: "server shutting down"))
        var plain = Self.fresh()
        plain.upgradeStarted()
        let step2 = plain.upgraded(shuttingDown: false, now: Self.start)
        #expect(step2 == .none)
        #expect(plain.isWebSocket)
        #expect(plain.wantsRead)
    }

    @Test("A refused upgrade answers and drains")
    func refusedUpgrade() {
        var lifecycle = Self.fresh()
        lifecycle.upgradeStarted()
        let step1 = lifecycle.responded(keepAlive: false, now: Self.start)
        #expect(!step1)
        #expect(lifecycle.closeAfterFlush)
        let step2 = lifecycle.flushed(now: Self.start)
        #expect(step2 == .shutdownWrite)
    }

    @Test("The peer's close is held until the session has drained; reading stops meanwhile")
    func deferredClose() throws {
        var lifecycle = Self.webSocket()
        let frame = WebSocketFrame(fin: true, opcode: .close, payload: [0x03, 0xE8])
        lifecycle.deferClose(frame, now: Self.start)
        #expect(!lifecycle.wantsRead)
        #expect(lifecycle.hardDeadline == Self.start + Self.timeout, "the close timeout bounds the wait")
        let drained = lifecycle.sessionDrained()
        let released = try #require(drained)
        #expect(released.opcode == .close)
        let step1 = lifecycle.sessionDrained()
        #expect(step1 == nil, "released once")
        #expect(lifecycle.wantsRead)
        lifecycle.closeAfterWriting(now: Self.start)
        let step2 = lifecycle.flushed(now: Self.start)
        #expect(step2 == .shutdownWrite)
    }

    @Test("Inbound backpressure pauses and resumes reading")
    func pauseAndResume() {
        var lifecycle = Self.webSocket()
        lifecycle.pauseReading()
        #expect(!lifecycle.wantsRead)
        lifecycle.resumeReading()
        #expect(lifecycle.wantsRead)
    }

    @Test("A slow reader gets the close timeout from now, replacing an earlier deadline")
    func slowReader() {
        var lifecycle = Self.webSocket()
        lifecycle.deferClose(WebSocketFrame(fin: true, opcode: .close, payload: []), now: Self.start)
        lifecycle.slowReader(now: Self.start + .seconds(3))
        #expect(lifecycle.hardDeadline == Self.start + .seconds(3) + Self.timeout)
        #expect(lifecycle.closeAfterFlush)
    }

    @Test("Shutdown: idle HTTP ends now, a request in progress finishes without keep-alive, a WebSocket closes 1001")
    func shutdown() {
        var idle = Self.fresh()
        let step1 = idle.shutdownBegan(requestInProgress: false)
        #expect(step1 == .teardown)
        var receiving = Self.fresh()
        let step2 = receiving.shutdownBegan(requestInProgress: true)
        #expect(step2 == .none)
        #expect(!receiving.keepAlive)
        var answering = Self.fresh()
        answering.requestReceived(keepAlive: true, now: Self.start)
        answering.handlerStarted()
        let step3 = answering.shutdownBegan(requestInProgress: false)
        #expect(step3 == .none)
        let step4 = answering.responded(keepAlive: true, now: Self.start)
        #expect(!step4, "no keep-alive once shutting down")
        var socket = Self.webSocket()
        let step5 = socket.shutdownBegan(requestInProgress: false)
        #expect(step5 == .closeWebSocket(.goingAway, reason: "server shutting down"))
        var draining = Self.fresh()
        _ = draining.responded(keepAlive: false, now: Self.start)
        let step6 = draining.shutdownBegan(requestInProgress: false)
        #expect(step6 == .none)
    }

    @Test("Closes asked for outside a WebSocket do nothing")
    func closeOutsideWebSocket() {
        var lifecycle = Self.fresh()
        let step1 = lifecycle.closeRequested(code: .normalClosure, reason: "")
        #expect(step1 == .none)
        lifecycle.closed()
        let step2 = lifecycle.closeRequested(code: .normalClosure, reason: "")
        #expect(step2 == .none)
        #expect(lifecycle.phase == .closed)
    }

    @Test("HTTP timers: a request that does not arrive in full gets 408, an idle connection is closed")
    func httpTimers() {
        var slow = Self.fresh()
        slow.bytesReceived(startsRequest: true, now: Self.start + .seconds(1))
        let early = slow.tick(now: Self.start + .seconds(30), requestInProgress: true)
        #expect(early == .none, "30 s from the first byte, not from accept")
        let late = slow.tick(now: Self.start + .seconds(31), requestInProgress: true)
        #expect(late == .requestTimedOut)

        var idle = Self.fresh()
        idle.bytesReceived(startsRequest: true, now: Self.start + .seconds(10))
        idle.requestReceived(keepAlive: true, now: Self.start + .seconds(10))
        idle.handlerStarted()
        let answering = idle.tick(now: Self.start + .seconds(100), requestInProgress: false)
        #expect(answering == .none, "no timer while a handler runs")
        _ = idle.responded(keepAlive: true, now: Self.start + .seconds(20))
        let before = idle.tick(now: Self.start + .seconds(79), requestInProgress: false)
        #expect(before == .none, "the idle timeout counts from the response")
        let after = idle.tick(now: Self.start + .seconds(80), requestInProgress: false)
        #expect(after == .idleTimedOut)

        var pipelined = Self.fresh()
        pipelined.requestReceived(keepAlive: true, morePending: true, now: Self.start + .seconds(5))
        let next = pipelined.tick(now: Self.start + .seconds(35), requestInProgress: true)
        #expect(next == .requestTimedOut, "a pipelined request's timeout starts when the one before it is parsed")

        var socket = Self.webSocket()
        let quiet = socket.tick(now: Self.start + .seconds(3600), requestInProgress: false)
        #expect(quiet == .none, "a WebSocket has no idle timeout here (its keepalive is the connection state's)")
    }
}
