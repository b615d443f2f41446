import Testing
@testable import Wire

struct JSONParserTests {
    @Test("Scalars parse to the exact case")
    func scalars() throws {
        #expect(try JSONValue(parsing: "null") == .null)
        #expect(try JSONValue(parsing: " true ") == .bool(true))
        #expect(try JSONValue(parsing: "false") == .bool(false))
        #expect(try JSONValue(parsing: "0") == .int(0))
        #expect(try JSONValue(parsing: "-0") == .int(0))
        #expect(try JSONValue(parsing: "42") == .int(42))
        #expect(try JSONValue(parsing: "9223372036854775807") == .int(Int64.max))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .int(Int64.min))
        #expect(try JSONValue(parsing: "9223372036854775808") == .double(9_223_372_036_854_775_808.0))
        #expect(try JSONValue(parsing: "1.0") == .double(1.0))
        #expect(try JSONValue(parsing: "1e2") == .double(100))
        #expect(try JSONValue(parsing: "-2.5E-3") == .double(-0.0025))
        #expect(try JSONValue(parsing: "0.1") == .double(0.1))
        #expect(try JSONValue(parsing: "\"hi\"") == .string("hi"))
    }

    @Test("Object key order is kept; a duplicate key keeps its place and takes the last value")
    func objectOrder() throws {
        let value = try JSONValue(parsing: #"{"b":1,"a":2,"c":{"z":[],"y":{}},"b":3}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == .int(3))
        #expect(value.serialized() == #"{"b":3,"a":2,"c":{"z":[],"y":{}}}"#)
    }

    @Test("String escapes, surrogate pairs and raw UTF-8")
    func strings() throws {
        #expect(try JSONValue(parsing: #""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try JSONValue(parsing: #""\u00e9\u20AC""#) == .string("é€"))
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue(parsing: "\"é😀\"") == .string("é😀"))
        // Lone surrogates (accepted by JS and Python) become U+FFFD.
        #expect(try JSONValue(parsing: #""\ud83dx""#) == .string("\u{FFFD}x"))
        #expect(try JSONValue(parsing: #""\ude00""#) == .string("\u{FFFD}"))
        #expect(try JSONValue(parsing: #""\ud83d\u0041""#) == .string("\u{FFFD}A"))
    }

    @Test(
        "Malformed input throws with an offset and never traps",
        arguments: [
            ("", JSONError.Kind.unexpectedEnd, 0),
            ("   ", .unexpectedEnd, 3),
            ("[1,]", .unexpectedByte(UInt8(ascii: "]")), 3),
            ("[1 2]", .unexpectedByte(UInt8(ascii: "2")), 3),
            ("{\"a\" 1}", .unexpectedByte(UInt8(ascii: "1")), 5),
            ("{a:1}", .unexpectedByte(UInt8(ascii: "a")), 1),
            ("{\"a\":1,}", .unexpectedByte(UInt8(ascii: "}")), 7),
            ("01", .trailingBytes, 1),
            ("1.", .invalidNumber, 2),
            (".5", .unexpectedByte(UInt8(ascii: ".")), 0),
            ("-", .invalidNumber, 1),
            ("1e", .invalidNumber, 2),
            ("+1", .unexpectedByte(UInt8(ascii: "+")), 0),
            ("1e400", .numberOutOfRange, 0),
            ("NaN", .unexpectedByte(UInt8(ascii: "N")), 0),
            ("tru", .unexpectedEnd, 3),
            ("nul1", .unexpectedByte(UInt8(ascii: "1")), 3),
            ("\"abc", .unexpectedEnd, 4),
            ("\"a\\x\"", .invalidEscape, 2),
            ("\"\\u12G4\"", .invalidEscape, 1),
            ("\"\\u12", .unexpectedEnd, 5),
            ("\"a\tb\"", .controlCharacterInString, 2),
            ("[1] x", .trailingBytes, 4),
            ("\u{FEFF}1", .unexpectedByte(0xEF), 0),
            ("// c\n1", .unexpectedByte(UInt8(ascii: "/")), 0),
        ] as [(String, JSONError.Kind, Int)]
    )
    func malformed(_ input: String, _ kind: JSONError.Kind, _ offset: Int) {
        #expect(throws: JSONError(kind, offset: offset)) { try JSONValue(parsing: input) }
    }

