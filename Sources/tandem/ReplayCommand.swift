import Foundation
import Glibc
import Tandem
import YCRDT

/// `tandem replay INPUT... [--format text|json|html|markdown|prosemirror] [--root NAME] [--until N]
/// [--state-out FILE] [--v2] [--stats] [--version V]`: applies every update of the inputs, in order, to an empty document,
/// headlessly, and prints the chosen root (or, with `--stats`, a summary of the document).
///
/// Inputs (see ``ReplayInput``): `.ylog` files (varUint length + update), JSON (base64 strings or int arrays, as
/// `tandem update` reads), one raw update, and the server's own files: a document folder
/// `<data>/documents/<id>/` (its `state.bin`, then its `wal.ylog`), or a data directory with `--document ID`.
/// `--version V` reads version `V` of a document folder's history instead (Docs/history.md). `--v2` reads the
/// updates as v2. Bad input exits with status 1 naming the update's index and byte offset.
enum ReplayCommand {
    struct Options {
        var paths: [String] = []
        var document: String?
        var version: String?
        var stats = false
        var format = "text"
        var root: String?
        var until: Int?
        var stateOut: String?
        var updateFormat: UpdateFormat = .v1
    }

    static let usage = """
        usage: tandem replay INPUT... [--format text|json|html|markdown|prosemirror] [--root NAME] [--until N]
                                      [--state-out FILE] [--v2] [--stats] [--document ID] [--version V]
          INPUT: a .ylog file, a JSON array (base64 strings or int arrays), a raw update, a document folder
                 <data>/documents/<id>/ (state.bin then wal.ylog), or a data directory with --document ID
          --version V print version V of the document's history (<folder>/history/v-V.bin) instead
          --until N   apply only the first N updates
          --stats     print updates, clients, structs, bytes and the deleted ratio instead of the content
        """

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }

    /// A command line that does not parse: the message and the usage on stderr, exit status 2.
    static func usageError(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("tandem replay: " + message + "\n\n" + usage + "\n").utf8))
        exit(2)
    }

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { usageError("missing value for \(arguments[i - 1])") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--format": options.format = value()
            case "--root": options.root = value()
            case "--until":
                guard let n = Int(value()), n >= 0 else { usageError("--until needs a non-negative number") }
                options.until = n
            case "--state-out": options.stateOut = value()
            case "--v2": options.updateFormat = .v2
            case "--stats": options.stats = true
            case "--document": options.document = value()
            case "--version": options.version = value()
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                if arguments[i].hasPrefix("-") { usageError("unknown option \(arguments[i])") }
                options.paths.append(arguments[i])
            }
            i += 1
        }
        guard !options.paths.isEmpty else { usageError("missing INPUT") }
        guard ["text", "json", "html", "markdown", "prosemirror"].contains(options.format) else {
            usageError("unknown format \(options.format)")
        }
        return options
    }

    static func run(_ arguments: [String]) {
        let options = parse(arguments)
        let all: [UpdateInput]
        do {
            all = try ReplayInput.read(options.paths, document: options.document, version: options.version)
        } catch {
            fail("\(error)")
        }
        let count = min(all.count, options.until ?? all.count)
        var doc = Document(clientID: 0)
        let start = DispatchTime.now().uptimeNanoseconds
        var progress = ProgressBar(total: count, start: start)
        var inputBytes = 0
        for index in 0..<count {
            let record = all[index]
            inputBytes += record.bytes.count
            do {
                doc.apply(try Update(bytes: record.bytes, format: options.updateFormat))
            } catch {
                let at = record.fileOffset.map { "file bytes \($0)..<\($0 + record.bytes.count)), file byte \($0 + error.offset)" }
                    ?? "byte \(error.offset) of the decoded update)"
                fail("\(record.label): update \(index) (\(at): update \(error)")
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
        let summary = ReplaySummary(updates: count, inputBytes: inputBytes, milliseconds: elapsed, stats: doc.stats)
        if options.stats && options.format != "json" {
            print(summary.text)
        } else {
            print(render(&doc, options: options, updates: count, milliseconds: elapsed,
                         stats: options.stats ? summary : nil))
        }
    }

    static func render(_ doc: inout Document, options: Options, updates: Int, milliseconds: Double,
                       stats: ReplaySummary? = nil) -> String {
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
            if let stats { entries.append(("stats", stats.json)) }
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
