/// A range of deleted clocks of one client.
struct DeleteRange: Sendable, Equatable {
    var clock: Int
    var length: Int
}

/// The bookkeeping of the open transaction (Yjs `Transaction`): the state before it, what it deleted, which
/// structs to try to merge at the end, and which types changed.
struct TransactionState: Sendable {
    /// Client slot → clock at the start of the transaction (slots created later read as 0).
    var beforeState: [Int]
    /// Client slot → deleted ranges, unsorted until cleanup.
    var deleteSet: [Int32: [DeleteRange]] = [:]
    /// Client slots of `deleteSet` in first-insertion order (JavaScript `Map` order, which Yjs iterates).
    var deleteOrder: [Int32] = []
    /// IDs (slot, clock) of structs created by splits, to merge again at cleanup (Yjs `_mergeStructs`).
    var mergeStructs: [(Int32, Int)] = []
    /// Types whose content changed (Yjs `transaction.changed`, without the keys).
    var changed: Set<Int32> = []
    /// Whether this transaction was started by a local edit (Yjs `transaction.local`).
    var local: Bool

    func before(_ slot: Int32) -> Int {
        Int(slot) < self.beforeState.count ? self.beforeState[Int(slot)] : 0
    }

    mutating func addDelete(slot: Int32, clock: Int, length: Int) {
        if self.deleteSet[slot] == nil { self.deleteOrder.append(slot) }
        self.deleteSet[slot, default: []].append(DeleteRange(clock: clock, length: length))
    }
}

/// Sorts and merges ranges in place: overlapping or adjacent ranges are joined (Yjs `sortAndMergeDeleteSet`).
func sortAndMerge(_ ranges: inout [DeleteRange]) {
    guard ranges.count > 1 else { return }
    ranges.sort { $0.clock < $1.clock }
    var j = 1
    for i in 1..<ranges.count {
        let left = ranges[j - 1]
        let right = ranges[i]
        if left.clock + left.length >= right.clock {
            ranges[j - 1] = DeleteRange(
                clock: left.clock, length: max(left.length, right.clock + right.length - left.clock))
        } else {
            ranges[j] = right
            j += 1
        }
    }
    ranges.removeSubrange(j...)
}
