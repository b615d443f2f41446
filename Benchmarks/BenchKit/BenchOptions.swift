import Foundation

/// The command line of `tandem-bench`: which suites to run and where to write the results.
///
/// `tandem-bench [--suite codec,doc,…|all] [--repeat N] [--json OUT] [--svg-dir DIR] [--no-reference] [FILE…]`.
/// A bare suite name as the first argument (`tandem-bench codec`) is the same as `--suite codec`, so the commands in
/// older docs keep working. Options the runner does not know are kept in ``suiteArguments`` for the suites.
public struct BenchOptions: Equatable, Sendable {
    /// Every suite, in the order `all` runs them.
    public static let allSuites = ["codec", "json", "doc", "traces", "ws", "socketio", "ysync", "rooms", "history",
                                   "cluster", "tools", "scale"]

    /// The suites to run, in ``allSuites`` order.
    public var suites: [String] = BenchOptions.allSuites
    /// How many times each measurement is repeated (the best or the median is reported, per suite).
    public var repeats = 3
    /// Where the JSON results go (nil: only the table on stdout).
    public var jsonPath: String?
    /// Where a Markdown report goes (tables per suite, chart links), for Docs/benchmarks.md.
    public var markdownPath: String?
    /// Where the SVG charts go; default: the directory of ``jsonPath``.
    public var svgDirectory: String?
    /// Whether reference implementations (pycrdt, python-socketio) run beside Tandem.
    public var references = true
    /// Positional files: trace files for `traces`, an update log for `codec`.
    public var files: [String] = []
    /// Options left for the suites (for example `--receivers 50` for socketio).
    public var suiteArguments: [String] = []
    /// `--help` was given.
    public var help = false
    /// `--list` was given.
    public var list = false

    public init() {}

    /// The usage text.
    public static let usage = """
        usage: tandem-bench [--suite NAME[,NAME…]|all] [--repeat N] [--json OUT.json] [--svg-dir DIR] [--markdown OUT]
                            [--no-reference] [--list] [FILE…] [suite options]
          suites: \(allSuites.joined(separator: ", ")) (default: all)
          --repeat N      repetitions per measurement (default 3)
          --json OUT      write every result as JSON; SVG charts go next to it (bench-<suite>.svg)
          --svg-dir DIR   write the SVG charts there instead
          --markdown OUT  write the tables as Markdown (machine, command, one section per suite with its chart)
          --no-reference  skip the pycrdt and python-socketio reference runs
          FILE…           trace files (.json or .json.gz) for traces, an update log (.ylog) for codec/doc
          suite options:  --log PATH (update log), --storm-clients N, --storm-mb N, --receivers N, --messages N,
                          --idle N, --connections 1,10,100, --readers N, --updates N,
                          --redis-aof always|everysec|no; scale: --quick, --scale-connections N,
                          --sio-storm-mb N, --presence-clients N, --presence-seconds S, --idle-seconds S
        """

    /// Parses the arguments after the program name.
    public init(parsing arguments: [String]) throws(BenchOptionsError) {
        var index = 0
        var suitesGiven = false
        func value(_ flag: String) throws(BenchOptionsError) -> String {
            index += 1
            guard index < arguments.count else { throw BenchOptionsError("\(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--suite", "--suites", "-s":
                self.suites = try Self.suiteList(try value(argument))
                suitesGiven = true
            case "--repeat", "-r":
                let text = try value(argument)
                guard let n = Int(text), n >= 1, n <= 1000 else {
                    throw BenchOptionsError("--repeat needs a number from 1 to 1000, not \(text)")
                }
                self.repeats = n
            case "--json": self.jsonPath = try value(argument)
            case "--svg-dir": self.svgDirectory = try value(argument)
            case "--markdown": self.markdownPath = try value(argument)
            case "--no-reference", "--no-baseline": self.references = false
            case "--help", "-h": self.help = true
            case "--list": self.list = true
            default:
                if argument.hasPrefix("--") {
                    // A suite option: keep it with its value (if the next word is not an option).
                    self.suiteArguments.append(argument)
                    if index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") {
                        index += 1
                        self.suiteArguments.append(arguments[index])
                    }
                } else if index == 0, !suitesGiven, Self.allSuites.contains(argument) || argument == "all" {
                    self.suites = try Self.suiteList(argument)
                    suitesGiven = true
                } else {
                    self.files.append(argument)
                }
            }
            index += 1
        }
    }

    /// Parses `a,b,c` or `all` into known suite names in run order, without duplicates.
    public static func suiteList(_ text: String) throws(BenchOptionsError) -> [String] {
        var wanted = Set<String>()
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            if name == "all" {
                wanted.formUnion(allSuites)
            } else if allSuites.contains(name) {
                wanted.insert(name)
            } else {
                throw BenchOptionsError("unknown suite \(name) (suites: \(allSuites.joined(separator: ", ")), all)")
            }
        }
        guard !wanted.isEmpty else { throw BenchOptionsError("--suite needs at least one suite name") }
        return allSuites.filter(wanted.contains)
    }

    /// The value of a suite option such as `--log`, if given.
    public func suiteValue(_ flag: String) -> String? {
        guard let i = self.suiteArguments.firstIndex(of: flag), i + 1 < self.suiteArguments.count else { return nil }
        return self.suiteArguments[i + 1]
    }

    /// The integer value of a suite option, or `fallback`.
    public func suiteInt(_ flag: String, _ fallback: Int) -> Int {
        self.suiteValue(flag).flatMap { Int($0) } ?? fallback
    }
}

/// A bad `tandem-bench` command line.
public struct BenchOptionsError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
