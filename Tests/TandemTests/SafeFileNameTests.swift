import Testing
@testable import Tandem

@Suite("SafeFileName")
struct SafeFileNameTests {
    @Test(
        "Hostile and unusual ids map to one plain file name each",
        arguments: [
            "note:3f2a-41", "../../etc/passwd", "a/b", "..", ".", "", "\u{0}", "Note", "note", "NOTE",
            "héllo wörld", "日本語のノート", "emoji 😀 id", "%41", "^A", "~x", String(repeating: "é", count: 150),
        ])
    func safeNames(_ id: String) {
        let name = SafeFileName.encode(id)
        #expect(!name.isEmpty)
        #expect(name.utf8.count <= SafeFileName.maxLength)
        #expect(!name.contains("/"))
        #expect(name != "." && name != "..")
        #expect(!name.hasPrefix("."))
        #expect(name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f })
        if name.utf8.count < SafeFileName.maxLength - 64 {
            #expect(SafeFileName.decode(name) == id)
        }
    }

    @Test("Ids that differ only in case or encoding stay distinct")
    func distinctness() {
        let ids = ["note", "Note", "NOTE", "%6Eote", "n%6Fte", "^Note", "note:", "note_", "note%3A"]
        let names = Set(ids.map(SafeFileName.encode))
        #expect(names.count == ids.count)
        // Names are also distinct after case folding (case-insensitive file systems).
        #expect(Set(names.map { $0.lowercased() }).count == ids.count)
    }

    @Test("Long ids are hashed and still distinct")
    func longIds() {
        let a = String(repeating: "x", count: 500) + "a"
        let b = String(repeating: "x", count: 500) + "b"
        let nameA = SafeFileName.encode(a)
        #expect(nameA.utf8.count <= SafeFileName.maxLength)
        #expect(nameA != SafeFileName.encode(b))
        #expect(nameA.contains("~"))
        #expect(SafeFileName.decode(nameA) == nil)
    }

    @Test("Names not produced by the encoder do not decode", arguments: ["%4", "%zz", "^a", "a.b", "%FF", "x~y"])
    func foreignNames(_ name: String) {
        #expect(SafeFileName.decode(name) == nil)
    }
}
