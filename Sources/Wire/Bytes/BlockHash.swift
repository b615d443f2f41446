/// The message handling SHA-1 and SHA-256 share (FIPS 180-4 §5): 64-byte blocks fed to a compression function,
/// then padding with `0x80`, zeros and the 64-bit big-endian bit length (§5.1.1), and a big-endian digest of the
/// state words.
protocol BlockHash {
    /// Bytes of the current, not yet compressed block (fewer than 64).
    var block: [UInt8] { get set }
    /// Message bytes fed so far.
    var totalLength: UInt64 { get set }
    /// The state words, in digest order.
    var stateWords: [UInt32] { get }
    /// Compresses the full 64-byte ``block`` into the state.
    mutating func compress()
}

extension BlockHash {
    /// Feeds message bytes, compressing each full block.
    mutating func absorb<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        for byte in bytes {
            self.block.append(byte)
            self.totalLength &+= 1
            if self.block.count == 64 {
                self.compress()
                self.block.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Pads the message (§5.1.1), compresses the last block(s) and returns the digest.
    mutating func padAndDigest() -> [UInt8] {
        let bitLength = self.totalLength &* 8
        self.block.append(0x80)
        if self.block.count > 56 {
            while self.block.count < 64 { self.block.append(0) }
            self.compress()
            self.block.removeAll(keepingCapacity: true)
        }
        while self.block.count < 56 { self.block.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            self.block.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        self.compress()
        self.block.removeAll(keepingCapacity: true)
        var digest: [UInt8] = []
        digest.reserveCapacity(self.stateWords.count * 4)
        for word in self.stateWords {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }
}
