import Foundation
import Wire
import YCRDT

/// One update read from an input file, with where it came from (for error messages).
///
/// The label is built only when printed: a `.ylog` of 259,778 records used to build as many `file#index` strings
/// before the first update was applied (issue 16: the tools within 1.3× of the library).
struct UpdateInput {
    /// Where a record sits in a file of several updates.
    enum Place {
        /// The record's index in a `.ylog` or `wal.ylog` (`file#index`).
        case record(Int)
        /// The element's index in a JSON array (`file[index]`).
        case element(Int)
    }

    /// The update bytes (a slice of the file for raw and `.ylog` inputs).
    var bytes: ArraySlice<UInt8>
    /// The file it came from.
    var path: String
    /// Its place in a multi-update file; nil for a file holding one update.
    var place: Place?
    /// Added to decoder offsets to give offsets in the file (nil for JSON inputs, whose bytes are decoded).
    var fileOffset: Int?

    /// `file`, `file#index` or `file[index]`.
    var label: String {
        switch self.place {
        case nil: return self.path
        case .record(let index): return "\(self.path)#\(index)"
        case .element(let index): return "\(self.path)[\(index)]"
        }
    }
}

/// A command-line failure: the message is printed and the process exits with status 1.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A command line that does not parse (unknown option or subcommand, missing argument): exit status 2, usage on
/// stderr.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `--help` or `-h`: print the usage on stdout, exit 0.
struct HelpRequested: Error {}

/// Reads update files in the three accepted forms: raw update bytes, `.ylog` (varUint length-prefixed records) and
/// JSON (an array of base64 strings, an array of int arrays, or one int array).
enum UpdateInputReader {
    static func read(_ path: String) throws -> [UpdateInput] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("\(path): cannot read file") }
        let bytes = [UInt8](data)
        if path.hasSuffix(".ylog") {
            do {
                let records = try YLog.records(bytes)
                return records.enumerated().map { UpdateInput(bytes: $1, path: path, place: .record($0), fileOffset: $1.startIndex) }
            } catch {
                throw CommandError("\(path): \(error) (expected .ylog records: varUint length, then that many bytes)")
            }
        }
        if let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }), first == UInt8(ascii: "["),
            let json = try? JSONValue(parsing: bytes)
        {
            return try self.fromJSON(json, path: path)
        }
        return [UpdateInput(bytes: bytes[...], path: path, fileOffset: 0)]
    }

    static func fromJSON(_ json: JSONValue, path: String) throws -> [UpdateInput] {
        guard let elements = json.arrayValue else { throw CommandError("\(path): expected a JSON array") }
        if let single = json.byteArrayValue, !elements.isEmpty, elements.allSatisfy({ $0.intValue != nil }) {
            return [UpdateInput(bytes: single[...], path: path, fileOffset: nil)]
        }
        var out: [UpdateInput] = []
        for (i, element) in elements.enumerated() {
            if let text = element.stringValue {
                guard let decoded = Base64.decode(text) else {
                    throw CommandError("\(path): element \(i): expected a base64 string")
                }
                out.append(UpdateInput(bytes: decoded[...], path: path, place: .element(i), fileOffset: nil))
            } else if let b = element.byteArrayValue {
                out.append(UpdateInput(bytes: b[...], path: path, place: .element(i), fileOffset: nil))
            } else {
                throw CommandError("\(path): element \(i): expected a base64 string or an array of integers 0-255")
            }
        }
        return out
    }

    /// Reads a state vector file (raw bytes, or JSON int array / base64 string).
    static func readStateVector(_ path: String) throws -> StateVector {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("\(path): cannot read file") }
        var bytes = [UInt8](data)
        if let json = try? JSONValue(parsing: bytes) {
            if let b = json.byteArrayValue {
                bytes = b
            } else if let s = json.stringValue, let b = Base64.decode(s) {
                bytes = b
            }
        }
        do {
            return try StateVector(bytes: bytes)
        } catch {
            throw CommandError("\(path): state vector: \(error)")
        }
    }

    /// Decodes an input in `format`, or in auto mode tries v1 then v2. Returns the format that worked.
    static func decode(_ input: UpdateInput, format: UpdateFormat?) throws -> (Update, UpdateFormat) {
        let formats: [UpdateFormat] = format.map { [$0] } ?? [.v1, .v2]
        var firstError: DecodingError? = nil
        for f in formats {
            do {
                return (try Update(bytes: input.bytes, format: f), f)
            } catch {
                if firstError == nil || error.offset > (firstError?.offset ?? 0) { firstError = error }
            }
        }
        throw self.describe(firstError, input: input, tried: formats)
    }

    /// The error message for a decoding failure, with the offset in the file when known.
    static func describe(_ error: DecodingError?, input: UpdateInput, tried: [UpdateFormat]) -> CommandError {
        guard var e = error else { return CommandError("\(input.label): cannot decode") }
        let names = tried.map(\.rawValue).joined(separator: "/")
        var place = input.label
        if let base = input.fileOffset {
            e.offset += base
            place = input.path
            if case .record(let index)? = input.place { place += " (record \(index))" }
        } else if case .element? = input.place {
            place += " (offset within that update)"
        }
        return CommandError("\(place): not a valid \(names) update: \(e)")
    }
}
