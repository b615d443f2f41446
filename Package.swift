// swift-tools-version: 6.0
import PackageDescription

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Tandem",
    products: [
        .library(name: "YCRDT", targets: ["YCRDT"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Tandem", targets: ["Tandem"]),
        .executable(name: "tandem", targets: ["TandemCLI"]),
        .executable(name: "tandem-bench", targets: ["tandem-bench"]),
    ],
    targets: [
        // Pure libraries: standard library only, no Foundation, no I/O.
        .target(name: "YCRDT", swiftSettings: settings),
        .target(name: "Wire", swiftSettings: settings),

        // The server library: actors, endpoints, persistence and the socket transport.
        .target(name: "Tandem", dependencies: ["YCRDT", "Wire", "CTandemSystem"], swiftSettings: settings),
        // Linux headers Glibc does not export (epoll, eventfd); used only by Tandem/Transport.
        .target(name: "CTandemSystem"),

        // Thin executables: argument parsing and wiring only.
        .executableTarget(
            name: "TandemCLI",
            dependencies: ["Tandem", "YCRDT", "Wire"],
            path: "Sources/tandem",
            swiftSettings: settings
        ),
        // The benchmark runner's pure parts (options, results, JSON, table, SVG charts), tested by BenchKitTests.
        .target(name: "BenchKit", path: "Benchmarks/BenchKit", swiftSettings: settings),
        .executableTarget(
            name: "tandem-bench",
            dependencies: ["Tandem", "YCRDT", "Wire", "BenchKit", "CTandemSystem"],
            path: "Benchmarks/tandem-bench",
            swiftSettings: settings
        ),

        // One test target per library (Swift Testing).
        .testTarget(name: "YCRDTTests", dependencies: ["YCRDT"], swiftSettings: settings),
        .testTarget(name: "WireTests", dependencies: ["Wire", "YCRDT"], swiftSettings: settings),
        .testTarget(name: "BenchKitTests", dependencies: ["BenchKit"], swiftSettings: settings),
        .testTarget(name: "TandemTests", dependencies: ["Tandem", "YCRDT", "Wire"], swiftSettings: settings),
    ]
)
