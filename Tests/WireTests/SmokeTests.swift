import Testing
@testable import Wire

@Test("The Wire module is linkable")
func wireLinks() {
    #expect(String(describing: Wire.self) == "Wire")
}
