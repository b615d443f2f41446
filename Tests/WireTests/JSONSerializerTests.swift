import Testing
@testable import Wire

struct JSONSerializerTests {
    @Test(
        "Doubles print like Python repr by default",
        arguments: [
            (1.0, "1.0"), (0.1, "0.1"), (1e16, "1e+16"), (9.5e15, "9500000000000000.0"), (1e-05, "1e-05"),
            (0.0001, "0.0001"), (1.5e-7, "1.5e-07"), (1e100, "1e+100"), (-0.0, "-0.0"), (Double.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (123456.789, "123456.789"), (2.5, "2.5"),
            (-3.25, "-3.25"),
        ] as [(Double, String)]
    )
    func pythonDoubles(_ value: Double, _ expected: String) {
        #expect(JSONValue.double(value).serialized() == expected)
    }

    @Test(
        "Doubles print like JS Number toString on request",
        arguments: [
            (1.0, "1"), (0.1, "0.1"), (1e16, "10000000000000000"), (1e-5, "0.00001"), (1e-6, "0.000001"),
            (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (1e100, "1e+100"), (-0.0, "0"), (1e21, "1e+21"),
            (123456.789, "123456.789"),
        ] as [(Double, String)]
    )
    func javascriptDoubles(_ value: Double, _ expected: String) {
        let options = JSONSerializer.Options(numberStyle: .javascript)
        #expect(JSONValue.double(value).serialized(options: options) == expected)
    }

    @Test("Integers print without a fraction; non-finite doubles print null")
    func integers() {
        #expect(JSONValue.int(0).serialized() == "0")
        #expect(JSONValue.int(-42).serialized() == "-42")
        #expect(JSONValue.int(Int64.min).serialized() == "-9223372036854775808")
        #expect(JSONValue.double(.infinity).serialized() == "null")
        #expect(JSONValue.double(.nan).serialized() == "null")
    }

    @Test("Strings escape like JS by default and like Python's ensure_ascii on request")
    func strings() {
        let value: JSONValue = ["a": "é\u{2028}\u{7F}\u{1}😀\"\\/\n\t\u{8}\u{C}\r"]
        #expect(value.serialized() == "{\"a\":\"é\u{2028}\u{7F}\\u0001😀\\\"\\\\/\\n\\t\\b\\f\\r\"}")
        #expect(
            value.serialized(options: .init(asciiOnly: true))
                == #"{"a":"\u00e9\u2028\u007f\u0001\ud83d\ude00\"\\/\n\t\b\f\r"}"#
        )
    }

    @Test("Compact separators and key order, matching python-socketio output")
    func compact() {
        let value: JSONValue = ["id": "u1", "name": "Ann", "list": [1, 2.5, nil, true], "empty": [:]]
        #expect(value.serialized() == #"{"id":"u1","name":"Ann","list":[1,2.5,null,true],"empty":{}}"#)
    }

    @Test("Byte arrays: fast writer, conversion both ways, range checks")
    func byteArrays() throws {
        let bytes: [UInt8] = [0, 1, 9, 10, 99, 100, 255]
        var serializer = JSONSerializer()
        serializer.writeByteArray(bytes)
        #expect(String(decoding: serializer.bytes, as: UTF8.self) == "[0,1,9,10,99,100,255]")
        #expect(JSONValue.byteArray(bytes).serialized() == "[0,1,9,10,99,100,255]")
        #expect(try JSONValue(parsing: "[0,1,9,10,99,100,255]").bytes() == bytes)
        #expect(try JSONValue(parsing: "[1.0, 2]").bytes() == [1, 2])
        #expect(try JSONValue(parsing: "[]").bytes() == [])
        #expect(throws: JSONError(.byteOutOfRange, offset: 1)) { try JSONValue(parsing: "[1,256]").bytes() }
        #expect(throws: JSONError(.byteOutOfRange, offset: 0)) { try JSONValue(parsing: "[-1]").bytes() }
        #expect(throws: JSONError(.byteOutOfRange, offset: 0)) { try JSONValue(parsing: "[1.5]").bytes() }
        #expect(throws: JSONError(.typeMismatch(expected: "integer"), offset: 2)) {
            try JSONValue(parsing: #"[1,2,"3"]"#).bytes()
        }
        #expect(throws: JSONError(.typeMismatch(expected: "array"), offset: 0)) { try JSONValue.string("x").bytes() }
        #expect(JSONValue.null.byteArrayValue == nil)
    }

    @Test("Accessors and semantic equivalence")
    func accessors() throws {
        let value = try JSONValue(parsing: #"{"a":[1,2.0,"s"],"b":{"c":true}}"#)
        #expect(value["a"]?[0]?.intValue == 1)
        #expect(value["a"]?[1]?.intValue == 2)
        #expect(value["a"]?[5] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["b"]?["c"]?.boolValue == true)
        #expect(value["zz"] == nil)
        let reordered = try JSONValue(parsing: #"{"b":{"c":true},"a":[1.0,2,"s"]}"#)
        #expect(value != reordered)
        #expect(value.isEquivalent(to: reordered))
        var object = JSONObject()
        object["x"] = 1
        object["y"] = 2
        object["z"] = 3
        object["x"] = nil
        #expect(object.keys == ["y", "z"])
        #expect(object["z"] == 3)
    }
}
