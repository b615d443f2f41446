/// Aligns two sequences of keys and reports the regions that differ: the common prefix and suffix are trimmed, then
/// a longest common subsequence (dynamic programming) matches equal keys in between.
///
/// The server's smallest-change writes and version diffs use it on the blocks of a document (Docs/history.md): a
/// block that is equal on both sides is matched and left untouched, so concurrent edits in it survive.
public enum SequenceAlignment {
    /// One region where the sequences differ: `old` elements are replaced by `new` ones (either may be empty).
    public struct Gap: Sendable, Equatable {
        public var old: Range<Int>
        public var new: Range<Int>

        public init(old: Range<Int>, new: Range<Int>) {
            self.old = old
            self.new = new
        }
    }

    /// Largest LCS table (old × new elements between the common prefix and suffix) computed; beyond it the middle
    /// is one gap. Default 4,194,304 cells (16 MiB of table), far beyond real notes (2,000 × 2,000 blocks).
    public static let defaultMaxCells = 1 << 22

    /// The gaps that turn `old` into `new`, in order.
    public static func gaps<Key: Hashable>(_ old: [Key], _ new: [Key], maxCells: Int = defaultMaxCells) -> [Gap] {
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        let oldEnd = old.count - suffix
        let newEnd = new.count - suffix
        let n = oldEnd - prefix
        let m = newEnd - prefix
        if n == 0 && m == 0 { return [] }
        if n == 0 || m == 0 || n.multipliedReportingOverflow(by: m).partialValue > maxCells
            || n.multipliedReportingOverflow(by: m).overflow
        {
            return [Gap(old: prefix..<oldEnd, new: prefix..<newEnd)]
        }
        // Intern keys so the table compares integers.
        var ids: [Key: Int32] = [:]
        let a = old[prefix..<oldEnd].map { key in ids[key] ?? { ids[key] = Int32(ids.count); return Int32(ids.count - 1) }() }
        let b = new[prefix..<newEnd].map { key in ids[key] ?? -1 }
        // table[i][j] = LCS length of a[i...] and b[j...].
        let width = m + 1
        var table = [Int32](repeating: 0, count: (n + 1) * width)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i * width + j] =
                    a[i] == b[j] ? table[(i + 1) * width + j + 1] + 1 : max(table[(i + 1) * width + j], table[i * width + j + 1])
            }
        }
        var gaps: [Gap] = []
        var i = 0
        var j = 0
        var gapStart: (Int, Int)?
        func close() {
            if let (si, sj) = gapStart { gaps.append(Gap(old: (prefix + si)..<(prefix + i), new: (prefix + sj)..<(prefix + j))) }
            gapStart = nil
        }
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                close()
                i += 1
                j += 1
                continue
            }
            if gapStart == nil { gapStart = (i, j) }
            if j >= m || (i < n && table[(i + 1) * width + j] >= table[i * width + j + 1]) {
                i += 1
            } else {
                j += 1
            }
        }
        close()
        return gaps
    }
}
