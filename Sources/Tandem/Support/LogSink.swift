import Foundation
import Glibc

/// Where a ``Logger`` writes its lines.
///
/// ``standardError`` (the default) hands lines to a background ``LogWriter``, so logging never blocks the caller;
/// ``LogCapture/sink`` collects lines in memory for tests; ``init(write:flush:)`` takes any function.
public struct LogSink: Sendable {
    private let writeLine: @Sendable (String) -> Void
    private let flushLines: @Sendable () -> Void
    /// True for ``discard``: nothing is formatted.
    public let discards: Bool

    /// A sink calling `write` with each line (no trailing newline); `flush` should return once lines are written.
    public init(write: @escaping @Sendable (String) -> Void, flush: @escaping @Sendable () -> Void = {}) {
        self.writeLine = write
        self.flushLines = flush
        self.discards = false
    }

    private init(discarding: Void) {
        self.writeLine = { _ in }
        self.flushLines = {}
        self.discards = true
    }

    /// Writes one line.
    public func write(_ line: String) {
        self.writeLine(line)
    }

    /// Waits until every line written so far is out (call before the process exits).
    public func flush() {
        self.flushLines()
    }

    /// Standard error, through the process-wide background writer.
    public static let standardError: LogSink = {
        let writer = LogWriter(fileDescriptor: 2)
        return LogSink(write: { writer.enqueue($0) }, flush: { writer.flush() })
    }()

    /// Drops every line.
    public static let discard = LogSink(discarding: ())
}

/// Writes lines to a file descriptor from its own thread, with a bounded queue.
///
/// A full or slow descriptor (a pipe nobody reads, a stalled terminal) blocks only this thread: past
/// ``capacity`` queued lines new lines are dropped and counted, and a `log lines dropped` line reports them once the
/// queue has room again.
public final class LogWriter: @unchecked Sendable {
    /// Lines held before new ones are dropped. Default 10,000.
    public let capacity: Int
    private let fileDescriptor: Int32
    private let condition = NSCondition()
    private var queue: [String] = []
    private var dropped = 0
    private var writing = false
    private var started = false

    /// A writer for `fileDescriptor` (not closed by the writer).
    public init(fileDescriptor: Int32, capacity: Int = 10_000) {
        self.fileDescriptor = fileDescriptor
        self.capacity = capacity
    }

    /// Queues a line; never blocks on I/O.
    public func enqueue(_ line: String) {
        self.condition.lock()
        defer { self.condition.unlock() }
        if !self.started {
            self.started = true
            let thread = Thread { [self] in self.run() }
            thread.name = "tandem-log-writer"
            thread.start()
        }
        guard self.queue.count < self.capacity else {
            self.dropped += 1
            return
        }
        self.queue.append(line)
        self.condition.signal()
    }

    /// Blocks until the queue is empty and the last batch is written (or 2 s pass).
    public func flush() {
        let deadline = Date(timeIntervalSinceNow: 2)
        self.condition.lock()
        defer { self.condition.unlock() }
        while (!self.queue.isEmpty || self.writing) && Date() < deadline {
            _ = self.condition.wait(until: deadline)
        }
    }

    private func run() {
        while true {
            self.condition.lock()
            while self.queue.isEmpty { self.condition.wait() }
            var batch = self.queue
            self.queue = []
            let dropped = self.dropped
            self.dropped = 0
            self.writing = true
            self.condition.unlock()
            if dropped > 0 { batch.append("log: \(dropped) lines dropped (the log output is not keeping up)") }
            var bytes: [UInt8] = []
            for line in batch {
                bytes += line.utf8
                bytes.append(10)
            }
            self.writeAll(bytes)
            self.condition.lock()
            self.writing = false
            self.condition.broadcast()
            self.condition.unlock()
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(self.fileDescriptor, buffer.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}

/// Collects log lines in memory: pass ``sink`` to a ``Logger`` in tests and read ``lines``.
public final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    /// An empty capture.
    public init() {}

    /// The sink that appends to this capture.
    public var sink: LogSink {
        LogSink(write: { [self] line in self.lock.withLock { self.stored.append(line) } })
    }

    /// Every line so far, in order.
    public var lines: [String] { self.lock.withLock { self.stored } }

    /// A logger at `level` (default debug) in `format` writing here, with a fixed clock (2025-01-01T00:00:00Z).
    public func logger(level: LogLevel = .debug, format: LogFormat = .text) -> Logger {
        Logger(level: level, format: format, sink: self.sink, clock: { 1_735_689_600 })
    }
}
