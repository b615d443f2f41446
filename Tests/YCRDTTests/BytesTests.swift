import Testing
@testable import YCRDT

@Suite("lib0 primitives, Any and JavaScript JSON")
struct BytesTests {
    @Test("varUint boundaries round-trip and values above 2^53 - 1 are rejected",
          arguments: [UInt64(0), 127, 128, 16_383, 16_384, 4_294_967_295, 182_476_973_021_437, 9_007_199_254_740_991] as [UInt64])
    func varUIntBoundaries(_ value: UInt64) throws {
        var w = ByteWriter()
        w.writeVarUInt(value)
        var r = ByteReader(w.bytes)
        #expect(try r.readVarUInt() == value)
        #expect(r.isAtEnd)
    }

    @Test("varUint overflow and truncation throw with offsets")
    func varUIntErrors() {
        var big = ByteWriter()
        big.writeVarUInt(UInt64(1) << 53)
        var r = ByteReader(big.bytes)
        #expect(throws: DecodingError(.varIntOverflow, offset: 0)) { try r.readVarUInt() }
        var t = ByteReader([0x80, 0x80])
        #expect(throws: DecodingError(.unexpectedEnd(needed: 1), offset: 2)) { try t.readVarUInt() }
    }

    @Test("varInt uses sign bit 0x40 and keeps negative zero")
    func varIntSign() throws {
        func enc(_ m: UInt64, _ neg: Bool) -> [UInt8] {
            var w = ByteWriter()
            w.writeVarInt(magnitude: m, negative: neg)
            return w.bytes
        }
        #expect(enc(5, false) == [0x05])
        #expect(enc(5, true) == [0x45])
        #expect(enc(64, true) == [0xC0, 0x01])
        #expect(enc(0, true) == [0x40])
        var r = ByteReader([0x40, 0xC0, 0x01])
        let z = try r.readVarIntWithSign()
        #expect(z.magnitude == 0 && z.negative)
        #expect(try r.readVarInt() == -64)
    }

    @Test("Invalid UTF-8 is rejected and a BOM is kept")
    func utf8() throws {
        #expect(UTF8Validation.utf16Count([0xED, 0xA0, 0x80]) == nil)  // encoded surrogate
        #expect(UTF8Validation.utf16Count([0xC0, 0x80]) == nil)  // overlong
        #expect(UTF8Validation.utf16Count([0xF0, 0x9F, 0x98, 0x80]) == 2)
        var r = ByteReader([3, 0xEF, 0xBB, 0xBF])
        #expect(try r.readVarString() == "\u{FEFF}")
    }

    @Test("Any round-trips every tag with big-endian floats")
    func anyRoundTrip() throws {
        let value: YAny = .object([
            ("u", .undefined), ("n", .null), ("i", .integer(-42)), ("z", .negativeZero), ("f", .float32(0.5)),
            ("d", .float64(0.1)), ("b", .bigint(-5)), ("t", .bool(true)), ("s", .string("ß😀")),
            ("a", .array([.bool(false)])), ("y", .bytes([1, 2])),
        ])
        var w = ByteWriter()
        value.encode(to: &w)
        var r = ByteReader(w.bytes)
        #expect(try YAny(from: &r) == value)
        var f = ByteWriter()
        YAny.float64(1).encode(to: &f)
        #expect(f.bytes == [123, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0])
    }

    @Test("YAny.number picks lib0's tags")
    func numberTags() {
        #expect(YAny.number(42) == .integer(42))
        #expect(YAny.number(-0.0) == .negativeZero)
        #expect(YAny.number(4_294_967_296) == .float32(4_294_967_296))
        #expect(YAny.number(0.1) == .float64(0.1))
        #expect(YAny.number(1.5) == .float32(1.5))
    }

    @Test("JSON.stringify number formatting matches JavaScript",
          arguments: [(1.0, "1"), (0.1, "0.1"), (1e21, "1e+21"), (1e-7, "1e-7"), (1.2345678901234568e20, "123456789012345680000"),
                      (-0.000001, "-0.000001"), (2.5e-8, "2.5e-8"), (1.7976931348623157e308, "1.7976931348623157e+308")])
    func numberStrings(_ pair: (Double, String)) {
        #expect(JavaScriptJSON.numberString(pair.0) == pair.1)
    }

    @Test("JSON.parse then stringify normalises like JavaScript")
    func jsonNormalisation() {
        let parsed = JavaScriptJSON.parse(#"{"b": 1.0, "1": [true, null, "\u00e9\n"], "a": -0}"#)
        #expect(parsed.map(JavaScriptJSON.stringify) == #"{"1":[true,null,"é\n"],"b":1,"a":0}"#)
        #expect(JavaScriptJSON.parse("[1,]") == nil)
        #expect(JavaScriptJSON.stringify(.array([.undefined, .bytes([7])])) == #"[null,{"0":7}]"#)
    }

    @Test("Splitting a string inside a surrogate pair gives U+FFFD on both sides (yjs#248)")
    func surrogateSplit() {
        let s = YString("a😀b")
        #expect(s.utf16Count == 4)
        let (l, r) = s.split(at: 2)
        #expect(l.string == "a\u{FFFD}" && l.utf16Count == 2)
        #expect(r.string == "\u{FFFD}b" && r.utf16Count == 2)
        let (l2, r2) = s.split(at: 3)
        #expect(l2.string == "a😀" && r2.string == "b")
    }

    @Test("Delete sets normalise like Yjs sortAndMergeDeleteSet and state vectors keep order")
    func deleteSetAndStateVector() throws {
        let a = DeleteSet(entries: [.init(client: 1, ranges: [.init(clock: 5, length: 2), .init(clock: 0, length: 3)])])
        let b = DeleteSet(entries: [.init(client: 9, ranges: [.init(clock: 1, length: 1)]), .init(client: 1, ranges: [.init(clock: 3, length: 2)])])
        let m = DeleteSet.merged([a, b])
        #expect(m.entries.map(\.client) == [9, 1])
        #expect(m.entries[1].ranges == [.init(clock: 0, length: 7)])
        let sv = StateVector([(3, 10), (7, 2)])
        #expect(sv.encoded() == [2, 3, 10, 7, 2])
        #expect(try StateVector(bytes: sv.encoded()) == sv)
        #expect(sv.sortedDescending().encoded() == [2, 7, 2, 3, 10])
    }
}
