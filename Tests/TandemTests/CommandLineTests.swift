import Foundation
import Testing
import Wire
import YCRDT
@testable import Tandem

/// The built `tandem` executable: `$TANDEM_BIN`, else `.build/debug/tandem` of this package (run `swift build`
/// first; the suite is skipped when it is missing).
private let tandemBinary: String? = {
    if let path = ProcessInfo.processInfo.environment["TANDEM_BIN"] { return path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let path = root.appendingPathComponent(".build/debug/tandem").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}()

/// Runs `tandem` with `arguments` to completion; stdout and stderr through temporary files (no pipe deadlocks).
private func runTandem(_ arguments: [String], environment: [String: String] = [:]) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    let binary = try #require(tandemBinary)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("out")
    let err = directory.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["TANDEM_JWT_SECRET"] = nil
    env["WEBUI_SECRET_KEY"] = nil
    env.merge(environment) { $1 }
    process.environment = env
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let text = { (url: URL) in String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self) }
    return (process.terminationStatus, text(out), text(err))
}

@Suite("tandem command line", .enabled(if: tandemBinary != nil), .serialized)
struct CommandLineTests {
    @Test("An unknown command or option exits 2 with the usage on stderr", arguments: [
        ["check"], [], ["--bogus"], ["serve", "--bogus"], ["token", "--bogus"], ["update", "frob"],
        ["update", "inspect", "--bogus"], ["replay", "--bogus"], ["check", "--bogus", "/tmp"], ["check", "a", "b"],
    ])
    func unknown(_ arguments: [String]) throws {
        let result = try runTandem(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("usage: tandem"))
    }

    @Test("--help on every command prints its usage to stdout and exits 0", arguments: [
        ["--help"], ["help"], ["serve", "--help"], ["token", "--help"], ["update", "--help"],
        ["update", "inspect", "--help"], ["update", "merge", "-h"], ["replay", "--help"], ["check", "--help"],
    ])
    func help(_ arguments: [String]) throws {
        let result = try runTandem(arguments)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("usage: tandem"))
        #expect(result.stderr.isEmpty)
    }

    @Test("--version and version print the version")
    func version() throws {
        for arguments in [["--version"], ["version"]] {
            let result = try runTandem(arguments)
            #expect(result.status == 0 && result.stdout == "tandem \(Tandem.version)\n")
        }
    }

    @Test("tandem token mints with TANDEM_JWT_SECRET; without a secret it exits 1")
    func token() throws {
        let minted = try runTandem(["token", "--user", "u1", "--role", "admin"], environment: ["TANDEM_JWT_SECRET": "k"])
        #expect(minted.status == 0)
        let token = minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(TokenAuthenticator(secret: "k").user(token: token)?.isAdmin == true)
        let refused = try runTandem(["token", "--user", "u1"])
        #expect(refused.status == 1 && refused.stderr.contains("no secret"))
    }

    @Test("serve without a secret prints listening, the URL and a working admin token, and warns on stderr")
    func serveEphemeralSecret() async throws {
        let binary = try #require(tandemBinary)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out")
        let err = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--data", directory.appendingPathComponent("data").path]
        var env = ProcessInfo.processInfo.environment
        env["TANDEM_JWT_SECRET"] = nil
        env["WEBUI_SECRET_KEY"] = nil
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        var lines: [String] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline && process.isRunning {
            let text = String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self)
            lines = text.split(separator: "\n").map(String.init)
            if lines.contains(where: { $0.hasPrefix("admin token: ") }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let first = try #require(lines.first)
        #expect(first.contains("listening on 127.0.0.1:"))
        let port = try #require(first.split(separator: ":").last.flatMap { Int($0) })
        #expect(lines.contains("url: http://127.0.0.1:\(port)"))
        let token = try #require(lines.first { $0.hasPrefix("admin token: ") }).dropFirst("admin token: ".count)
        let request = "GET /api/v1/notes/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n"
        let answer = try await blocking {
            try WebSocketClient.exchange(port: port, bytes: Array(request.utf8), timeout: testTimeout)
        }
        #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
        let forged = JWTVerifier.sign(["id": "admin", "role": "admin"], secret: "guess")
        let refused = "GET /api/v1/notes/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(forged)\r\nConnection: close\r\n\r\n"
        let refusal = try await blocking {
            try WebSocketClient.exchange(port: port, bytes: Array(refused.utf8), timeout: testTimeout)
        }
        #expect(String(decoding: refusal, as: UTF8.self).hasPrefix("HTTP/1.1 401 "))

        // The running server holds its data directory: a second server and a repair are refused, a check reads.
        let data = directory.appendingPathComponent("data").path
        let second = try runTandem(["serve", "--port", "0", "--data", data, "--jwt-secret", "k"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("the data directory \(data) is in use by another tandem process (pid \(process.processIdentifier))"))
        #expect(second.stdout.isEmpty)
        let repair = try runTandem(["check", data, "--repair"])
        #expect(repair.status == 1 && repair.stdout.isEmpty)
        #expect(repair.stderr.contains("refusing to repair: a tandem server (pid \(process.processIdentifier)) is running on \(data)"))
        let check = try runTandem(["check", data])
        #expect(check.status == 0)
        #expect(check.stdout.hasPrefix("note: a tandem server is running on \(data) (pid \(process.processIdentifier))"))
        process.terminate()
        process.waitUntilExit()
        let log = String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self)
        #expect(log.contains("WARN no JWT secret configured"))
        #expect(log.contains("request refused") && log.contains("status=401"))
        #expect(!log.contains(String(token)) && !log.contains(forged))
        // Stopped, the server released the directory: a repair runs.
        let afterwards = try runTandem(["check", data, "--repair"])
        #expect(afterwards.status == 0 && afterwards.stderr.isEmpty)
    }

    @Test("tandem replay reads a document folder the server wrote (checksummed log), as the server loads it")
    func replayServerFolder() async throws {
        let dir = try makeTemporaryDirectory("replay-folder")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let manager = DocumentManager(configuration: diskConfiguration(dir), notes: nil)
            try await manager.join("d", peer: peer("a"), outbound: RecordingOutbound())
            for update in try fixtureUpdates(session: 1) { try await manager.applyUpdate("d", update: update, from: peer("a")) }
        }
        let folder = DocumentFiles.folder(for: "d", dataDirectory: dir)
        #expect(try FileIO.read(folder + "/wal.ylog")?.first == 0, "the server wrote the checksummed format")
        let replayed = try runTandem(["replay", folder, "--format", "json"])
        #expect(replayed.status == 0, "\(replayed.stderr)")
        var expected = Document()
        for update in try fixtureUpdates(session: 1) { try expected.applyUpdate(update) }
        let json = try JSONValue(parsing: Array(replayed.stdout.utf8))
        #expect(json.objectValue?.isEmpty == false)
        #expect(!replayed.stderr.contains("ignoring"), "nothing was set aside")
    }
}

