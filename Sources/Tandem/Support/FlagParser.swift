/// A declarative command-line flag parser: each flag names its environment variable, help and how it applies.
///
/// Environment variables are applied first, then arguments, so `--port 9000` beats `TANDEM_PORT=8000`. Flags are
/// `--name value` or `--name=value`; boolean flags take no value on the command line and accept
/// `1/true/yes/on` or `0/false/no/off` from the environment. Adding a flag is one ``Flag`` entry in the command's
/// table (see `Sources/tandem/ServeCommand.swift`).
public struct FlagParser<Options> {
    /// One flag of a command.
    public struct Flag {
        /// The long name including dashes, e.g. `--port`.
        public let name: String
        /// The environment variable that sets it, e.g. `TANDEM_PORT`, or nil.
        public let environment: String?
        /// The placeholder shown in help (`PORT`), or nil for a boolean flag.
        public let valueName: String?
        /// One line of help, including the default.
        public let help: String
        /// Applies the value (`"true"` for a boolean flag given on the command line).
        public let apply: (inout Options, String) throws(FlagError) -> Void

        /// A flag that takes a value.
        public init(
            _ name: String, env: String? = nil, value: String, help: String,
            apply: @escaping (inout Options, String) throws(FlagError) -> Void
        ) {
            self.name = name
            self.environment = env
            self.valueName = value
            self.help = help
            self.apply = apply
        }

        /// A boolean flag (present means true).
        public init(
            _ name: String, env: String? = nil, help: String,
            apply: @escaping (inout Options, Bool) throws(FlagError) -> Void
        ) {
            self.name = name
            self.environment = env
            self.valueName = nil
            self.help = help
            self.apply = { (options: inout Options, text: String) throws(FlagError) in
                try apply(&options, try FlagValue.bool(text, flag: name))
            }
        }
    }

    /// The command's flags, in help order.
    public var flags: [Flag]

    /// Creates a parser over a flag table.
    public init(flags: [Flag]) {
        self.flags = flags
    }

    /// Applies the environment, then `arguments`.
    ///
    /// - Throws: ``FlagError`` for an unknown flag, a missing value or a value that does not parse;
    ///   ``FlagError/helpRequested`` for `--help`/`-h`.
    public func parse(
        _ arguments: [String], environment: [String: String], into options: inout Options
    ) throws(FlagError) {
        for flag in self.flags {
            if let variable = flag.environment, let value = environment[variable], !value.isEmpty {
                try flag.apply(&options, value)
            }
        }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" { throw .helpRequested }
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard let flag = self.flags.first(where: { $0.name == name }) else { throw .unknownFlag(argument) }
            if flag.valueName == nil {
                try flag.apply(&options, parts.count > 1 ? String(parts[1]) : "true")
                continue
            }
            let value: String
            if parts.count > 1 {
                value = String(parts[1])
            } else {
                guard index < arguments.count else { throw .missingValue(flag: name) }
                value = arguments[index]
                index += 1
            }
            try flag.apply(&options, value)
        }
    }

    /// The flag table as help text, one flag per line.
    public func help() -> String {
        self.flags.map { flag in
            var left = "  " + flag.name + (flag.valueName.map { " " + $0 } ?? "")
            if left.count < 30 { left += String(repeating: " ", count: 30 - left.count) } else { left += "  " }
            let env = flag.environment.map { " [$\($0)]" } ?? ""
            return left + flag.help + env
        }.joined(separator: "\n")
    }
}

/// Why the command line was rejected.
public enum FlagError: Error, Equatable, CustomStringConvertible {
    case unknownFlag(String)
    case missingValue(flag: String)
    case invalidValue(flag: String, value: String, expected: String)
    case helpRequested

    public var description: String {
        switch self {
        case .unknownFlag(let flag): return "unknown option \(flag)"
        case .missingValue(let flag): return "\(flag) needs a value"
        case .invalidValue(let flag, let value, let expected): return "\(flag): '\(value)' is not \(expected)"
        case .helpRequested: return "help requested"
        }
    }
}

/// Parsers for common flag value types.
public enum FlagValue {
    /// `1/true/yes/on` or `0/false/no/off`.
    public static func bool(_ text: String, flag: String) throws(FlagError) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw .invalidValue(flag: flag, value: text, expected: "a boolean")
        }
    }

    /// A non-negative integer within `range`.
    public static func int(
        _ text: String, flag: String, range: ClosedRange<Int> = 0...Int.max
    ) throws(FlagError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw .invalidValue(flag: flag, value: text, expected: "an integer in \(range)")
        }
        return value
    }

    /// A byte count: plain bytes or with a `K`, `M`, `G` suffix (powers of 1024; `KiB`, `MB` etc. accepted).
    public static func byteSize(_ text: String, flag: String) throws(FlagError) -> Int {
        let lowered = text.lowercased()
        let digits = lowered.prefix { $0.isNumber }
        let unit = lowered.dropFirst(digits.count)
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1 << 10
        case "m", "mb", "mib": multiplier = 1 << 20
        case "g", "gb", "gib": multiplier = 1 << 30
        default: throw .invalidValue(flag: flag, value: text, expected: "a size like 65536, 64K or 16M")
        }
        guard let value = Int(digits), value <= Int.max / multiplier else {
            throw .invalidValue(flag: flag, value: text, expected: "a size like 65536, 64K or 16M")
        }
        return value * multiplier
    }

    /// A duration: a number with `ms`, `s`, `m`, `h` or `d` (plain numbers are seconds).
    public static func duration(_ text: String, flag: String) throws(FlagError) -> Duration {
        let lowered = text.lowercased()
        let digits = lowered.prefix { $0.isNumber || $0 == "." }
        let unit = lowered.dropFirst(digits.count)
        guard let value = Double(digits), value >= 0, value < 1e9 else {
            throw .invalidValue(flag: flag, value: text, expected: "a duration like 500ms, 30s or 2m")
        }
        switch unit {
        case "ms": return .milliseconds(Int64(value))
        case "", "s": return .milliseconds(Int64(value * 1000))
        case "m": return .seconds(Int64(value * 60))
        case "h": return .seconds(Int64(value * 3600))
        case "d": return .seconds(Int64(value * 86_400))
        default: throw .invalidValue(flag: flag, value: text, expected: "a duration like 500ms, 30s or 2m")
        }
    }
}
