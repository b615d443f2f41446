import Foundation

/// How severe a log event is; events below a logger's ``Logger/level`` are dropped before they are formatted.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// Detail for debugging (each WebSocket message, each retry).
    case debug
    /// Normal operation worth a line: connections opened and closed, saves, start and stop.
    case info
    /// Refusals and recoverable problems: a refused request, token, join or update, a limit reached.
    case warn
    /// Failures that need an operator: a failed save, an unexpected handler error.
    case error

    /// Parses `debug`, `info`, `warn` (or `warning`) and `error`, case-insensitively.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error": self = .error
        default: return nil
        }
    }

    /// The name written in log lines (`debug`, `info`, `warn`, `error`).
    public var description: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warn: return "warn"
        case .error: return "error"
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How log lines are written: `text` (`ts LEVEL msg key=value …`) or `json` (one object per line).
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2025-01-02T03:04:05.678Z INFO connection opened connection=12 peer=127.0.0.1:50312`.
    case text
    /// `{"ts":"2025-01-02T03:04:05.678Z","level":"info","msg":"connection opened","connection":12,…}`.
    case json
}

/// A structured logger: one line per event, a message plus ordered `key=value` fields.
///
/// Immutable and `Sendable`: copy it freely, call it from any thread or task. Lines go to a ``LogSink`` (standard
/// error by default, written by a background thread so a slow or full stderr never blocks the event loop; tests
/// inject ``LogCapture/sink``). Fields named like credentials (`token`, `authorization`, `secret`, `password`,
/// `cookie`, any case, also as part of a longer name) are written as `[redacted]`, and any value that looks like a
/// JWT is masked — see ``LogFormatter``. Never pass document or message content as a field.
///
/// The process-wide logger is ``Log/shared``: `tandem serve` configures it from `--log-format` and `--log-level`
/// before anything starts, and ``Server`` uses it unless given another. Other layers log with
/// `Log.shared.info("document saved", ["document": id, "bytes": size])`.
public struct Logger: Sendable {
    /// Events below this level are dropped. Default ``LogLevel/info``.
    public var level: LogLevel
    /// Line format. Default ``LogFormat/text``.
    public var format: LogFormat
    /// Where lines go.
    public var sink: LogSink
    /// Fields added to every line of this logger (see ``with(_:)``).
    public var context: [(String, any Sendable)]
    /// The current time in seconds since 1970 (tests pass a fixed clock).
    public var clock: @Sendable () -> Double
    /// Longest field value written, in characters; longer values are cut and end with `…`. Default 512.
    public var maxValueLength: Int

    /// A logger writing to `sink`.
    public init(
        level: LogLevel = .info, format: LogFormat = .text, sink: LogSink = .standardError,
        maxValueLength: Int = 512, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.level = level
        self.format = format
        self.sink = sink
        self.context = []
        self.maxValueLength = maxValueLength
        self.clock = clock
    }

    /// A logger that drops everything.
    public static let disabled = Logger(level: .error, sink: .discard)

    /// A copy that adds `fields` to every line (e.g. `["connection": id]`).
    public func with(_ fields: KeyValuePairs<String, any Sendable>) -> Logger {
        var copy = self
        copy.context += fields.map { ($0.key, $0.value) }
        return copy
    }

    /// Whether an event at `level` would be written (check before building expensive fields).
    public func isEnabled(_ level: LogLevel) -> Bool {
        level >= self.level && !self.sink.discards
    }

    /// Writes one event at `level`.
    public func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) {
        guard self.isEnabled(level) else { return }
        var all = self.context
        all += fields.map { ($0.key, $0.value) }
        let line = LogFormatter(format: self.format, maxValueLength: self.maxValueLength)
            .line(time: self.clock(), level: level, message: message, fields: all)
        self.sink.write(line)
    }

    /// Writes a ``LogLevel/debug`` event.
    public func debug(_ message: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) {
        self.log(.debug, message, fields)
    }

    /// Writes an ``LogLevel/info`` event.
    public func info(_ message: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) {
        self.log(.info, message, fields)
    }

    /// Writes a ``LogLevel/warn`` event.
    public func warn(_ message: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) {
        self.log(.warn, message, fields)
    }

    /// Writes an ``LogLevel/error`` event.
    public func error(_ message: String, _ fields: KeyValuePairs<String, any Sendable> = [:]) {
        self.log(.error, message, fields)
    }
}

/// The process-wide default logger.
///
/// `Log.shared` starts as text at `info` on standard error; `tandem serve` replaces it from its flags before building
/// the server. Replace it only at start-up (it is read, not cached, by code that logs).
public enum Log {
    private static let box = LoggerBox(Logger())

    /// The default logger; setting it affects every later log call that uses it.
    public static var shared: Logger {
        get { box.value }
        set { box.value = newValue }
    }
}

/// A lock around the shared logger.
private final class LoggerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Logger

    init(_ logger: Logger) {
        self.stored = logger
    }

    var value: Logger {
        get { self.lock.withLock { self.stored } }
        set { self.lock.withLock { self.stored = newValue } }
    }
}
