import YCRDT

/// Randomized tests replay exactly from their seed: SplitMix64 from YCRDT.
typealias SocketIOSeededGenerator = SplitMix64
