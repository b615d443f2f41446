/// HMAC-SHA256 (RFC 2104 with FIPS 180-4 SHA-256), verified against RFC 4231.
///
/// Used for JWT HS256 (RFC 7518 §3.2). Keys longer than the block size are hashed first; shorter keys are
/// zero-padded. ``constantTimeEquals(_:_:)`` compares MACs without an early exit so that a forger cannot learn a
/// correct prefix from response timing.
public enum HMACSHA256 {
    /// The 32-byte MAC of `message` under `key`.
    public static func authenticationCode<Key: Collection<UInt8>, Message: Sequence<UInt8>>(
        for message: Message, key: Key
    ) -> [UInt8] {
        var keyBlock = key.count > SHA256.blockSize ? SHA256.hash(key) : Array(key)
        keyBlock.append(contentsOf: repeatElement(0, count: SHA256.blockSize - keyBlock.count))
        var inner = SHA256()
        inner.update(keyBlock.map { $0 ^ 0x36 })
        inner.update(message)
        let innerDigest = inner.finalize()
        var outer = SHA256()
        outer.update(keyBlock.map { $0 ^ 0x5c })
        outer.update(innerDigest)
        return outer.finalize()
    }

    /// Whether two byte strings are equal, taking time that depends only on their lengths.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<lhs.count { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
