import Foundation
import YCRDT

/// dmonad/crdt-benchmarks B1–B4 with N = 6000 (v2 sizes, as the harness reports them), on our `Document`.
enum CRDTBenchmarks {
    static let n = 6000

    static func run(sharedRoot: URL) throws -> [DocSuite.Result] {
        []
    }
}
