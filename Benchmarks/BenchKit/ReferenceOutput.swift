import Foundation

/// What a reference script (`pycrdt_reference.py`, `yjs_reference.mjs`) printed: one JSON object
/// `{"<versionKey>": version, "results": {name: number}}`, read into the reference's name and its numbers.
public struct ReferenceOutput: Equatable, Sendable {
    /// The reference's name with its version (`pycrdt 0.14.13`, `Yjs 13.6.31`).
    public var name: String
    /// Milliseconds or bytes by operation name (`apply`, `merge_1000`, `B1.1`, …); non-numeric values are dropped.
    public var results: [String: Double]

    public init(name: String, results: [String: Double]) {
        self.name = name
        self.results = results
    }

    /// Why a reference's output could not be used.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Parses a script's stdout; `label` prefixes the version found under `versionKey` (`?` if absent).
    public static func parse(_ data: Data, label: String, versionKey: String) throws -> ReferenceOutput {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ParseError(description: "\(label) printed no JSON object")
        }
        guard let raw = object["results"] as? [String: Any] else {
            throw ParseError(description: "\(label) printed no results")
        }
        var results: [String: Double] = [:]
        for (key, value) in raw {
            if let number = value as? NSNumber {
                results[key] = number.doubleValue
            }
        }
        return ReferenceOutput(name: "\(label) \(object[versionKey] as? String ?? "?")", results: results)
    }
}

/// Where the optional Yjs reference comes from: `TANDEM_YJS` (a Yjs checkout with `src/index.js`, see
/// Benchmarks/yjs_setup.sh) and node (`TANDEM_NODE`, else `node` on `PATH`). A missing piece is a note, not a failure.
public enum YjsReferenceSetup: Equatable, Sendable {
    /// Both found: run `node yjs_reference.mjs` with `TANDEM_YJS=checkout`.
    case ready(node: String, checkout: String)
    /// Not available; the note says what to set.
    case missing(String)

    /// The note printed when `TANDEM_YJS` is not set.
    public static let unsetNote = "Yjs reference: set TANDEM_YJS=<Yjs checkout> (Docs/benchmarks.md)"

    /// Resolves the setup from `environment`; `isFile` tells whether a path exists (injected for tests).
    public static func resolve(environment: [String: String], isFile: (String) -> Bool) -> YjsReferenceSetup {
        guard let checkout = environment["TANDEM_YJS"], !checkout.isEmpty else { return .missing(unsetNote) }
        guard isFile(checkout + "/src/index.js"), isFile(checkout + "/package.json") else {
            return .missing("Yjs reference skipped: TANDEM_YJS=\(checkout) has no src/index.js (Docs/benchmarks.md)")
        }
        if let node = environment["TANDEM_NODE"], !node.isEmpty {
            return isFile(node) ? .ready(node: node, checkout: checkout)
                : .missing("Yjs reference skipped: TANDEM_NODE=\(node) does not exist")
        }
        let path = (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/node" }
        guard let node = path.first(where: isFile) else {
            return .missing("Yjs reference skipped: no node on PATH (set TANDEM_NODE)")
        }
        return .ready(node: node, checkout: checkout)
    }
}
