import Testing
import Wire
@testable import Tandem

@Suite("Token authentication")
struct TokenAuthenticatorTests {
    let auth = TokenAuthenticator(secret: "s3cret")

    @Test("A valid token gives its user; roles default to user")
    func valid() {
        let token = JWTVerifier.sign(["id": "u1", "name": "Ada", "exp": 2_000_000_000], secret: "s3cret")
        let user = auth.user(token: token, now: 1_000)
        #expect(user?.json == ["id": "u1", "name": "Ada", "role": "user"] && user?.expiresAt == 2_000_000_000)
        #expect(user?.groups == [] && user?.token == token && user?.claims["name"] == "Ada")
        #expect(auth.user(authorization: "Bearer \(token)", now: 1_000)?.id == "u1")
        let admin = JWTVerifier.sign(["id": 7, "role": "admin"], secret: "s3cret")
        #expect(auth.user(token: admin, now: 1_000)?.isAdmin == true)
        #expect(auth.user(token: admin, now: 1_000)?.id == "7")
    }

    @Test("Forged, expired, pending, id-less and missing tokens are refused")
    func refused() {
        let forged = JWTVerifier.sign(["id": "u1"], secret: "other")
        let expired = JWTVerifier.sign(["id": "u1", "exp": 10], secret: "s3cret")
        let pending = JWTVerifier.sign(["id": "u1", "role": "pending"], secret: "s3cret")
        let noID = JWTVerifier.sign(["name": "x"], secret: "s3cret")
        for token in [forged, expired, pending, noID, "garbage", ""] {
            #expect(auth.user(token: token, now: 1_000) == nil)
        }
        #expect(auth.user(token: nil) == nil)
        #expect(auth.user(authorization: "Basic abc") == nil)
        #expect(TokenAuthenticator(secret: nil).user(token: JWTVerifier.sign(["id": "u"], secret: "")) == nil)
    }
}
