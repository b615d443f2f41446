import Dispatch
import Foundation
import Synchronization

/// A serial executor for one ``DocumentRoom``, running on one of a fixed set of *lanes*.
///
/// Rooms do blocking disk work (appends, fsync, multi-megabyte state writes). On the shared cooperative pool
/// (one thread per core) one slow disk would stall every document; so each room has a serial queue of its own, and
/// the room queues are spread round-robin over ``laneCount`` serial lane queues, each of which Dispatch serves
/// with at most one thread. A room that waits for the disk holds only its lane; rooms of the other lanes keep
/// relaying (issue 12: "documents never wait on each other"; `DurabilityTests.slowDocumentDoesNotBlockOthers`).
///
/// Why lanes and not one overcommitting queue per room: a queue created with `DispatchQueue(label:)` targets
/// Dispatch's overcommit pool, which starts a new thread whenever every thread is busy — a burst of 1,500 joins
/// made 260 threads, each with its stack and malloc arena (about 9 MiB of the idle server's memory in
/// `tandem-bench scale`) and a context switch per hand-off. Lanes bound the threads of the documents layer.
final class RoomExecutor: SerialExecutor, @unchecked Sendable {
    /// How many lanes rooms are spread over: 4 per core, at least 8 (8 on a 2-core machine).
    static let laneCount = max(8, 4 * ProcessInfo.processInfo.activeProcessorCount)

    private static let lanes: [DispatchQueue] = (0..<laneCount).map { DispatchQueue(label: "tandem.room-lane.\($0)") }
    private static let nextLane = Atomic<UInt>(0)

    private let queue: DispatchQueue

    init(label: String) {
        let lane = Self.lanes[Int(Self.nextLane.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(Self.laneCount))]
        self.queue = DispatchQueue(label: label, target: lane)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
