import Testing
@testable import Tandem

@Test("The server reports a semantic version")
func serverVersion() {
    #expect(Tandem.version.split(separator: ".").count == 3)
}
