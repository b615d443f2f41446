import Testing
@testable import YCRDT

@Test("The module reports the Yjs version it follows")
func reportsYjsVersion() {
    #expect(YCRDT.yjsVersion == "13.6.31")
}
