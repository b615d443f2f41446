import Foundation
import Testing
@testable import YCRDT

/// Seeding and reading the `prosemirror` fragment against Yjs 13.6.31 driven the way y-prosemirror's
/// `prosemirrorJSONToYDoc` and `yXmlFragmentToProsemirrorJSON` drive it (Tests/Fixtures/prosemirror/generate.mjs),
/// and against y-prosemirror 1.3.7 itself with a TipTap-like schema (generate-y-prosemirror.mjs).
struct ProseMirrorConformanceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let doc: YAny
        let update: [UInt8]
        let state: [UInt8]
        let xml: String
        let yProsemirrorJSON: YAny
        /// y-prosemirror 1.3.7: `prosemirrorJSONToYXmlFragment` update and `yXmlFragmentToProseMirrorRootNode().toJSON()`.
        let realUpdate: [UInt8]
        let realJSON: YAny
        var description: String { self.name }
    }

    static let folder = Fixtures.repoRoot.appendingPathComponent("Tests/Fixtures/prosemirror")

    static let cases: [Case] = {
        func load(_ file: String) -> YAny {
            let data = (try? Data(contentsOf: folder.appendingPathComponent(file))) ?? Data()
            return JavaScriptJSON.parse(String(decoding: data, as: UTF8.self)) ?? .array([])
        }
        guard case .array(let inputs) = load("cases.json"), case .array(let outputs) = load("expected.json"),
            case .array(let real) = load("y-prosemirror.json"), inputs.count == outputs.count, real.count == inputs.count + 1
        else {
            return []
        }
        return inputs.indices.map { i in
            let (input, output) = (inputs[i], outputs[i])
            return Case(
                name: field(input, "name").stringValue ?? "", doc: field(input, "doc"),
                update: hex(field(output, "update").stringValue ?? ""), state: hex(field(output, "state").stringValue ?? ""),
                xml: field(output, "xml").stringValue ?? "", yProsemirrorJSON: field(output, "yProsemirrorJSON"),
                realUpdate: hex(field(real[i], "update").stringValue ?? ""), realJSON: field(real[i], "toJSON"))
        }
    }()

    static func field(_ value: YAny, _ key: String) -> YAny {
        guard case .object(let entries) = value else { return .undefined }
        return entries.first { $0.key == key }?.value ?? .undefined
    }

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8? = nil
        for c in text.utf8 {
            let v = c <= 57 ? c - 48 : c - 87
            if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
        }
        return bytes
    }

    /// The input with null node attrs removed: what y-prosemirror stores, so what reading gives back.
    static func withoutNullAttrs(_ value: YAny) -> YAny {
        guard case .object(let entries) = value else { return value }
        return .object(entries.compactMap { entry in
            switch entry.key {
            case "attrs":
                guard case .object(let attrs) = entry.value else { return entry }
                let kept = attrs.filter { $0.value != .null }
                return kept.isEmpty ? nil : (entry.key, .object(kept))
            case "content":
                guard case .array(let children) = entry.value else { return entry }
                return (entry.key, .array(children.map(withoutNullAttrs)))
            default:
                return entry
            }
        })
    }

    @Test("The fixtures are there")
    func fixturesLoad() {
        #expect(Self.cases.count == 9)
    }

    @Test("Seeding gives Yjs's update and state bytes for y-prosemirror's calls", arguments: cases)
    func seedBytes(_ c: Case) throws {
        var doc = Document(clientID: 1)
        let update = try doc.seedProseMirror(with: c.doc)
        #expect(!c.update.isEmpty)
        #expect(update == c.update)
        #expect(doc.encodeStateAsUpdate() == c.state)
        #expect(doc.xmlString(doc.xmlFragment("prosemirror")) == c.xml)
    }

    @Test("Seeding gives y-prosemirror's own bytes, and reading gives ProseMirror's toJSON (null attrs aside)", arguments: cases)
    func realYProsemirror(_ c: Case) throws {
        var doc = Document(clientID: 1)
        #expect(try doc.seedProseMirror(with: c.doc) == c.realUpdate)
        #expect(!c.realUpdate.isEmpty)
        // The schema fills null defaults that y-prosemirror never stores; everything else, key order included, agrees.
        #expect(doc.renderNote().jsonText == JavaScriptJSON.stringify(Self.withoutNullAttrs(c.realJSON)))
    }

    @Test("Overlapping marks that y-prosemirror stored under hashed names read back as ProseMirror's toJSON")
    func overlappingMarks() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("y-prosemirror.json"))
        guard case .array(let entries)? = JavaScriptJSON.parse(String(decoding: data, as: UTF8.self)), let entry = entries.last
        else {
            Issue.record("y-prosemirror.json is missing")
            return
        }
        #expect(Self.field(entry, "name") == .string("overlapping-marks"))
        var doc = Document(clientID: 9)
        try doc.applyUpdate(Self.hex(Self.field(entry, "state").stringValue ?? ""))
        #expect(doc.xmlString(doc.xmlFragment("prosemirror")) == Self.field(entry, "xml").stringValue)
        #expect(doc.renderNote().jsonText == JavaScriptJSON.stringify(Self.withoutNullAttrs(Self.field(entry, "toJSON"))))
        #expect(doc.renderNote().html == "<p>oneboth</p>")
    }

    @Test("Reading Yjs's state gives yXmlFragmentToProsemirrorJSON's output, key order included", arguments: cases)
    func yProsemirrorJSON(_ c: Case) throws {
        var doc = Document(clientID: 99)
        try doc.applyUpdate(c.state)
        let note = doc.renderNote(style: .yProsemirror)
        #expect(note.jsonText == JavaScriptJSON.stringify(c.yProsemirrorJSON))
    }

    @Test("JSON → seed → render gives the input back (null node attrs dropped, as y-prosemirror stores them)", arguments: cases)
    func roundTrip(_ c: Case) throws {
        var doc = Document(clientID: 5)
        let update = try doc.seedProseMirror(with: c.doc)
        let expected = JavaScriptJSON.stringify(Self.withoutNullAttrs(c.doc))
        #expect(doc.renderNote().jsonText == expected)
        // A peer that receives the update renders the same note.
        var peer = Document(clientID: 6)
        try peer.applyUpdate(update)
        #expect(peer.renderNote() == doc.renderNote())
    }

    @Test("Seeding from JSON text equals seeding from the parsed value", arguments: cases)
    func seedFromText(_ c: Case) throws {
        var a = Document(clientID: 1)
        var b = Document(clientID: 1)
        #expect(try a.seedProseMirror(withJSONText: JavaScriptJSON.stringify(c.doc)) == (try b.seedProseMirror(with: c.doc)))
    }
}
