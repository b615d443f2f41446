import Testing
@testable import Wire

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

private func bytes(hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var iterator = hex.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        result.append(UInt8(String([high, low]), radix: 16) ?? 0)
    }
    return result
}

struct SHA256Tests {
    @Test(
        "FIPS 180-2 / NIST known answers",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ] as [(String, String)]
    )
    func knownAnswers(_ message: String, _ digest: String) {
        #expect(hex(SHA256.hash(message.utf8)) == digest)
    }

    @Test("One million 'a' (FIPS 180-2 appendix B.3), fed in uneven chunks")
    func million() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var remaining = 1_000_000
        while remaining > 0 {
            let size = min(remaining, chunk.count)
            hasher.update(chunk[0..<size])
            remaining -= size
        }
        #expect(hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("Lengths around the padding boundary match a byte-at-a-time hash")
    func paddingBoundaries() {
        for length in 54...66 {
            let message = [UInt8](repeating: 0x61, count: length)
            var hasher = SHA256()
            for byte in message { hasher.update([byte]) }
            #expect(hasher.finalize() == SHA256.hash(message))
        }
        #expect(hex(SHA256.hash([UInt8](repeating: 0x61, count: 55))) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(hex(SHA256.hash([UInt8](repeating: 0x61, count: 56))) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
    }
}

struct HMACSHA256Tests {
    @Test(
        "RFC 4231 test cases 1-4, 6 and 7 (case 5 truncates its output)",
        arguments: [
            (
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            (
                String(repeating: "aa", count: 20), String(repeating: "dd", count: 50),
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
            ),
            (
                "0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
            ),
            (
                String(repeating: "aa", count: 131),
                "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
            (
                String(repeating: "aa", count: 131),
                "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            ),
        ] as [(String, String, String)]
    )
    func rfc4231(_ key: String, _ data: String, _ mac: String) {
        #expect(hex(HMACSHA256.authenticationCode(for: bytes(hex: data), key: bytes(hex: key))) == mac)
    }

    @Test("RFC 4231 test case 5: output truncated to 128 bits")
    func truncated() {
        let mac = HMACSHA256.authenticationCode(
            for: Array("Test With Truncation".utf8), key: [UInt8](repeating: 0x0c, count: 20))
        #expect(hex(Array(mac.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test("Constant-time comparison")
    func compare() {
        #expect(HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2]))
    }
}

struct JWTTests {
    let verifier = JWTVerifier(secret: "t0p-secret")

    @Test("A token signed by Python hmac verifies and yields its claims")
    func pyjwtToken() throws {
        // Python: header and payload json.dumps(separators=(",", ":")), signed with hmac.new(key, input, sha256).
        let token =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InUtMSIsIm5hbWUiOiJBbm4iLCJleHAiOjIwMDAwMDAwMDB9.v2ZgfnZowOTMM3IgC7GWuBHhU9p5xYSB52wdbtLpV8A"
        let claims = try self.verifier.verify(token, now: 1_700_000_000)
        #expect(claims["id"] == "u-1")
        #expect(claims["name"] == "Ann")
        #expect(throws: JWTVerifier.Failure.expired) { try self.verifier.verify(token, now: 2_000_000_000) }
    }

    @Test("Signing then verifying round-trips; tampering is detected")
    func roundTrip() throws {
        let token = JWTVerifier.sign(["id": "u-2", "role": "admin"], secret: "t0p-secret")
        #expect(try self.verifier.verify(token, now: 0)["role"] == "admin")
        #expect(throws: JWTVerifier.Failure.badSignature) {
            try JWTVerifier(secret: "other").verify(token, now: 0)
        }
        let forged = JWTVerifier.sign(["id": "admin"], secret: "guess")
        #expect(throws: JWTVerifier.Failure.badSignature) { try self.verifier.verify(forged, now: 0) }
        var parts = token.split(separator: ".").map(String.init)
        parts[1] = Base64.encode(Array(#"{"id":"u-3","role":"admin"}"#.utf8), alphabet: .url, padding: false)
        #expect(throws: JWTVerifier.Failure.badSignature) { try self.verifier.verify(parts.joined(separator: "."), now: 0) }
    }

    @Test("Only HS256 is accepted: none, HS512, RS256 and a missing alg are refused")
    func algorithms() {
        let payload = Base64.encode(Array(#"{"id":"u"}"#.utf8), alphabet: .url, padding: false)
        for (header, alg) in [
            (#"{"alg":"none"}"#, "none" as String?), (#"{"alg":"HS512"}"#, "HS512"), (#"{"alg":"RS256"}"#, "RS256"),
            (#"{"alg":"hs256"}"#, "hs256"), (#"{"typ":"JWT"}"#, nil),
        ] {
            let head = Base64.encode(Array(header.utf8), alphabet: .url, padding: false)
            #expect(throws: JWTVerifier.Failure.unsupportedAlgorithm(alg)) {
                try self.verifier.verify(head + "." + payload + ".", now: 0)
            }
        }
    }

    @Test("Malformed tokens are refused without trapping")
    func malformed() {
        for token in ["", "a", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30", "W10.e30.", "e30.W10."] {
            #expect(throws: JWTVerifier.Failure.self) { try self.verifier.verify(token, now: 0) }
        }
        #expect(throws: JWTVerifier.Failure.tooLong) {
            try self.verifier.verify(String(repeating: "a", count: 9000), now: 0)
        }
        let badExp = JWTVerifier.sign(["id": "u", "exp": "soon"], secret: "t0p-secret")
        #expect(throws: JWTVerifier.Failure.invalidClaim("exp")) { try self.verifier.verify(badExp, now: 0) }
    }
}
