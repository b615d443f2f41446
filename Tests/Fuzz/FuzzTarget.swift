// Shared helpers of the fuzz entries (Tests/Fuzz/run compiles this file into every fuzz binary).
import Glibc


enum FuzzTarget {
    /// The target named by TANDEM_FUZZ_TARGET, else `fallback`.
    static func current(default fallback: String) -> String {
        guard let raw = getenv("TANDEM_FUZZ_TARGET") else { return fallback }
        return String(cString: raw)
    }

    /// Splits `bytes` into at most `parts` pieces at positions taken from the bytes themselves: the first byte of
    /// each piece is its length (so the fuzzer controls the split).
    static func split(_ bytes: [UInt8], parts: Int) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var index = 0
        while index < bytes.count && out.count < parts - 1 {
            let length = Int(bytes[index]) * 4
            let start = index + 1
            let end = min(bytes.count, start + length)
            out.append(Array(bytes[start..<end]))
            index = end
        }
        if index < bytes.count { out.append(Array(bytes[index...])) }
        return out
    }
}
