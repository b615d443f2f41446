/// XORs `bytes` in place with the 4-byte masking key, starting at key position `phase` (RFC 6455 §5.3).
///
/// Masking and unmasking are the same operation, so the decoder and the client encoder share this routine.
/// It works 8 bytes at a time because the echo benchmark and Autobahn's 16 MB cases spend most of their time here.
public func webSocketApplyMask(_ bytes: inout [UInt8], key: (UInt8, UInt8, UInt8, UInt8), phase: Int = 0) {
    let count = bytes.count
    guard count > 0 else { return }
    let keyBytes = [key.0, key.1, key.2, key.3]
    bytes.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        var index = 0
        // Build a 64-bit key rotated so that byte `i` of the word uses key[(phase + i) % 4].
        var wide: UInt64 = 0
        for i in 0..<8 {
            wide |= UInt64(keyBytes[(phase + i) & 3]) << UInt64(8 * i)
        }
        let raw = UnsafeMutableRawPointer(base)
        while index + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            raw.storeBytes(of: word ^ wide.littleEndian, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            base[index] ^= keyBytes[(phase + index) & 3]
            index += 1
        }
    }
}
