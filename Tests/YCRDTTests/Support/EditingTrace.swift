import Foundation

/// A josephg/editing-traces file: sequential (`txns` of patches) or concurrent (with `parents` and `agent`).
struct EditingTrace {
    struct Txn {
        var parents: [Int]
        var agent: Int
        var patches: [(position: Int, deleteCount: Int, insert: String)]
    }

    var endContent: String
    var txns: [Txn]
    var concurrent: Bool

    /// Loads a gzipped trace from the shared traces folder.
    static func load(_ name: String) throws -> EditingTrace {
        let data = try SharedFixtures.gunzip("traces/\(name)")
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let end = root["endContent"] as? String, let txns = root["txns"] as? [[String: Any]]
        else { throw CocoaError(.fileReadCorruptFile) }
        var parsed: [Txn] = []
        parsed.reserveCapacity(txns.count)
        for (i, txn) in txns.enumerated() {
            let patches = (txn["patches"] as? [[Any]] ?? []).map { p -> (Int, Int, String) in
                ((p[0] as? NSNumber)?.intValue ?? 0, (p[1] as? NSNumber)?.intValue ?? 0, p.count > 2 ? (p[2] as? String ?? "") : "")
            }
            let parents = (txn["parents"] as? [NSNumber])?.map(\.intValue) ?? (i == 0 ? [] : [i - 1])
            parsed.append(Txn(parents: parents, agent: (txn["agent"] as? NSNumber)?.intValue ?? 0, patches: patches))
        }
        return EditingTrace(endContent: end, txns: parsed, concurrent: (root["kind"] as? String) == "concurrent")
    }
}
