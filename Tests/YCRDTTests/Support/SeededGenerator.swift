import Foundation

/// SplitMix64: a small, fast, repeatable random number generator for fuzz tests.
/// The seed comes from `TANDEM_FUZZ_SEED` when set, so a failing run can be repeated.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { self.state = seed }

    /// A generator seeded from the environment or `fallback`.
    static func fromEnvironment(_ fallback: UInt64) -> SeededGenerator {
        let env = ProcessInfo.processInfo.environment["TANDEM_FUZZ_SEED"].flatMap(UInt64.init)
        return SeededGenerator(seed: env ?? fallback)
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
