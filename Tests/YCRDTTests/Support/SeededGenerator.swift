import Foundation

import YCRDT

/// Fuzz tests replay exactly from their seed: SplitMix64. The seed comes from `TANDEM_FUZZ_SEED` when set, so a
/// failing run can be repeated.
typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    /// A generator seeded from the environment or `fallback`.
    static func fromEnvironment(_ fallback: UInt64) -> SplitMix64 {
        let env = ProcessInfo.processInfo.environment["TANDEM_FUZZ_SEED"].flatMap(UInt64.init)
        return SplitMix64(seed: env ?? fallback)
    }
}
