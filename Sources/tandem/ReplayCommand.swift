import Foundation
import Glibc
import YCRDT

/// `tandem replay LOG [--format text|json|html|markdown|prosemirror] [--root NAME] [--until N] [--state-out FILE]
/// [--v2]`: applies every update of a log to an empty document, headlessly, and prints the chosen root.
///
/// Input: a `.ylog` file (varUint length + update, as the fixtures, `tandem update` and the server's `wal.ylog`
/// use), one raw update (`state.bin`), or a server document folder (its `state.bin`, then its `wal.ylog`).
/// `--v2` reads the updates as v2. Bad input exits with status 1 naming the update's index and byte offset.
enum ReplayCommand {
    struct Options {
        var path = ""
        var format = "text"
        var root: String?
        var until: Int?
        var stateOut: String?
        var updateFormat: UpdateFormat = .v1
    }

    static let usage = """
        usage: tandem replay LOG [--format text|json|html|markdown|prosemirror] [--root NAME] [--until N]
                                 [--state-out FILE] [--v2]
        """

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { fail("missing value for \(arguments[i - 1])\n\(usage)") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--format": options.format = value()
            case "--root": options.root = value()
            case "--until":
                guard let n = Int(value()), n >= 0 else { fail("--until needs a non-negative number") }
                options.until = n
            case "--state-out": options.stateOut = value()
            case "--v2": options.updateFormat = .v2
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                if arguments[i].hasPrefix("-") || !options.path.isEmpty { fail("unexpected argument \(arguments[i])\n\(usage)") }
                options.path = arguments[i]
            }
            i += 1
        }
        guard !options.path.isEmpty else { fail(usage) }
        guard ["text", "json", "html", "markdown", "prosemirror"].contains(options.format) else {
            fail("unknown format \(options.format)\n\(usage)")
        }
        return options
    }

    /// The records of a log file: `.ylog` records when the whole file parses as such, else the file as one update.
    static func records(_ bytes: [UInt8], path: String) -> [ArraySlice<UInt8>] {
        if path.hasSuffix(".ylog") {
            var reader = ByteReader(bytes)
            var records: [ArraySlice<UInt8>] = []
            while !reader.isAtEnd {
                let start = reader.offset
                do {
                    records.append(try reader.readVarBytes())
                } catch {
                    fail("\(path): update \(records.count) (starting at file byte \(start)): \(error)")
                }
            }
            return records
        }
        if let records = try? YLog.records(bytes), records.count > 1 { return records }
        return [bytes[...]]
    }

    static func run(_ arguments: [String]) {
        let options = parse(arguments)
        var isDirectory: ObjCBool = false
        var all: [ArraySlice<UInt8>] = []
        if FileManager.default.fileExists(atPath: options.path, isDirectory: &isDirectory), isDirectory.boolValue {
            // A server document folder: state.bin, then the updates of wal.ylog.
            let state = options.path + "/state.bin"
            let wal = options.path + "/wal.ylog"
            if let data = FileManager.default.contents(atPath: state) { all.append(Array(data)[...]) }
            if let data = FileManager.default.contents(atPath: wal) { all += records(Array(data), path: wal) }
            guard !all.isEmpty else { fail("\(options.path): no state.bin or wal.ylog") }
        } else {
            guard let data = FileManager.default.contents(atPath: options.path) else { fail("cannot read \(options.path)") }
            all = records(Array(data), path: options.path)
        }
        let count = min(all.count, options.until ?? all.count)
        var doc = Document(clientID: 0)
        let start = DispatchTime.now().uptimeNanoseconds
        var progress = ProgressBar(total: count, start: start)
        for index in 0..<count {
            let record = all[index]
            do {
                doc.apply(try Update(bytes: record, format: options.updateFormat))
            } catch {
                fail(
                    "\(options.path): update \(index) (file bytes \(record.startIndex)..<\(record.endIndex)), "
                        + "file byte \(record.startIndex + error.offset): update \(error)")
            }
            progress.tick(index + 1)
        }
        progress.finish()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        if let out = options.stateOut {
            guard FileManager.default.createFile(atPath: out, contents: Data(doc.encodeStateAsUpdate())) else {
                fail("cannot write \(out)")
            }
        }
        print(render(&doc, options: options, updates: count, milliseconds: elapsed))
    }

    static func render(_ doc: inout Document, options: Options, updates: Int, milliseconds: Double) -> String {
        if options.format == "json" {
            var entries: [(key: String, value: YAny)] = []
            var roots: [(key: String, value: YAny)] = []
            for name in doc.rootNames where options.root == nil || options.root == name {
                if let (ref, _) = doc.root(named: name) { roots.append((name, doc.toJSON(ref))) }
            }
            entries.append(("roots", .object(roots)))
            var deltas: [(key: String, value: YAny)] = []
            for name in doc.rootNames where options.root == nil || options.root == name {
                guard let (ref, _) = doc.root(named: name), doc.kind(of: ref) == .text else { continue }
                let ops = doc.delta(TextRef(typeIndex: ref.typeIndex)).map { op -> YAny in
                    var entry: [(key: String, value: YAny)] = []
                    switch op.insert {
                    case .string(let s): entry.append(("insert", .string(s)))
                    case .embed(let v): entry.append(("insert", v))
                    case .type(let t, _): entry.append(("insert", doc.toJSON(t)))
                    }
                    if !op.attributes.isEmpty { entry.append(("attributes", .object(op.attributes))) }
                    return .object(entry)
                }
                deltas.append((name, .array(ops)))
            }
            entries.append(("deltas", .object(deltas)))
            entries.append(
                ("stateVector",
                 .object(doc.stateVector.sorted { $0.key > $1.key }.map { (String($0.key), .integer(Int64($0.value))) })))
            entries.append(("updates", .integer(Int64(updates))))
            let pending = doc.pending
            entries.append(
                ("pending",
                 .object([
                    ("structs", .integer(Int64(pending.structCount))),
                    ("deleteRanges", .integer(Int64(pending.deleteRanges))),
                    ("missing", .object(pending.missing.sorted { $0.key > $1.key }.map { (String($0.key), .integer(Int64($0.value))) })),
                 ])))
            entries.append(("milliseconds", .float64((milliseconds * 1000).rounded() / 1000)))
            return JavaScriptJSON.stringify(.object(entries))
        }
        guard let name = options.root ?? doc.rootNames.first else { return "" }
        guard let (ref, kind) = doc.root(named: name) else { fail("no root named \(name)") }
        switch options.format {
        case "prosemirror", "html", "markdown":
            let fragment = XmlFragmentRef(typeIndex: ref.typeIndex)
            switch options.format {
            case "prosemirror": return JavaScriptJSON.stringify(doc.prosemirrorJSON(fragment))
            case "html": return doc.html(fragment)
            default: return doc.markdown(fragment)
            }
        default:
            switch doc.kind(of: ref) {
            case .text: return doc.string(TextRef(typeIndex: ref.typeIndex))
            case .xmlFragment, .xmlElement, .xmlText: return doc.xmlString(ref)
            case .undetermined: return ""
            default:
                _ = kind
                return JavaScriptJSON.stringify(doc.toJSON(ref))
            }
        }
    }
}

/// A progress bar on stderr, shown only when stderr is a terminal and the replay has run for more than a second.
struct ProgressBar {
    let total: Int
    let start: UInt64
    var lastDraw: UInt64 = 0
    var shown = false
    let enabled = isatty(2) != 0

    init(total: Int, start: UInt64) {
        self.total = total
        self.start = start
    }

    mutating func tick(_ done: Int) {
        guard self.enabled, done & 1023 == 0 || done == self.total else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - self.start > 1_000_000_000, now - self.lastDraw > 100_000_000 else { return }
        self.lastDraw = now
        self.shown = true
        let width = 40
        let filled = self.total == 0 ? width : width * done / self.total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r[\(bar)] \(done)/\(self.total) updates"
        FileHandle.standardError.write(Data(line.utf8))
    }

    mutating func finish() {
        if self.shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
