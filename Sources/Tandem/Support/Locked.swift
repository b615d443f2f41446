#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`: the lock for state shared between threads outside an actor.
///
/// Used instead of the standard library's `Synchronization.Mutex` so that ThreadSanitizer sees the lock. On Linux
/// `Mutex` waits on a futex inside the uninstrumented runtime, so TSan gets no happens-before edge from it and reports
/// races on state that is only ever touched under the lock — reproduced with four threads updating one dictionary
/// inside `Mutex.withLock` (25 reports, none with `pthread_mutex`; Docs/conformance.md, "Sanitizers"). TSan
/// intercepts `pthread_mutex_lock`, so a clean run with this type means something (issue 19: "the whole Swift test
/// suite clean under ThreadSanitizer"). The lock is not recursive: `body` must not take the same lock again.
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        self.mutex = .allocate(capacity: 1)
        self.mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(self.mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(self.mutex)
        self.mutex.deinitialize(count: 1)
        self.mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock; what it returns or throws is passed on.
    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(self.mutex)
        defer { pthread_mutex_unlock(self.mutex) }
        return try body(&self.value)
    }
}