    @Test("Compact int arrays (the byte-array fast path) parse like the generic path at every boundary")
    func compactIntArrays() throws {
        #expect(try JSONValue(parsing: "[0,1,9,10,99,100,255]") == [0, 1, 9, 10, 99, 100, 255])
        #expect(try JSONValue(parsing: "[256,1000,1234]") == [256, 1000, 1234])
        #expect(try JSONValue(parsing: "[1, 2]") == [1, 2])
        #expect(try JSONValue(parsing: "[1,2.5,-3]") == [1, 2.5, -3])
        #expect(try JSONValue(parsing: "[[1,2],[3]]") == [[1, 2], [3]])
        #expect(throws: JSONError(.unexpectedByte(UInt8(ascii: "1")), offset: 2)) { try JSONValue(parsing: "[01]") }
        #expect(throws: JSONError(.unexpectedByte(UInt8(ascii: "]")), offset: 3)) { try JSONValue(parsing: "[1,]") }
        #expect(throws: JSONError(.unexpectedEnd, offset: 4)) { try JSONValue(parsing: "[1,2") }
        #expect(throws: JSONError(.unexpectedEnd, offset: 3)) { try JSONValue(parsing: "[12") }
    }

    @Test("Invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONError(.invalidUTF8, offset: 1)) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError(.invalidUTF8, offset: 1)) {
            try JSONValue(parsing: [0x22, 0x5C, 0x6E, 0xFF, 0x22])
        }
    }

    @Test("Depth and input size limits are enforced before the work they bound")
    func limits() throws {
        let limits = JSONParser.Limits(maxDepth: 3, maxInputBytes: 16)
        #expect(try JSONValue(parsing: "[[[1]]]", limits: limits) == [[[1]]])
        #expect(throws: JSONError(.depthExceeded(limit: 3), offset: 3)) {
            try JSONValue(parsing: "[[[[1]]]]", limits: limits)
        }
        #expect(throws: JSONError(.inputTooLarge(size: 17, limit: 16), offset: 0)) {
            try JSONValue(parsing: "[1,2,3,4,5,6,7,8]", limits: limits)
        }
        // Very deep input with the default limit throws instead of overflowing the stack.
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONError(.depthExceeded(limit: 256), offset: 256)) { try JSONValue(parsing: deep) }
    }

    @Test("Parsing from an offset reports offsets into the whole buffer")
    func offsetParsing() throws {
        let packet = Array("42[\"ev\",{\"a\":1}]".utf8)
        #expect(try JSONParser.parse(packet, from: 2) == ["ev", ["a": 1]])
        let broken = Array("42[\"ev\",{\"a\":}]".utf8)
        #expect(throws: JSONError(.unexpectedByte(UInt8(ascii: "}")), offset: 13)) {
            try JSONParser.parse(broken, from: 2)
        }
    }

    @Test("Random bytes and every truncation of valid JSON throw or parse, never trap")
    func fuzz() throws {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        let valid = Array(#"{"a":[1,-2.5e3,"x\u00e9\ud83d\ude00",true,null,{"b":{}}],"c":"\n"}"#.utf8)
        for cut in 0...valid.count {
            _ = try? JSONValue(parsing: Array(valid[0..<cut]))
        }
        let alphabet = Array("{}[]:,\"\\u0123456789-+.eEtrufalsn \t\né".utf8)
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<40, using: &generator)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                if Bool.random(using: &generator) {
                    bytes.append(alphabet.randomElement(using: &generator) ?? 0)
                } else {
                    bytes.append(UInt8.random(in: 0...255, using: &generator))
                }
            }
            if let value = try? JSONValue(parsing: bytes) {
                #expect(try JSONValue(parsing: value.serializedBytes()) == value)
            }
        }
    }
}

/// Issue 19: JSON object keys are byte strings, as in JS and Python.
struct JSONObjectKeyTests {
    @Test("Keys differing only by Unicode normalisation are two keys")
    func normalisation() throws {
        let nfc = "caf\u{E9}"
        let nfd = "cafe\u{301}"
        let object = try #require(try JSONValue(parsing: Array(#"{"caf\u00e9":1,"cafe\u0301":2}"#.utf8)).objectValue)
        #expect(object.count == 2)
        #expect(object[nfc] == .int(1) && object[nfd] == .int(2))
        var edited = object
        edited[nfc] = nil
        #expect(edited.count == 1 && edited[nfd] == .int(2) && edited[nfc] == nil)
        #expect(JSONObject([(nfc, .int(1))]) != JSONObject([(nfd, .int(1))]))
        #expect(JSONObject([(nfc, .int(1))]) == JSONObject([("caf\u{E9}", .int(1))]))
    }
}
