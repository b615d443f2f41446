import Testing
@testable import Wire

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

struct SHA1Tests {
    @Test("SHA-1 known answers from FIPS 180 and RFC 3174", arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func knownAnswers(input: String, digest: String) {
        #expect(hex(SHA1.hash(Array(input.utf8))) == digest)
    }

    @Test("SHA-1 of one million 'a' (FIPS 180 test 3)")
    func millionA() {
        var hasher = SHA1()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hex(hasher.finalize()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("SHA-1 of RFC 3174 test 4 (0123456701234567… ×10)")
    func rfc3174Test4() {
        let input = String(repeating: "0123456701234567012345670123456701234567012345670123456701234567", count: 10)
        #expect(hex(SHA1.hash(Array(input.utf8))) == "dea356a2cddd90c7a7ecedc5ebb563934f460452")
    }

    @Test("Messages of 55, 56 and 64 bytes hit every padding branch")
    func paddingBoundaries() {
        // Computed with Python hashlib.sha1(b"a" * n).
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 55))) == "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 56))) == "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 64))) == "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }
}

struct Base64Tests {
    @Test("RFC 4648 §10 test vectors encode and decode", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test("Unpadded input decodes and unpadded output omits '='")
    func unpadded() {
        #expect(Base64.encode(Array("fo".utf8), padding: false) == "Zm8")
        #expect(Base64.decode("Zm8") == Array("fo".utf8))
        #expect(Base64.decode("Zg") == Array("f".utf8))
    }

    @Test("base64url uses '-' and '_' and rejects '+' and '/'")
    func urlAlphabet() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF]
        #expect(Base64.encode(bytes) == "+/+/")
        #expect(Base64.encode(bytes, alphabet: .url) == "-_-_")
        #expect(Base64.decode("-_-_", alphabet: .url) == bytes)
        #expect(Base64.decode("+/+/", alphabet: .url) == nil)
        #expect(Base64.decode("-_-_") == nil)
    }

    @Test("Strict decoding rejects bad characters, lengths, padding and trailing bits")
    func strict() {
        #expect(throws: Base64.DecodingError.invalidCharacter(offset: 2)) {
            try Base64.decoding(Array("Zm 9".utf8))
        }
        #expect(throws: Base64.DecodingError.invalidLength(5)) { try Base64.decoding(Array("Zm9vY".utf8)) }
        #expect(throws: Base64.DecodingError.invalidLength(4)) { try Base64.decoding(Array("Z===".utf8)) }
        #expect(throws: Base64.DecodingError.invalidLength(3)) { try Base64.decoding(Array("Zg=".utf8)) }
        #expect(throws: Base64.DecodingError.nonCanonical(offset: 1)) { try Base64.decoding(Array("Zh==".utf8)) }
        #expect(Base64.decode("Zm=v") == nil)
        #expect(Base64.decode("é") == nil)
    }

    @Test("Every byte value round-trips in both alphabets")
    func roundTrip() {
        let bytes = (0...255).map { UInt8($0) }
        for n in 0...bytes.count where n % 37 == 0 || n < 5 {
            let slice = Array(bytes.prefix(n))
            #expect(Base64.decode(Base64.encode(slice)) == slice)
            #expect(Base64.decode(Base64.encode(slice, alphabet: .url, padding: false), alphabet: .url) == slice)
        }
    }
}
