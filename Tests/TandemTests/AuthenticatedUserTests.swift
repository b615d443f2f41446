import Testing
import Wire

@testable import Tandem

@Suite("Authenticated user")
struct AuthenticatedUserTests {
    @Test("Verified claims give id, name, role, groups, expiry and the claims; a numeric id is its decimal text")
    func fromClaims() throws {
        let claims: JSONObject = ["id": 42, "name": "Ada", "role": "admin", "groups": ["a", 3, "b"], "exp": 2_000]
        let user = try #require(AuthenticatedUser(claims: claims, token: "t"))
        #expect(user.id == "42" && user.name == "Ada" && user.role == "admin" && user.isAdmin)
        #expect(user.groups == ["a", "b"] && user.expiresAt == 2_000 && user.token == "t" && user.claims == claims)
        #expect(user.json == ["id": "42", "name": "Ada", "role": "admin"])
        let plain = try #require(AuthenticatedUser(claims: ["id": "u"]))
        #expect(plain.role == "user" && plain.name == "" && !plain.isAdmin && plain.expiresAt == nil && plain.token == nil)
    }

    @Test("A missing or empty id and roles other than admin and user are refused")
    func refused() {
        #expect(AuthenticatedUser(claims: ["name": "x"]) == nil)
        #expect(AuthenticatedUser(claims: ["id": ""]) == nil)
        #expect(AuthenticatedUser(claims: ["id": true]) == nil)
        #expect(AuthenticatedUser(claims: ["id": "u", "role": "pending"]) == nil)
    }

    @Test("The host's answer gives name and role; a host naming another user refuses the token")
    func confirmed() throws {
        let token = try #require(AuthenticatedUser(claims: ["id": "u1", "groups": ["g"]], token: "tok"))
        let host = OpenWebUIUser(id: "u1", name: "Ann", email: "a@x", role: "admin", expiresAt: 1_234)
            .authenticatedUser(token: "tok", claims: token.claims)
        #expect(host.name == "Ann" && host.role == "admin" && host.expiresAt == 1_234 && host.token == "tok")
        let user = try #require(token.confirmed(by: host))
        #expect(user.name == "Ann" && user.role == "admin" && user.groups == ["g"] && user.token == "tok")
        #expect(token.confirmed(by: AuthenticatedUser(id: "u2", name: "Bob")) == nil)
    }
}
