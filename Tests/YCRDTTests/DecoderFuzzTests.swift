import Testing
@testable import YCRDT

/// Robustness: truncations, bit flips and random bytes must throw `DecodingError` or decode to a value that
/// re-encodes and decodes to itself; nothing may trap. Over 100,000 inputs per run, seeded (TANDEM_FUZZ_SEED).
@Suite("Decoder robustness")
struct DecoderFuzzTests {
    /// Fixture updates in both formats (session logs, merged/state files, edge cases).
    static let corpus: [(bytes: [UInt8], format: UpdateFormat)] = {
        var out: [(bytes: [UInt8], format: UpdateFormat)] = []
        for s in Fixtures.sessions {
            let dir = Fixtures.conformance.appendingPathComponent(s)
            out += Fixtures.log(dir.appendingPathComponent("updates.ylog")).map { ($0, .v1) }
            out += Fixtures.log(dir.appendingPathComponent("updates-v2.ylog")).map { ($0, .v2) }
            for f in ["merged.bin", "state.bin", "diff.bin"] { out.append((Fixtures.bytes(dir.appendingPathComponent(f)), .v1)) }
            for f in ["merged-v2.bin", "state-v2.bin"] { out.append((Fixtures.bytes(dir.appendingPathComponent(f)), .v2)) }
        }
        let edge = Fixtures.conformance.appendingPathComponent("edge")
        for f in ["kinds.bin", "gap-merged.bin", "gap-1.bin"] { out.append((Fixtures.bytes(edge.appendingPathComponent(f)), .v1)) }
        for f in ["kinds-v2.bin", "gap-merged-v2.bin"] { out.append((Fixtures.bytes(edge.appendingPathComponent(f)), .v2)) }
        return out.filter { !$0.bytes.isEmpty }
    }()

    /// Decodes; on success checks that encode→decode is stable. Returns whether it threw.
    static func probe(_ bytes: ArraySlice<UInt8>, _ format: UpdateFormat) -> Bool {
        do {
            let u = try Update(bytes: bytes, format: format)
            let again = try Update(bytes: u.encoded(format)[...], format: format)
            #expect(again == u, "re-encoding a fuzzed update changed it")
            _ = u.stateVector
            _ = u.diff(against: StateVector())
            return false
        } catch {
            #expect(!error.description.isEmpty)
            return true
        }
    }

    /// Decodes only (no re-encode), returning whether it threw.
    static func throwsOnDecode(_ bytes: ArraySlice<UInt8>, _ format: UpdateFormat) -> Bool {
        (try? Update(bytes: bytes, format: format)) == nil
    }

    @Test("Every proper prefix of every fixture update throws (whole files: 200 evenly spaced prefixes)")
    func truncations() {
        var inputs = 0
        var decoded = 0
        for (bytes, format) in Self.corpus {
            let step = bytes.count <= 600 ? 1 : bytes.count / 200
            for n in stride(from: 0, to: bytes.count, by: step) {
                inputs += 1
                if !Self.throwsOnDecode(bytes[..<n], format) { decoded += 1 }
            }
        }
        #expect(inputs > 60_000)
        #expect(decoded == 0, "\(decoded) truncated inputs decoded")
    }

    @Test("Random bit flips never trap")
    func bitFlips() {
        var rng = SeededGenerator.fromEnvironment(0x7A4D_E11E)
        var thrown = 0
        let count = 40_000
        for i in 0 ..< count {
            let (bytes, format) = Self.corpus[i % Self.corpus.count]
            var mutated = bytes
            let flips = Int.random(in: 1 ... 3, using: &rng)
            for _ in 0 ..< flips {
                let at = Int.random(in: 0 ..< mutated.count, using: &rng)
                mutated[at] ^= UInt8(1) << UInt8.random(in: 0 ... 7, using: &rng)
            }
            if Self.probe(mutated[...], format) { thrown += 1 }
        }
        #expect(thrown > count / 4)
    }

