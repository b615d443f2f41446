import Wire

/// The byte format of ``WriteAheadLog`` files: a header, then checksummed records that can be found again after
/// corruption.
///
/// ```
/// header  = 00 'T' 'L' 'O' 'G' 02 0D 0A                      (8 bytes; 00 never starts a plain .ylog record)
/// record  = D5 7A · varUint(length) · payload · CRC-32C(varUint(length) · payload) as 4 bytes little-endian
/// ```
/// The two-byte marker lets a reader skip a damaged record and resynchronise on the next one; the checksum rejects
/// both damaged records and marker bytes that happen to occur inside a payload. A file without the header is a log
/// of the earlier plain format (varUint length · payload), read for compatibility.
enum WALFormat {
    static let header: [UInt8] = [0x00, 0x54, 0x4C, 0x4F, 0x47, 0x02, 0x0D, 0x0A]
    static let marker: (UInt8, UInt8) = (0xD5, 0x7A)
    /// Bytes a record adds around its payload, besides the length prefix: marker and checksum.
    static let framing = 6

    /// What ``parse(_:)`` found.
    struct Parsed {
        var records: [[UInt8]] = []
        /// Bytes not belonging to an intact record (torn tail, corrupt regions).
        var setAsideBytes = 0
        /// Whether the file had no header (the earlier plain format).
        var isLegacy = false
        /// Payload bytes checksummed while looking for a record after damage (bounded, see ``resyncBudgetFactor``).
        var resyncBytesChecked = 0
    }

    /// Resynchronisation checksums at most this many times the file size (plus ``resyncBudgetMinimum``), so
    /// parsing stays linear.
    ///
    /// Payloads are client bytes: one can hold many `D5 7A` pairs whose lengths all point far ahead, and checking
    /// each would cost O(n²) — minutes for a damaged 10 MB log (found by `Tests/Fuzz/run wal`, issue 19). Past the
    /// budget the rest of the file is set aside (and kept in the `.corrupt` copy) instead.
    static let resyncBudgetFactor = 8
    /// Checksum bytes always allowed during resynchronisation, however small the file. 64 KiB.
    static let resyncBudgetMinimum = 64 << 10

    /// Whether a marker found after damage starts an intact record; the bytes its checksum covers are charged to
    /// `checked`.
    static func resyncCandidate(_ bytes: [UInt8], at offset: Int, checked: inout Int) -> Bool {
        guard let (length, start) = readLength(bytes, at: offset + 2), length <= bytes.count - start - 4 else {
            return false
        }
        checked += length
        return readRecord(bytes, at: offset) != nil
    }

    /// One framed record.
    static func record(_ payload: [UInt8]) -> [UInt8] {
        let prefix = WriteAheadLog.lengthPrefix(payload.count)
        var out: [UInt8] = [marker.0, marker.1]
        out.reserveCapacity(payload.count + prefix.count + framing)
        out += prefix
        out += payload
        let crc = CRC32C.checksum(payload, continuing: CRC32C.checksum(prefix))
        out += [UInt8(crc & 0xff), UInt8((crc >> 8) & 0xff), UInt8((crc >> 16) & 0xff), UInt8(crc >> 24)]
        return out
    }

    /// A whole log holding `records`, header included (empty for no records).
    static func encode(_ records: [[UInt8]]) -> [UInt8] {
        guard !records.isEmpty else { return [] }
        var out = header
        for record in records { out += self.record(record) }
        return out
    }

    /// Reads every intact record; never traps, whatever the bytes.
    static func parse(_ bytes: [UInt8]) -> Parsed {
        guard bytes.count >= header.count, bytes.starts(with: header) else {
            if bytes.first == 0 || (bytes.count < header.count && header.starts(with: bytes) && !bytes.isEmpty) {
                // A header torn by a crash before the first record: nothing to keep.
                return Parsed(records: [], setAsideBytes: bytes.count, isLegacy: false)
            }
            let (records, valid) = WriteAheadLog.parseRecords(bytes)
            return Parsed(records: records, setAsideBytes: bytes.count - valid, isLegacy: true)
        }
        var parsed = Parsed()
        let resyncBudget = resyncBudgetFactor * bytes.count + resyncBudgetMinimum
        var offset = header.count
        while offset < bytes.count {
            if let (payload, next) = readRecord(bytes, at: offset) {
                parsed.records.append(payload)
                offset = next
                continue
            }
            // Damaged here: skip to the next marker that starts an intact record.
            var scan = offset + 1
            var resumed = false
            while scan + 1 < bytes.count && parsed.resyncBytesChecked <= resyncBudget {
                if bytes[scan] == marker.0, bytes[scan + 1] == marker.1,
                    resyncCandidate(bytes, at: scan, checked: &parsed.resyncBytesChecked)
                {
                    resumed = true
                    break
                }
                scan += 1
            }
            let end = resumed ? scan : bytes.count
            parsed.setAsideBytes += end - offset
            offset = end
        }
        return parsed
    }

    /// The record at `offset` if it is intact: its payload and the offset after it.
    static func readRecord(_ bytes: [UInt8], at offset: Int) -> ([UInt8], Int)? {
        guard offset + 2 <= bytes.count, bytes[offset] == marker.0, bytes[offset + 1] == marker.1,
            let (length, start) = readLength(bytes, at: offset + 2),
            length <= bytes.count - start - 4
        else { return nil }
        let end = start + length
        let stored =
            UInt32(bytes[end]) | UInt32(bytes[end + 1]) << 8 | UInt32(bytes[end + 2]) << 16
            | UInt32(bytes[end + 3]) << 24
        let crc = CRC32C.checksum(bytes[start..<end], continuing: CRC32C.checksum(bytes[(offset + 2)..<start]))
        guard crc == stored else { return nil }
        return (Array(bytes[start..<end]), end + 4)
    }

    /// A varUint length at `offset` (at most 53 bits): the value and the offset after it; nil when truncated.
    static func readLength(_ bytes: [UInt8], at offset: Int) -> (Int, Int)? {
        var length = 0
        var shift = 0
        var cursor = offset
        while cursor < bytes.count && shift < 53 {
            let byte = bytes[cursor]
            length |= Int(byte & 0x7f) << shift
            cursor += 1
            shift += 7
            if byte & 0x80 == 0 { return (length, cursor) }
        }
        return nil
    }
}
