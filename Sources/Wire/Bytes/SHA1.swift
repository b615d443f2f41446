/// SHA-1 (FIPS 180-4), used only to compute `Sec-WebSocket-Accept` (RFC 6455 §4.2.2).
///
/// SHA-1 is broken for collision resistance, but the WebSocket handshake uses it only to prove that the server
/// understood the upgrade request, not for security. The module imports nothing, and Foundation on Linux has no
/// SHA-1, so the handshake carries this small implementation (like swift-nio's `SHA1.swift`).
public struct SHA1: Sendable, BlockHash {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    var block: [UInt8] = []
    var totalLength: UInt64 = 0

    /// Creates a hasher with the FIPS 180-4 initial state.
    public init() {
        self.block.reserveCapacity(64)
    }

    /// The 20-byte digest of `bytes`.
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var hasher = SHA1()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Feeds more message bytes into the hash.
    public mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        self.absorb(bytes)
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns the digest; the hasher should not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        self.padAndDigest()
    }

    /// Processes one full 64-byte block (FIPS 180-4 §6.1.2).
    mutating func compress() {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 {
            w[i] = UInt32(self.block[4 * i]) << 24 | UInt32(self.block[4 * i + 1]) << 16
                | UInt32(self.block[4 * i + 2]) << 8 | UInt32(self.block[4 * i + 3])
        }
        for i in 16..<80 {
            w[i] = rotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1)
        }
        var (a, b, c, d, e) = self.state
        for i in 0..<80 {
            let f: UInt32
            let k: UInt32
            switch i {
            case 0..<20:
                f = (b & c) | (~b & d)
                k = 0x5A82_7999
            case 20..<40:
                f = b ^ c ^ d
                k = 0x6ED9_EBA1
            case 40..<60:
                f = (b & c) | (b & d) | (c & d)
                k = 0x8F1B_BCDC
            default:
                f = b ^ c ^ d
                k = 0xCA62_C1D6
            }
            let temp = rotateLeft(a, 5) &+ f &+ e &+ k &+ w[i]
            e = d
            d = c
            c = rotateLeft(b, 30)
            b = a
            a = temp
        }
        self.state = (
            self.state.0 &+ a, self.state.1 &+ b, self.state.2 &+ c, self.state.3 &+ d, self.state.4 &+ e
        )
    }
}

@inline(__always)
private func rotateLeft(_ value: UInt32, _ count: UInt32) -> UInt32 {
    (value << count) | (value >> (32 - count))
}

extension SHA1 {
    var stateWords: [UInt32] { [self.state.0, self.state.1, self.state.2, self.state.3, self.state.4] }
}
