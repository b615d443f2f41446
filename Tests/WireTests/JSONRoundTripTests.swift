import Testing
@testable import Wire

struct JSONRoundTripTests {
    /// A random JSON value with every case, exotic strings and numbers at their edges.
    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> JSONValue {
        let choice = Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            let edges: [Int64] = [0, -1, 255, Int64.max, Int64.min, 1 << 53]
            return .int(Bool.random(using: &generator)
                ? edges.randomElement(using: &generator) ?? 0 : Int64.random(in: -1_000_000...1_000_000, using: &generator))
        case 3:
            let bits = UInt64.random(in: 0...UInt64.max, using: &generator)
            let double = Double(bitPattern: bits)
            let edges: [Double] = [0.1, 1.0, -0.0, 1e16, 1e-5, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 1e21, 123.456]
            if double.isFinite, Bool.random(using: &generator) { return .double(double) }
            return .double(edges.randomElement(using: &generator) ?? 0)
        case 4:
            let pieces = ["a", "é", "😀", "\"", "\\", "\n", "\u{0}", "\u{1F}", "\u{7F}", "\u{2028}", "中", "/", " "]
            var string = ""
            for _ in 0..<Int.random(in: 0..<8, using: &generator) {
                string += pieces.randomElement(using: &generator) ?? ""
            }
            return .string(string)
        case 5:
            return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in
                randomValue(depth: depth + 1, using: &generator)
            })
        default:
            var object = JSONObject()
            for index in 0..<Int.random(in: 0..<5, using: &generator) {
                object["k\(index)\(Int.random(in: 0..<3, using: &generator))"] =
                    randomValue(depth: depth + 1, using: &generator)
            }
            return .object(object)
        }
    }

    @Test("Randomized values survive serialize then parse exactly, in both escaping modes")
    func randomRoundTrip() throws {
        var generator = SeededGenerator(seed: 0x7A4D_E550)
        for _ in 0..<500 {
            let value = Self.randomValue(depth: 0, using: &generator)
            #expect(try JSONValue(parsing: value.serializedBytes()) == value)
            #expect(try JSONValue(parsing: value.serializedBytes(options: .init(asciiOnly: true))) == value)
            let javascript = try JSONValue(parsing: value.serializedBytes(options: .init(numberStyle: .javascript)))
            #expect(javascript.isEquivalent(to: value))
        }
    }

    @Test("Serialize, parse, serialize is a fixed point for text produced elsewhere")
    func textFixedPoint() throws {
        let texts = [
            ##"{"document_id":"note:3f2a","update":[1,3,227,0],"data":{"content":{"md":"# T","json":null}}}"##,
            #"[{"_placeholder":true,"num":0},-1.5e-07,1e+16,"\u0001"]"#,
        ]
        for text in texts {
            #expect(try JSONValue(parsing: text).serialized() == text)
        }
    }
}
