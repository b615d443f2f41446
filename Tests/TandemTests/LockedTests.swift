import Foundation
import Testing
@testable import Tandem

/// `Locked` is the one lock for state shared outside actors; these pin what callers rely on.
struct LockedTests {
    private struct Refused: Error, Equatable {}

    @Test("updates from many threads are never lost")
    func concurrentUpdates() {
        let counts = Locked<[Int: Int]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for step in 0..<2_000 {
                counts.withLock { $0[step % 16, default: 0] += 1 }
            }
        }
        let total = counts.withLock { $0.values.reduce(0, +) }
        #expect(total == 16_000)
        #expect(counts.withLock { $0.count } == 16)
    }

    @Test("what the body returns or throws is passed on, and the lock is released either way")
    func returnsAndThrows() {
        let value = Locked(41)
        #expect(value.withLock { value -> Int in value += 1; return value } == 42)
        #expect(throws: Refused.self) {
            try value.withLock { (value: inout Int) throws(Refused) -> Void in
                value = 0
                throw Refused()
            }
        }
        // The failed body's change stays (as with Mutex) and the lock is free again.
        #expect(value.withLock { $0 } == 0)
    }
}
