import Foundation

/// `tandem check DATA_DIR [--repair]`: runs ``DataCheck`` and prints its report. Lives in the library so its
/// parsing and exit statuses are tested; the executable only forwards arguments and prints the outcome.
///
/// Exit status: 0 when nothing is wrong (or, with `--repair`, when everything found was repaired), 1 when problems
/// were found (or remain) or the directory cannot be read, 2 for a bad command line.
public enum CheckCommand {
    /// The help text.
    public static let usage = """
        usage: tandem check DATA_DIR [--repair]

        Verifies every document (state.bin decodes, wal.ylog intact), note, channel and chat-read file of a data
        directory, prints sizes and problems and what --repair would do. Exits 1 when a problem was found.

        options:
          --repair   repair what can be repaired: rewrite damaged logs with their intact records, move stray
                     temporary files out, write missing id files; originals are copied to DATA_DIR/repair-<time>/
                     first. Refused while a server runs on DATA_DIR (it holds DATA_DIR/tandem.lock);
                     the repair holds that lock itself, so no server starts meanwhile.
          --help     print this help
        """

    /// Parses `arguments` and checks the directory at `now` (which names the backup folder).
    public static func run(_ arguments: [String], now: Date = Date()) -> TokenCommand.Outcome {
        var repair = false
        var directories: [String] = []
        for argument in arguments {
            switch argument {
            case "--help", "-h":
                return .init(status: 0, output: usage + "\n", error: "")
            case "--repair":
                repair = true
            case let option where option.hasPrefix("-") && option != "-":
                return .init(status: 2, output: "", error: "tandem check: unknown option '\(option)'\n\n\(usage)\n")
            default:
                directories.append(argument)
            }
        }
        guard directories.count == 1, let directory = directories.first else {
            let why = directories.isEmpty ? "DATA_DIR is required" : "one DATA_DIR at a time"
            return .init(status: 2, output: "", error: "tandem check: \(why)\n\n\(usage)\n")
        }
        guard repair else {
            // A plain check only reads; under a running server it sees a moment of files still being written.
            var notice = ""
            if let holder = DataDirectoryLock.holder(dataDirectory: directory) {
                notice = "note: a tandem server is running on \(directory)"
                    + (holder.pid.map { " (pid \($0))" } ?? "")
                    + "; checking read-only, files in use may be mid-write (stop it before --repair)\n"
            }
            do {
                let report = try DataCheck.run(dataDirectory: directory, repair: false, now: now)
                return .init(status: report.status, output: notice + report.text, error: "")
            } catch {
                return .init(status: 1, output: "", error: "tandem check: \(error)\n")
            }
        }
        guard FileIO.exists(directory) else {
            return .init(status: 1, output: "", error: "tandem check: no data directory at \(directory)\n")
        }
        // Repairs hold the server's lock: never under a running server, and no server starts meanwhile.
        let lock: DataDirectoryLock
        do {
            lock = try DataDirectoryLock.acquire(dataDirectory: directory)
        } catch .held(let directory, let pid) {
            let who = pid.map { "a tandem server (pid \($0))" } ?? "a tandem server"
            return .init(
                status: 1, output: "",
                error: "tandem check: refusing to repair: \(who) is running on \(directory) "
                    + "(\(directory)/\(DataDirectoryLock.fileName) is locked); stop it first, "
                    + "or run without --repair to check read-only\n")
        } catch {
            return .init(status: 1, output: "", error: "tandem check: \(error)\n")
        }
        return withExtendedLifetime(lock) {
            do {
                let report = try DataCheck.run(dataDirectory: directory, repair: true, now: now)
                return .init(status: report.status, output: report.text, error: "")
            } catch {
                return .init(status: 1, output: "", error: "tandem check: \(error)\n")
            }
        }
    }
}
