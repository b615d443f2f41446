import Wire

/// Maps an arbitrary document or note id to a file name that is safe on every POSIX file system.
///
/// Ids come from clients (`note:3f2a…`, but any Unicode string is accepted), so they must never reach the file system
/// raw: `../x`, `a/b`, NUL and names that differ only by case on some systems are all hazards. Every UTF-8 byte
/// outside `[A-Za-z0-9_-]` is written `%XX` (upper-case hex), and every ASCII capital letter is written `^X` (escape
/// `^` is itself encoded as `%5E`) so that two ids differing only in case stay distinct on case-insensitive disks.
/// The mapping is injective: distinct ids give distinct names, and ``decode(_:)`` gives the id back. Names longer
/// than ``maxLength`` keep a readable prefix and end with `~` and the SHA-256 of the id, still distinct in practice.
public enum SafeFileName {
    /// The longest name produced, in bytes; ext4 allows 255, and we leave room for suffixes like `.tmp-<pid>`.
    public static let maxLength = 200

    /// The file name for `id`.
    public static func encode(_ id: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(id.utf8.count)
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                out.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                out.append(UInt8(ascii: "^"))
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0f))
            }
        }
        if out.isEmpty { return "%" }  // the empty id; "%" alone never comes out of a non-empty id
        guard out.count > maxLength else { return String(decoding: out, as: UTF8.self) }
        let digest = SHA256.hash(Array(id.utf8)).map { String(decoding: [hexDigit($0 >> 4), hexDigit($0 & 0x0f)], as: UTF8.self) }
        var prefix = Array(out.prefix(maxLength - 65))
        // Do not cut an escape in half.
        if let last = prefix.lastIndex(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "^") }),
            prefix.count - last < (prefix[last] == UInt8(ascii: "%") ? 3 : 2)
        {
            prefix.removeSubrange(last...)
        }
        return String(decoding: prefix, as: UTF8.self) + "~" + digest.joined()
    }

    /// The id a name was made from, or nil for a hashed (long) name or a name not made by ``encode(_:)``.
    public static func decode(_ name: String) -> String? {
        if name == "%" { return "" }
        let bytes = Array(name.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 3
            case UInt8(ascii: "^"):
                guard index + 1 < bytes.count, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[index + 1])
                else { return nil }
                out.append(bytes[index + 1])
                index += 2
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                out.append(byte)
                index += 1
            default:
                return nil
            }
        }
        var validator = out.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        decodeLoop: while true {
            switch decoder.decode(&validator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: break decodeLoop
            case .error: return nil
            }
        }
        return String(scalars)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
