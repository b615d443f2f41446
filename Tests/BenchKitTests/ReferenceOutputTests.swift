import Foundation
import Testing

@testable import BenchKit

/// The optional references (pycrdt, Yjs) degrade to a note: these check the setup and output parsing without node,
/// Yjs or Python installed.
struct ReferenceOutputTests {
    @Test("A reference's JSON gives its versioned name and its numeric results")
    func parsesResults() throws {
        let json = #"{"yjs":"13.6.31","node":"20.20.2","results":{"apply":1781.5,"state_bytes":223414,"x":"text"}}"#
        let output = try ReferenceOutput.parse(Data(json.utf8), label: "Yjs", versionKey: "yjs")
        #expect(output.name == "Yjs 13.6.31")
        #expect(output.results == ["apply": 1781.5, "state_bytes": 223_414])
    }

    @Test("A missing version reads as ?")
    func missingVersion() throws {
        let output = try ReferenceOutput.parse(Data(#"{"results":{}}"#.utf8), label: "pycrdt", versionKey: "pycrdt")
        #expect(output == ReferenceOutput(name: "pycrdt ?", results: [:]))
    }

    @Test("Broken output is an error naming the reference", arguments: ["", "yjs_reference: boom", "[1,2]", #"{"yjs":"1"}"#])
    func brokenOutput(_ text: String) {
        #expect(throws: ReferenceOutput.ParseError.self) {
            try ReferenceOutput.parse(Data(text.utf8), label: "Yjs", versionKey: "yjs")
        }
    }

    @Test("Without TANDEM_YJS the Yjs reference is a one-line note")
    func unset() {
        let setup = YjsReferenceSetup.resolve(environment: ["PATH": "/usr/bin"], isFile: { _ in true })
        #expect(setup == .missing(YjsReferenceSetup.unsetNote))
        #expect(YjsReferenceSetup.unsetNote.contains("TANDEM_YJS"))
    }

    @Test("A checkout without src/index.js is a note, not a failure")
    func brokenCheckout() {
        let setup = YjsReferenceSetup.resolve(environment: ["TANDEM_YJS": "/nowhere", "PATH": "/usr/bin"],
                                              isFile: { $0 == "/usr/bin/node" })
        guard case .missing(let note) = setup else { Issue.record("expected a note, got \(setup)"); return }
        #expect(note.contains("/nowhere"))
    }

    @Test("node comes from TANDEM_NODE, else the first PATH entry that has it")
    func findsNode() {
        let files: Set = ["/y/src/index.js", "/y/package.json", "/opt/node/bin/node", "/usr/bin/node"]
        let fromPath = YjsReferenceSetup.resolve(environment: ["TANDEM_YJS": "/y", "PATH": "/bin:/opt/node/bin:/usr/bin"],
                                                 isFile: files.contains)
        #expect(fromPath == .ready(node: "/opt/node/bin/node", checkout: "/y"))
        let given = YjsReferenceSetup.resolve(environment: ["TANDEM_YJS": "/y", "TANDEM_NODE": "/usr/bin/node"],
                                              isFile: files.contains)
        #expect(given == .ready(node: "/usr/bin/node", checkout: "/y"))
        let noNode = YjsReferenceSetup.resolve(environment: ["TANDEM_YJS": "/y", "PATH": "/bin"], isFile: files.contains)
        #expect(noNode == .missing("Yjs reference skipped: no node on PATH (set TANDEM_NODE)"))
        let badNode = YjsReferenceSetup.resolve(environment: ["TANDEM_YJS": "/y", "TANDEM_NODE": "/no/node"],
                                                isFile: files.contains)
        guard case .missing = badNode else { Issue.record("expected a note, got \(badNode)"); return }
    }

    @Test("A second reference gets its own columns and ratio in the text and Markdown tables")
    func secondReferenceColumns() {
        var row = BenchRow(group: "log", name: "apply", value: 400, unit: "ms", reference: 1200, referenceName: "pycrdt 0.14")
        row.secondReference = 2000
        row.secondReferenceName = "Yjs 13.6.31"
        #expect(row.secondRatio == 5)
        let report = SuiteReport(suite: "doc", title: "doc", rows: [row])
        let text = BenchTable.text(report)
        #expect(text.contains("Yjs 13.6.31"))
        #expect(text.contains("5.00×"))
        let markdown = BenchTable.markdown(report)
        #expect(markdown.contains("| reference 2 | ratio 2 |"))
        #expect(markdown.contains("| 2,000 (Yjs 13.6.31) | 5.00× | ms |"))
    }
}
