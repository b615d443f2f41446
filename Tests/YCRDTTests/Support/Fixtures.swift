import Foundation
import YCRDT

/// Locates and loads the shared Yjs fixtures and our committed ones.
enum Fixtures {
    /// The repository root (three levels above this file's folder: Tests/YCRDTTests/Support/X.swift).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared folder: $TANDEM_SHARED, else <repo>/../shared, else /work/shared.
    static let shared: URL = {
        if let env = ProcessInfo.processInfo.environment["TANDEM_SHARED"] { return URL(fileURLWithPath: env) }
        let beside = repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: "/work/shared")
    }()

    static let yjs = shared.appendingPathComponent("fixtures/yjs")
    static let conformance = yjs.appendingPathComponent("conformance")
    static let yrs = repoRoot.appendingPathComponent("Tests/Fixtures/yrs")

    static func bytes(_ url: URL) -> [UInt8] {
        (try? Data(contentsOf: url)).map { [UInt8]($0) } ?? []
    }

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    /// Session folder names under conformance/ (session-01 …).
    static var sessions: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: conformance.path)) ?? []
        return names.filter { $0.hasPrefix("session-") }.sorted()
    }

    /// Session folder names of our pycrdt-generated fixtures.
    static var yrsSessions: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: yrs.path)) ?? []
        return names.filter { $0.hasPrefix("session-") }.sorted()
    }

    static func log(_ url: URL) -> [[UInt8]] {
        ((try? YLog.records(bytes(url))) ?? []).map { Array($0) }
    }
}
