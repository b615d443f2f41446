import Testing
@testable import Tandem

/// Regression of a fuzzing finding (issue 19, `Tests/Fuzz/run wal`): resynchronising after damage checksummed every
/// `D5 7A` candidate up to its claimed length, O(n²) on a payload made of candidates pointing far ahead.
@Suite("WAL resync stays linear")
struct WALResyncTests {
    /// A damaged first record, then a payload of `D5 7A <length>` candidates that each claim most of the file.
    static func adversarial(size: Int) -> [UInt8] {
        var bytes = WALFormat.header + [0xD5, 0x7A, 0x05, 1, 2, 3, 4, 5, 0, 0, 0, 0]  // bad checksum
        let length = WriteAheadLog.lengthPrefix(size - 16)
        while bytes.count < size { bytes += [0xD5, 0x7A] + length }
        return bytes
    }

    @Test("Checksum work during resync is bounded by the budget and the rest is set aside")
    func bounded() {
        let bytes = Self.adversarial(size: 1 << 20)
        let parsed = WALFormat.parse(bytes)
        #expect(parsed.records.isEmpty)
        #expect(parsed.setAsideBytes == bytes.count - WALFormat.header.count)
        let budget = WALFormat.resyncBudgetFactor * bytes.count + WALFormat.resyncBudgetMinimum
        #expect(parsed.resyncBytesChecked <= budget + bytes.count)
    }

    @Test("Ordinary damage still resynchronises on the next intact record")
    func resumes() {
        let records: [[UInt8]] = [[1, 2, 3], [0xD5, 0x7A, 9, 9], Array(repeating: 7, count: 300)]
        var bytes = WALFormat.encode(records)
        bytes[WALFormat.header.count + 5] ^= 0xFF  // damage the first record's payload
        let parsed = WALFormat.parse(bytes)
        #expect(parsed.records == Array(records.dropFirst()))
        #expect(parsed.setAsideBytes == WALFormat.record(records[0]).count)
        #expect(parsed.resyncBytesChecked > 0)
    }
}
