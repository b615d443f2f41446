#if canImport(Glibc)
import Glibc
#endif

/// Log lines of the documents layer: refusals, storage failures, repairs. One line per event on stderr,
/// `level component message key=value…`; never a token or document content.
enum RoomLog {
    /// Whether lines are written (tests silence them).
    nonisolated(unsafe) static var enabled = true

    static func error(_ message: String, _ fields: [String: String] = [:]) { write("error", message, fields) }
    static func warn(_ message: String, _ fields: [String: String] = [:]) { write("warn", message, fields) }
    static func info(_ message: String, _ fields: [String: String] = [:]) { write("info", message, fields) }

    private static func write(_ level: String, _ message: String, _ fields: [String: String]) {
        guard enabled else { return }
        var line = "\(level) documents \(message)"
        for key in fields.keys.sorted() { line += " \(key)=\(quoted(fields[key] ?? ""))" }
        line += "\n"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    private static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"" + value.replacingOccurrences("\"", "'") + "\"" : value
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, _ replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
