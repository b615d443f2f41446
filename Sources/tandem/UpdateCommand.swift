import Foundation
import Wire
import YCRDT

/// `tandem update …`: inspect, merge, diff, state-vector and convert Yjs updates without a document.
enum UpdateCommand {
    static let usage = """
    usage: tandem update <subcommand> [options]

      inspect FILE...                          print clients, structs, origins, parents, content and delete set
      merge FILE... -o OUT                     merge every update (Yjs mergeUpdates; linear-time algorithm)
      diff FILE --state-vector SV -o OUT       what a peer at state vector SV is missing (Yjs diffUpdate)
      state-vector FILE -o OUT                 the state vector of an update (Yjs encodeStateVectorFromUpdate)
      convert --to v1|v2 FILE -o OUT           convert between update formats (same format: identical bytes)

    FILE: raw update bytes, a .ylog (varUint length-prefixed updates), or JSON (array of base64 strings or of int
    arrays). Several updates in the inputs of diff, state-vector or convert are merged first.
    --format v1|v2   input format (default: try v1, then v2); merge/diff write the input format.
    Without -o, the result is printed as base64.
    """

    /// Runs the subcommand; returns the exit status (0, 1 for bad input, 2 for a bad command line).
    static func run(_ args: [String]) -> Int32 {
        do {
            try self.dispatch(args)
            return 0
        } catch is HelpRequested {
            print(usage)
            return 0
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("tandem update: \(error)\n\n\(usage)\n".utf8))
            return 2
        } catch {
            FileHandle.standardError.write(Data("tandem update: \(error)\n".utf8))
            return 1
        }
    }

    struct Options {
        var files: [String] = []
        var output: String? = nil
        var format: UpdateFormat? = nil
        var to: UpdateFormat? = nil
        var stateVector: String? = nil
    }

    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < args.count else { throw UsageError("\(flag) needs a value") }
            return args[i]
        }
        func format(_ s: String) throws -> UpdateFormat {
            guard let f = UpdateFormat(rawValue: s) else { throw UsageError("unknown format '\(s)' (expected v1 or v2)") }
            return f
        }
        while i < args.count {
            switch args[i] {
            case "-o", "--output": o.output = try value(args[i])
            case "--format": o.format = try format(try value(args[i]))
            case "--to": o.to = try format(try value(args[i]))
            case "--state-vector", "--sv": o.stateVector = try value(args[i])
            case "-h", "--help": throw HelpRequested()
            case let a where a.hasPrefix("-") && a.count > 1: throw UsageError("unknown option \(a)")
            default: o.files.append(args[i])
            }
            i += 1
        }
        return o
    }

    static func dispatch(_ args: [String]) throws {
        guard let sub = args.first else { throw UsageError("missing subcommand") }
        if ["help", "-h", "--help"].contains(sub) { throw HelpRequested() }
        let o = try self.parse(Array(args.dropFirst()))
        switch sub {
        case "inspect":
            guard !o.files.isEmpty else { throw UsageError("inspect needs a FILE") }
            for file in o.files {
                for input in try UpdateInputReader.read(file) {
                    let (u, f) = try UpdateInputReader.decode(input, format: o.format)
                    print(UpdateDump.render(u, label: input.label, format: f, byteCount: input.bytes.count))
                }
            }
        case "merge":
            guard !o.files.isEmpty else { throw UsageError("merge needs at least one FILE") }
            let inputs = try o.files.flatMap { try UpdateInputReader.read($0) }
            let (bytes, _) = try self.mergeInputs(inputs, format: o.format)
            try self.emit(bytes, to: o.output)
        case "diff":
            guard o.files.count == 1, let svPath = o.stateVector else { throw UsageError("usage: tandem update diff FILE --state-vector SV -o OUT") }
            let sv = try UpdateInputReader.readStateVector(svPath)
            let (u, f) = try self.single(o.files[0], format: o.format)
            try self.emit(u.diff(against: sv).encoded(f), to: o.output)
        case "state-vector":
            guard o.files.count == 1 else { throw UsageError("usage: tandem update state-vector FILE -o OUT") }
            let (u, _) = try self.single(o.files[0], format: o.format)
            try self.emit(u.stateVector.encoded(), to: o.output)
        case "convert":
            guard o.files.count == 1, let to = o.to else { throw UsageError("usage: tandem update convert --to v1|v2 FILE -o OUT") }
            let inputs = try UpdateInputReader.read(o.files[0])
            if inputs.count == 1 {
                let (u, f) = try UpdateInputReader.decode(inputs[0], format: o.format)
                try self.emit(f == to ? u.encoded(to) : u.converted().encoded(to), to: o.output)
            } else {
                let (u, f) = try self.single(o.files[0], format: o.format)
                try self.emit(f == to ? u.encoded(to) : u.converted().encoded(to), to: o.output)
            }
        default:
            throw UsageError("unknown subcommand '\(sub)'")
        }
    }

    /// Merges inputs (all in one format: the given one, or the one the first input decodes as).
    static func mergeInputs(_ inputs: [UpdateInput], format: UpdateFormat?) throws -> ([UInt8], UpdateFormat) {
        guard let first = inputs.first else { return (Update.emptyV1, .v1) }
        let f: UpdateFormat
        if let format { f = format } else { f = try UpdateInputReader.decode(first, format: nil).1 }
        do {
            return (try Update.merge(inputs.map(\.bytes), format: f), f)
        } catch {
            // Find the offending input to name it.
            for input in inputs { _ = try UpdateInputReader.decode(input, format: f) }
            throw CommandError("merge failed: \(error)")
        }
    }

    /// The one update in a file (several are merged first).
    static func single(_ path: String, format: UpdateFormat?) throws -> (Update, UpdateFormat) {
        let inputs = try UpdateInputReader.read(path)
        if inputs.count == 1 { return try UpdateInputReader.decode(inputs[0], format: format) }
        let (bytes, f) = try self.mergeInputs(inputs, format: format)
        return (try Update(bytes: bytes[...], format: f), f)
    }

    static func emit(_ bytes: [UInt8], to path: String?) throws {
        guard let path else {
            print(Base64.encode(bytes))
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw CommandError("\(path): cannot write file")
        }
    }
}
