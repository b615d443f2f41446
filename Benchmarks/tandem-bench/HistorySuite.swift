import BenchKit
import Foundation
import Tandem
import YCRDT

/// `tandem-bench history`: the cost of issue 17's history operations on the automerge-paper document
/// (Docs/history.md): a snapshot (state vector, encode, store the version file and index), the diff of two versions
/// (decode both, split into blocks, align), and a restore (the smallest forward update back to an older version).
///
/// The older version is the state after the first half of the update log, the newer one the whole log.
enum HistorySuite: BenchSuite {
    static let name = "history"
    static let title = "History: snapshot, diff of two versions, restore on automerge-paper"

    static func run(_ context: BenchContext) async throws -> SuiteReport {
        var report = SuiteReport(suite: name, title: title)
        let runs = max(context.repeats, 3)
        let updates = try YLog.records(Array(try Data(contentsOf: URL(fileURLWithPath: context.logPath)))).map { Array($0) }
        context.step(name, "apply \(updates.count) updates")
        var older = Document(clientID: 1)
        for update in updates.prefix(updates.count / 2) { try older.applyUpdate(update) }
        var newer = older
        for update in updates.dropFirst(updates.count / 2) { try newer.applyUpdate(update) }
        let olderState = older.encodeStateAsUpdate()
        let group = "automerge-paper.ylog (\(updates.count) updates)"

        context.step(name, "snapshot")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-history-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try HistoryStore(folder: folder)
        let (snapshotMs, version) = try BenchMeasure.best(runs) { () throws -> DocumentVersion in
            let state = newer.encodeStateAsUpdate()
            let preview = String(newer.string(newer.text("text")).prefix(200))
            return try store.add(
                state: state, kind: .named, name: "bench", author: "bench", createdAt: 0, preview: preview,
                stateVector: newer.encodeStateVector())
        }
        let newerState = try store.state(of: version.id, limit: 64 << 20) ?? []

        context.step(name, "diff")
        let (diffMs, diff) = try BenchMeasure.best(runs) { () throws -> BlockDiff in
            var a = Document(clientID: 2)
            try a.applyUpdate(olderState)
            var b = Document(clientID: 3)
            try b.applyUpdate(newerState)
            return BlockDiff.compare(DocumentsAPI.blocks(a, "prosemirror"), DocumentsAPI.blocks(b, "prosemirror"))
        }

        context.step(name, "restore")
        let (restoreMs, forward) = BenchMeasure.best(runs) { () -> [UInt8] in
            var live = newer
            return live.update(toMatch: older)
        }
        var peer = newer
        let (applyMs, _) = try BenchMeasure.best(1) { try peer.applyUpdate(forward) }
        let restored = peer.string(peer.text("text")) == older.string(older.text("text"))
        if !restored { report.error = "restore: the text after the forward update differs from the older version" }

        report.rows += [
            BenchRow(group: group, name: "snapshot (encode + store a version)", value: snapshotMs, unit: "ms",
                     note: "\(newerState.count) B"),
            BenchRow(group: group, name: "diff of two versions (half log → whole log)", value: diffMs, unit: "ms",
                     note: "\(diff.added.count) added, \(diff.removed.count) removed, \(diff.changed.count) changed"),
            BenchRow(group: group, name: "restore: compute the forward update", value: restoreMs, unit: "ms",
                     note: "\(forward.count) B"),
            BenchRow(group: group, name: "restore: apply the forward update at a peer", value: applyMs, unit: "ms",
                     note: restored ? "text = older version ✓" : "MISMATCH"),
        ]
        report.notes.append("older version: the first \(updates.count / 2) updates; newer: all \(updates.count).")
        return report
    }
}
