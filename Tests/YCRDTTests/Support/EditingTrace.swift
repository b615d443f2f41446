import Foundation
import YCRDT

extension EditingTrace {
    /// Loads a gzipped trace from the shared traces folder.
    static func load(_ name: String) throws -> EditingTrace {
        let data = try SharedFixtures.gunzip("traces/\(name)")
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let end = root["endContent"] as? String, let txns = root["txns"] as? [[String: Any]]
        else { throw CocoaError(.fileReadCorruptFile) }
        var parsed: [Txn] = []
        parsed.reserveCapacity(txns.count)
        for (i, txn) in txns.enumerated() {
            let patches = (txn["patches"] as? [[Any]] ?? []).map { p in
                Patch(
                    position: (p.first as? NSNumber)?.intValue ?? 0,
                    deleteCount: (p.count > 1 ? p[1] as? NSNumber : nil)?.intValue ?? 0,
                    insert: p.count > 2 ? (p[2] as? String ?? "") : "")
            }
            let parents = (txn["parents"] as? [NSNumber])?.map(\.intValue) ?? (i == 0 ? [] : [i - 1])
            parsed.append(Txn(parents: parents, agent: (txn["agent"] as? NSNumber)?.intValue ?? 0, patches: patches))
        }
        return EditingTrace(endContent: end, txns: parsed, concurrent: (root["kind"] as? String) == "concurrent")
    }
}
