import Dispatch

/// Runs an async Redis call to completion from synchronous code, blocking the calling thread.
///
/// Only for ``DocumentStorage`` methods of cluster mode, which run on a room's own executor (``RoomExecutor``, a
/// dispatch queue of its own), never on the Swift concurrency pool. This cannot deadlock: the call runs in a
/// detached task on the concurrency pool, ``RedisClient`` is an actor on that pool and its connection is served by a
/// dedicated thread, and none of them ever waits for a room's queue. Every command carries its own timeout, so the
/// wait is bounded. Blocking the pool itself (calling this from a task) could starve it, hence the restriction.
enum RedisBlocking {
    /// The result of `body`, waited for on this thread.
    static func run<Value: Sendable>(
        _ body: @escaping @Sendable () async throws -> Value
    ) throws(RedisError) -> Value {
        let box = Locked<Result<Value, RedisError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let result: Result<Value, RedisError>
            do {
                result = .success(try await body())
            } catch let error as RedisError {
                result = .failure(error)
            } catch {
                result = .failure(.protocolViolation("\(error)"))
            }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = box.withLock({ $0 }) else { throw .closed }
        return try result.get()
    }
}
