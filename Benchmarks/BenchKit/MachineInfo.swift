import Foundation

/// What the numbers were measured on: cores, memory, CPU, OS, compiler, date and load.
public struct MachineInfo: Codable, Equatable, Sendable {
    public var cores: Int
    public var memoryBytes: UInt64
    public var cpu: String
    public var os: String
    public var kernel: String
    public var swift: String
    public var date: String
    /// The 1-minute load average when the run started (the machine is shared; read numbers with it).
    public var loadAverage: Double?

    public init(cores: Int, memoryBytes: UInt64, cpu: String, os: String, kernel: String, swift: String, date: String,
                loadAverage: Double?) {
        self.cores = cores
        self.memoryBytes = memoryBytes
        self.cpu = cpu
        self.os = os
        self.kernel = kernel
        self.swift = swift
        self.date = date
        self.loadAverage = loadAverage
    }

    /// The machine this process runs on.
    public static func current(date: Date = Date()) -> MachineInfo {
        let info = ProcessInfo.processInfo
        let cpuinfo = ProcessMemory.readSmallFile("/proc/cpuinfo") ?? ""
        let cpu = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let release = ProcessMemory.readSmallFile("/etc/os-release") ?? ""
        let os = release.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            ?? info.operatingSystemVersionString
        let kernel = (ProcessMemory.readSmallFile("/proc/sys/kernel/osrelease") ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let load = (ProcessMemory.readSmallFile("/proc/loadavg") ?? "")
            .split(separator: " ").first.flatMap { Double($0) }
        let formatter = ISO8601DateFormatter()
        return MachineInfo(
            cores: info.activeProcessorCount, memoryBytes: info.physicalMemory, cpu: cpu, os: os, kernel: kernel,
            swift: compilerVersion, date: formatter.string(from: date), loadAverage: load)
    }

    /// The Swift compiler that built this binary.
    public static var compilerVersion: String {
        #if compiler(>=6.4)
            return "6.4 or later"
        #elseif compiler(>=6.3)
            return "6.3"
        #elseif compiler(>=6.2)
            return "6.2"
        #elseif compiler(>=6.1)
            return "6.1"
        #else
            return "6.0"
        #endif
    }

    /// One line: `2 cores, 23.5 GiB, Intel …, Debian …, Swift 6.3, 2026-11-23T22:05:00Z, load 1.2`.
    public var summary: String {
        let gib = Double(self.memoryBytes) / 1_073_741_824
        var text = "\(self.cores) cores, \(String(format: "%.1f", gib)) GiB, \(self.cpu), \(self.os)"
        text += " (Linux \(self.kernel)), Swift \(self.swift), \(self.date)"
        if let load = self.loadAverage { text += ", load \(String(format: "%.2f", load))" }
        return text
    }
}
