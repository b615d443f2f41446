/// Base64 encoding and strict decoding (RFC 4648 §4 standard and §5 URL-safe alphabets).
///
/// The WebSocket handshake needs it for `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 §4.2.2), and
/// Engine.IO long-polling carries binary packets as `b<base64>`. Decoding is strict: characters outside the alphabet,
/// bad padding and non-zero trailing bits are rejected, because peer input must never be guessed at.
public enum Base64 {
    /// Which RFC 4648 alphabet to use.
    public enum Alphabet: Sendable {
        /// `A–Z a–z 0–9 + /` (RFC 4648 §4).
        case standard
        /// `A–Z a–z 0–9 - _` (RFC 4648 §5, "base64url").
        case url

        fileprivate var table: [UInt8] {
            switch self {
            case .standard: return standardTable
            case .url: return urlTable
            }
        }

        fileprivate var reverse: [UInt8] {
            switch self {
            case .standard: return standardReverse
            case .url: return urlReverse
            }
        }
    }

    /// Why a decode failed, with the offset of the offending character.
    public enum DecodingError: Error, Equatable, Sendable {
        /// A character outside the alphabet (or `=` in the middle of the text).
        case invalidCharacter(offset: Int)
        /// The length or padding is not that of any encoding (e.g. one trailing character, or `==` missing).
        case invalidLength(Int)
        /// The last character carries bits that a canonical encoder would have left zero (RFC 4648 §3.5).
        case nonCanonical(offset: Int)
    }

    /// Encodes `bytes`, with `=` padding unless `padding` is false (base64url in JWTs omits it).
    public static func encode<Bytes: Collection<UInt8>>(
        _ bytes: Bytes, alphabet: Alphabet = .standard, padding: Bool = true
    ) -> String {
        let table = alphabet.table
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 {
                out.append(table[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)])
            } else if padding {
                out.append(UInt8(ascii: "="))
            }
            if let b2 {
                out.append(table[Int(b2 & 0x3F)])
            } else if padding {
                out.append(UInt8(ascii: "="))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `text` strictly, or returns nil.
    public static func decode(_ text: some StringProtocol, alphabet: Alphabet = .standard) -> [UInt8]? {
        try? self.decoding(Array(text.utf8), alphabet: alphabet)
    }

    /// Decodes ASCII `text` strictly.
    ///
    /// Padding is optional, but when present it must be complete (`xx==`, `xxx=`).
    /// - Throws: ``DecodingError`` with the offset of the first bad character.
    public static func decoding<Text: Collection<UInt8>>(
        _ text: Text, alphabet: Alphabet = .standard
    ) throws(DecodingError) -> [UInt8] {
        let reverse = alphabet.reverse
        var chars = Array(text)
        var padCount = 0
        while let last = chars.last, last == UInt8(ascii: "=") {
            chars.removeLast()
            padCount += 1
        }
        if padCount > 0 && (padCount > 2 || (chars.count + padCount) % 4 != 0) {
            throw .invalidLength(chars.count + padCount)
        }
        if chars.count % 4 == 1 { throw .invalidLength(chars.count + padCount) }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3 + 2)
        var accumulator: UInt32 = 0
        var bits = 0
        for (offset, char) in chars.enumerated() {
            let value = reverse[Int(char)]
            guard value != invalid else { throw .invalidCharacter(offset: offset) }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        if accumulator != 0 { throw .nonCanonical(offset: chars.count - 1) }
        return out
    }
}

private let invalid: UInt8 = 0xFF
private let standardTable = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
private let urlTable = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
private let standardReverse = makeReverse(standardTable)
private let urlReverse = makeReverse(urlTable)

private func makeReverse(_ table: [UInt8]) -> [UInt8] {
    var reverse = [UInt8](repeating: invalid, count: 256)
    for (index, char) in table.enumerated() { reverse[Int(char)] = UInt8(index) }
    return reverse
}