    @Test("Random byte strings never trap (v1, v2, state vectors, Any, .ylog)")
    func randomBytes() {
        var rng = SeededGenerator.fromEnvironment(0xB17E5)
        var thrown = 0
        let count = 30_000
        for i in 0 ..< count {
            let n = Int.random(in: 0 ... 64, using: &rng)
            var bytes = (0 ..< n).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            // Start some inputs like real updates so the fuzzer gets past the headers.
            if i % 3 == 1, n > 3 { bytes[0] = 1; bytes[1] = 1 }
            if i % 3 == 2, n > 3 { bytes[0] = 0 }
            if Self.probe(bytes[...], i % 2 == 0 ? .v1 : .v2) { thrown += 1 }
            _ = try? StateVector(bytes: bytes)
            var reader = ByteReader(bytes)
            _ = try? YAny(from: &reader)
            _ = try? YLog.records(bytes)
        }
        #expect(thrown > count / 2)
    }

    @Test("Huge declared counts and lengths throw before allocating")
    func hugeCounts() {
        let maxVar: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]  // 2^53 - 1
        // v1: 2^53 - 1 clients; one client with 2^53 - 1 structs; a 2^53 - 1 byte string.
        #expect(throws: DecodingError.self) { try Update(v1: maxVar + [0]) }
        #expect(throws: DecodingError.self) { try Update(v1: [1] + maxVar + [1, 0, 4]) }
        #expect(throws: DecodingError.self) { try Update(v1: [1, 1, 1, 0, 4, 1] + maxVar + [0x61]) }
        // Any array / object / ContentAny counts.
        var r1 = ByteReader([117] + maxVar)
        #expect(throws: DecodingError.self) { try YAny(from: &r1) }
        var r2 = ByteReader([118] + maxVar)
        #expect(throws: DecodingError.self) { try YAny(from: &r2) }
        #expect(throws: DecodingError.self) { try StateVector(bytes: maxVar) }
        // A varUint above 2^53 - 1.
        var r3 = ByteReader([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])
        #expect(throws: DecodingError.self) { try r3.readVarUInt() }
        // v2: a 25-byte update claiming 2^22 GC structs through run-length columns hits the block budget.
        var v2: [UInt8] = [0, 0, 2, 0, 0, 0, 0, 2, 0, 0]  // flag, keyClock, client [0], left, right, info [0 forever]
        v2 += [1, 0, 0, 0]  // string column (empty), parentInfo, typeRef
        v2 += [5, 0x41, 0xFF, 0xFF, 0xFF, 0x01]  // len column: 1 repeated ~2^28 times
        v2 += [1, 0x80, 0x80, 0x80, 0x02, 0]  // rest: 1 client, 2^22 structs, clock 0
        #expect(throws: DecodingError.self) { try Update(v2: v2) }
        let small = UpdateDecodingLimits(maxBlocks: 10)
        v2[v2.count - 5 ..< v2.count - 1] = [0x0B, 0, 0, 0]
        #expect(throws: DecodingError.self) { try Update(v2: v2, limits: small) }
    }

    @Test("Deep Any nesting is rejected at the depth limit")
    func deepNesting() {
        var deep: [UInt8] = []
        for _ in 0 ..< 300 { deep += [117, 1] }
        deep.append(126)
        var reader = ByteReader(deep)
        #expect(throws: DecodingError.self) { try YAny(from: &reader) }
        var shallow = ByteReader([117, 1, 117, 1, 126])
        #expect((try? YAny(from: &shallow)) == .array([.array([.null])]))
    }

    @Test("Errors name the byte offset and what was expected")
    func errorMessages() {
        do {
            _ = try Update(v1: [1, 1, 5, 0, 0x04, 1, 4, 0x74, 0x65])
            Issue.record("expected an error")
        } catch {
            // The string length at byte 6 promises 4 bytes; only 2 follow.
            #expect(error.offset == 6)
            #expect(error.description.contains("byte 6"))
            #expect(error.description.contains("unexpected end"))
        }
        do {
            _ = try Update(v1: [1, 1, 5, 0, 0x0B])
            Issue.record("expected an error")
        } catch {
            #expect(error.reason == .unknownContentRef(11))
            #expect(error.offset == 4)
        }
    }
}
