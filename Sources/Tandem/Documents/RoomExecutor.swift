import Dispatch

/// A serial executor on a dispatch queue of its own, so each ``DocumentRoom`` runs on its own thread when it runs.
///
/// Rooms do blocking disk work (appends, fsync, multi-megabyte state writes). On the shared cooperative pool
/// (one thread per core) one slow disk would stall every document; on its own queue a room that waits for the
/// disk holds only its own thread, and other documents keep relaying (issue 12: "documents never wait on each
/// other").
final class RoomExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        self.queue = DispatchQueue(label: label)
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
