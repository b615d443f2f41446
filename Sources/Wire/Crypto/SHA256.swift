/// SHA-256 (FIPS 180-4 §6.2), the hash under HMAC-SHA256 for JWT HS256 verification.
///
/// Wire imports nothing and Foundation on Linux has no SHA-2, so Tandem carries this small implementation. It is
/// used to verify Open WebUI's session tokens (HS256 with `WEBUI_SECRET_KEY`), not for bulk hashing.
public struct SHA256: Sendable, BlockHash {
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Size of one compression block in bytes (HMAC's B).
    public static let blockSize = 64
    /// Size of the digest in bytes.
    public static let digestSize = 32

    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    var block: [UInt8] = []
    var totalLength: UInt64 = 0
    private var schedule = [UInt32](repeating: 0, count: 64)

    /// Creates a hasher with the FIPS 180-4 initial state.
    public init() {
        self.block.reserveCapacity(64)
    }

    /// The 32-byte digest of `bytes`.
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var hasher = SHA256()
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

    /// One compression of the 64-byte block (FIPS 180-4 §6.2.2).
    mutating func compress() {
        for index in 0..<16 {
            let base = index * 4
            self.schedule[index] =
                UInt32(self.block[base]) << 24 | UInt32(self.block[base + 1]) << 16
                | UInt32(self.block[base + 2]) << 8 | UInt32(self.block[base + 3])
        }
        for index in 16..<64 {
            let w15 = self.schedule[index - 15]
            let w2 = self.schedule[index - 2]
            let s0 = rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 >> 3)
            let s1 = rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 >> 10)
            self.schedule[index] = self.schedule[index - 16] &+ s0 &+ self.schedule[index - 7] &+ s1
        }
        var a = self.state[0], b = self.state[1], c = self.state[2], d = self.state[3]
        var e = self.state[4], f = self.state[5], g = self.state[6], h = self.state[7]
        for index in 0..<64 {
            let s1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
            let choice = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ choice &+ Self.roundConstants[index] &+ self.schedule[index]
            let s0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ majority
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        self.state[0] &+= a
        self.state[1] &+= b
        self.state[2] &+= c
        self.state[3] &+= d
        self.state[4] &+= e
        self.state[5] &+= f
        self.state[6] &+= g
        self.state[7] &+= h
    }
}

private func rotateRight(_ value: UInt32, _ count: UInt32) -> UInt32 {
    (value >> count) | (value << (32 - count))
}

extension SHA256 {
    var stateWords: [UInt32] { self.state }
}
