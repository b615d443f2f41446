/// An incremental UTF-8 validator (RFC 3629 §4), fed a message's bytes fragment by fragment.
///
/// RFC 6455 §8.1 lets a server fail a text message as soon as its bytes stop being valid UTF-8, even in the middle of
/// a fragmented message; Autobahn case 6.4 checks exactly that. Overlong forms, surrogates (U+D800–U+DFFF) and code
/// points above U+10FFFF are rejected.
public struct UTF8Validator: Sendable {
    /// Continuation bytes still expected for the current sequence.
    private var remaining: Int = 0
    /// Allowed range of the next continuation byte (narrower right after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// A validator at the start of a text.
    public init() {}

    /// True when the bytes so far end on a character boundary.
    public var isComplete: Bool { self.remaining == 0 }

    /// Validates more bytes; returns false at the first invalid byte (the validator is then unusable).
    public mutating func validate<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({ self.validate(buffer: $0) }) {
            return result
        }
        return self.validate(buffer: Array(bytes))
    }

    private mutating func validate(buffer: some Collection<UInt8>) -> Bool {
        for byte in buffer {
            if self.remaining == 0 {
                if byte < 0x80 { continue }
                switch byte {
                case 0xC2...0xDF:
                    self.remaining = 1; self.lower = 0x80; self.upper = 0xBF
                case 0xE0:
                    self.remaining = 2; self.lower = 0xA0; self.upper = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF:
                    self.remaining = 2; self.lower = 0x80; self.upper = 0xBF
                case 0xED:
                    self.remaining = 2; self.lower = 0x80; self.upper = 0x9F
                case 0xF0:
                    self.remaining = 3; self.lower = 0x90; self.upper = 0xBF
                case 0xF1...0xF3:
                    self.remaining = 3; self.lower = 0x80; self.upper = 0xBF
                case 0xF4:
                    self.remaining = 3; self.lower = 0x80; self.upper = 0x8F
                default:
                    return false
                }
            } else {
                guard byte >= self.lower && byte <= self.upper else { return false }
                self.remaining -= 1
                self.lower = 0x80
                self.upper = 0xBF
            }
        }
        return true
    }

    /// Whether `bytes` on their own are complete, valid UTF-8.
    public static func isValid<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.isComplete
    }
}
