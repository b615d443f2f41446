import Testing
@testable import Tandem

@Suite("DebounceSchedule")
struct DebounceScheduleTests {
    let start = ContinuousClock.Instant.now

    @Test("A single change is due after the trailing delay, not before")
    func trailingDelay() {
        var schedule = DebounceSchedule<String>(delay: .milliseconds(500), maxWait: .seconds(5))
        schedule.markDirty("a", now: start)
        let early = schedule.takeDue(now: start + .milliseconds(499))
        #expect(early.isEmpty)
        let due = schedule.takeDue(now: start + .milliseconds(500))
        #expect(due == ["a"])
        #expect(!schedule.isDirty("a"))
        #expect(schedule.nextDeadline == nil)
    }

    @Test("Each change pushes the deadline back by the delay")
    func changesPushDeadline() {
        var schedule = DebounceSchedule<String>(delay: .milliseconds(500), maxWait: .seconds(5))
        schedule.markDirty("a", now: start)
        schedule.markDirty("a", now: start + .milliseconds(400))
        #expect(schedule.deadline(for: "a") == start + .milliseconds(900))
        let early = schedule.takeDue(now: start + .milliseconds(600))
        #expect(early.isEmpty)
        let due = schedule.takeDue(now: start + .milliseconds(900))
        #expect(due == ["a"])
    }

    @Test("Constant editing is written at the maximum wait")
    func maxWaitCapsTheDelay() {
        var schedule = DebounceSchedule<String>(delay: .milliseconds(500), maxWait: .seconds(2))
        var now = start
        var written: [ContinuousClock.Instant] = []
        // A change every 100 ms for 5 s: the trailing delay never elapses.
        for _ in 0..<50 {
            schedule.markDirty("a", now: now)
            if !schedule.takeDue(now: now).isEmpty { written.append(now) }
            now += .milliseconds(100)
        }
        #expect(written == [start + .seconds(2), start + .milliseconds(4100)])
    }

    @Test("Documents are tracked independently; the next deadline is the earliest")
    func independentKeys() {
        var schedule = DebounceSchedule<String>()
        schedule.markDirty("a", now: start)
        schedule.markDirty("b", now: start + .milliseconds(200))
        #expect(schedule.dirtyCount == 2)
        #expect(schedule.nextDeadline == start + .milliseconds(500))
        let due = schedule.takeDue(now: start + .milliseconds(600))
        #expect(due == ["a"])
        let first = schedule.take("b")
        let second = schedule.take("b")
        #expect(first && !second)
        schedule.markDirty("c", now: start)
        let all = schedule.takeAll()
        #expect(all == ["c"])
        #expect(schedule.dirtyCount == 0)
    }

    @Test("A maximum wait below the delay is raised to the delay")
    func maxWaitAtLeastDelay() {
        let schedule = DebounceSchedule<Int>(delay: .seconds(1), maxWait: .milliseconds(10))
        #expect(schedule.maxWait == .seconds(1))
    }
}
