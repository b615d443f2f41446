import Testing

@testable import BenchKit

struct BenchOptionsTests {
    @Test("No arguments: every suite, three repeats, references on, no JSON")
    func defaults() throws {
        let options = try BenchOptions(parsing: [])
        #expect(options.suites == BenchOptions.allSuites)
        #expect(options.repeats == 3)
        #expect(options.references)
        #expect(options.jsonPath == nil)
        #expect(options.files.isEmpty)
    }

    @Test("--suite takes comma lists, keeps the run order and drops duplicates")
    func suiteLists() throws {
        let options = try BenchOptions(parsing: ["--suite", "rooms,codec,codec", "--repeat", "5", "--json", "out.json",
                                                 "--markdown", "out.md", "--svg-dir", "charts"])
        #expect(options.markdownPath == "out.md")
        #expect(options.svgDirectory == "charts")
        #expect(options.suites == ["codec", "rooms"])
        #expect(options.repeats == 5)
        #expect(options.jsonPath == "out.json")
        #expect(try BenchOptions(parsing: ["--suite", "all"]).suites == BenchOptions.allSuites)
        #expect(try BenchOptions(parsing: ["-s", "doc, traces"]).suites == ["doc", "traces"])
    }

    @Test("A bare suite name first is --suite; later words are files")
    func bareSuite() throws {
        let options = try BenchOptions(parsing: ["traces", "a.json.gz", "b.json"])
        #expect(options.suites == ["traces"])
        #expect(options.files == ["a.json.gz", "b.json"])
    }

    @Test("Suite options are kept with their values for the suites")
    func suiteOptions() throws {
        let options = try BenchOptions(parsing: ["--suite", "socketio", "--receivers", "50", "--no-reference",
                                                 "--skip-b", "--log", "x.ylog"])
        #expect(options.suiteArguments == ["--receivers", "50", "--skip-b", "--log", "x.ylog"])
        #expect(options.suiteInt("--receivers", 100) == 50)
        #expect(options.suiteInt("--messages", 1000) == 1000)
        #expect(options.suiteValue("--log") == "x.ylog")
        #expect(!options.references)
    }

    @Test("Bad input is an error naming the problem", arguments: [
        ["--suite", "nope"], ["--repeat", "0"], ["--repeat", "x"], ["--json"], ["--suite", ","],
    ])
    func errors(_ arguments: [String]) {
        #expect(throws: BenchOptionsError.self) { try BenchOptions(parsing: arguments) }
    }

    @Test("The unknown-suite message lists the suites")
    func unknownSuiteMessage() {
        #expect(throws: BenchOptionsError("unknown suite nope (suites: \(BenchOptions.allSuites.joined(separator: ", ")), all)")) {
            try BenchOptions.suiteList("codec,nope")
        }
    }
}
