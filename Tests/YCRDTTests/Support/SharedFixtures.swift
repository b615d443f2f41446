import Foundation

/// Locates the shared fixtures folder: `TANDEM_SHARED`, else `<repo>/../shared`, else `/work/shared`.
enum SharedFixtures {
    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["TANDEM_SHARED"] { return URL(fileURLWithPath: env) }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let beside = repo.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: "/work/shared")
    }()

    static func data(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: self.root.appendingPathComponent(path)))
    }

    /// Splits a `.ylog` file (varUint length + bytes per update) into updates.
    static func log(_ path: String) throws -> [[UInt8]] {
        let bytes = try self.data(path)
        var updates: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            var length = 0
            var shift = 0
            while true {
                let b = bytes[i]
                i += 1
                length |= Int(b & 0x7F) << shift
                shift += 7
                if b < 0x80 { break }
            }
            updates.append(Array(bytes[i..<(i + length)]))
            i += length
        }
        return updates
    }

    /// Decompresses a gzip file by running `gzip -dc` (Foundation on Linux cannot gunzip).
    static func gunzip(_ path: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", self.root.appendingPathComponent(path).path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
