/// A josephg/editing-traces history (../shared/traces): transactions of text patches, sequential or concurrent.
///
/// Sequential traces apply every transaction in order to one text. Concurrent traces give each transaction an agent
/// and `parents`: it applies to the merge of its parents' states. ``replay(root:)`` does this through the local-edit
/// API, one document per agent, so the tests and `tandem-bench traces` run one and the same replay. Reading the
/// JSON is left to the caller (YCRDT imports nothing): positions and counts are the trace's code points, which equal
/// UTF-16 units in these traces (none leaves the BMP).
public struct EditingTrace: Sendable {
    /// One `[position, deleteCount, insertText]` patch.
    public struct Patch: Sendable {
        public var position: Int
        public var deleteCount: Int
        public var insert: String

        public init(position: Int, deleteCount: Int, insert: String) {
            self.position = position
            self.deleteCount = deleteCount
            self.insert = insert
        }
    }

    /// One transaction: its patches, its agent and the transactions it follows.
    public struct Txn: Sendable {
        public var parents: [Int]
        public var agent: Int
        public var patches: [Patch]

        public init(parents: [Int], agent: Int, patches: [Patch]) {
            self.parents = parents
            self.agent = agent
            self.patches = patches
        }
    }

    /// What replaying produced.
    public struct Replay {
        /// Each transaction's v1 update (nil for a transaction that changed nothing).
        public var updates: [[UInt8]?]
        /// The result: the only document of a sequential trace, or every update merged for a concurrent one.
        public var document: Document
        /// The replayed text.
        public var text: String
    }

    public var endContent: String
    public var txns: [Txn]
    public var concurrent: Bool

    public init(endContent: String, txns: [Txn], concurrent: Bool) {
        self.endContent = endContent
        self.txns = txns
        self.concurrent = concurrent
    }

    /// The number of agents (1 for a sequential trace).
    public var agentCount: Int { (txns.map(\.agent).max() ?? 0) + 1 }

    /// Replays every transaction into the text root `root`, one local transaction per trace transaction; for a
    /// concurrent trace each agent first applies the updates of every ancestor it has not seen, oldest first.
    /// - Throws: ``DecodingError`` if an update made here fails to apply elsewhere (a bug, not bad input).
    public func replay(root: String = "text") throws(DecodingError) -> Replay {
        var docs = (0..<agentCount).map { Document(clientID: UInt64($0) + 1) }
        var known = Array(repeating: Set<Int>(), count: concurrent ? agentCount : 0)
        var updates: [[UInt8]?] = Array(repeating: nil, count: txns.count)
        for (index, txn) in txns.enumerated() {
            let agent = txn.agent
            if concurrent {
                for ancestor in missingAncestors(of: txn, known: known[agent]) {
                    if let update = updates[ancestor] { try docs[agent].applyUpdate(update) }
                    known[agent].insert(ancestor)
                }
            }
            let text = docs[agent].text(root)
            updates[index] = docs[agent].transact { doc in
                for patch in txn.patches {
                    if patch.deleteCount > 0 { doc.delete(from: text, at: patch.position, length: patch.deleteCount) }
                    if !patch.insert.isEmpty { doc.insert(into: text, at: patch.position, patch.insert) }
                }
            }
            if concurrent { known[agent].insert(index) }
        }
        guard concurrent else {
            return Replay(updates: updates, document: docs[0], text: docs[0].string(docs[0].text(root)))
        }
        var merged = Document(clientID: UInt64(agentCount) + 1000)
        for update in updates.compactMap({ $0 }) { try merged.applyUpdate(update) }
        return Replay(updates: updates, document: merged, text: merged.string(merged.text(root)))
    }

    /// The ancestors of `txn` not in `known`, oldest first.
    private func missingAncestors(of txn: Txn, known: Set<Int>) -> [Int] {
        var missing: [Int] = []
        var stack = txn.parents.filter { !known.contains($0) }
        var seen = Set(stack)
        while let ancestor = stack.popLast() {
            missing.append(ancestor)
            for parent in txns[ancestor].parents where !known.contains(parent) && !seen.contains(parent) {
                seen.insert(parent)
                stack.append(parent)
            }
        }
        return missing.sorted()
    }
}
