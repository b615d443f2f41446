/// Field placement of update format v1: every field in one byte stream (Yjs `UpdateDecoderV1`).
struct V1FieldDecoder: UpdateFieldDecoder {
    var rest: ByteReader
    static var structsTakeRestBytes: Bool { true }
    var inputSize: Int { self.rest.bytes.count }

    init(_ reader: ByteReader) { self.rest = reader }

    @inline(__always) mutating func readClient() throws(DecodingError) -> ClientID { try self.rest.readVarUInt() }
    @inline(__always) mutating func readInfo() throws(DecodingError) -> UInt8 { try self.rest.readUInt8() }
    @inline(__always) mutating func readLeftID() throws(DecodingError) -> ID {
        ID(client: try self.rest.readVarUInt(), clock: try self.rest.readVarUInt())
    }
    @inline(__always) mutating func readRightID() throws(DecodingError) -> ID { try self.readLeftID() }
    mutating func readParentInfo() throws(DecodingError) -> Bool { try self.rest.readVarUInt() == 1 }
    @inline(__always) mutating func readString() throws(DecodingError) -> YString {
        let (bytes, count) = try self.rest.readVarStringBytes()
        return YString(validatedUTF8: bytes, utf16Count: count)
    }
    mutating func readTypeRef() throws(DecodingError) -> UInt64 { try self.rest.readVarUInt() }
    @inline(__always) mutating func readLen() throws(DecodingError) -> UInt64 { try self.rest.readVarUInt() }
    mutating func readJSON() throws(DecodingError) -> JSONPayload {
        let at = self.rest.offset
        let text = try self.rest.readVarString()
        guard JavaScriptJSON.parse(text) != nil else {
            throw DecodingError(.invalidValue("embed/format value is not JSON"), offset: at, context: "JSON value")
        }
        return .text(text)
    }
    mutating func readKey() throws(DecodingError) -> String { try self.rest.readVarString() }
    mutating func resetDsCurVal() {}
    @inline(__always) mutating func readDsClock() throws(DecodingError) -> Clock { try self.rest.readVarUInt() }
    @inline(__always) mutating func readDsLen() throws(DecodingError) -> Clock { try self.rest.readVarUInt() }
}

/// Field placement of update format v1 for writing (Yjs `UpdateEncoderV1`).
struct V1FieldEncoder: UpdateFieldEncoder {
    var rest: ByteWriter

    init(capacity: Int = 0) { self.rest = ByteWriter(capacity: capacity) }

    @inline(__always) mutating func writeClient(_ client: ClientID) { self.rest.writeVarUInt(client) }
    @inline(__always) mutating func writeInfo(_ info: UInt8) { self.rest.write(info) }
    @inline(__always) mutating func writeLeftID(_ id: ID) {
        self.rest.writeVarUInt(id.client)
        self.rest.writeVarUInt(id.clock)
    }
    @inline(__always) mutating func writeRightID(_ id: ID) { self.writeLeftID(id) }
    mutating func writeParentInfo(_ isYKey: Bool) { self.rest.write(isYKey ? 1 : 0) }
    @inline(__always) mutating func writeString(_ s: YString) { self.rest.writeVarBytes(s.utf8) }
    mutating func writeString(_ s: String) { self.rest.writeVarString(s) }
    mutating func writeTypeRef(_ ref: UInt64) { self.rest.writeVarUInt(ref) }
    @inline(__always) mutating func writeLen(_ len: UInt64) { self.rest.writeVarUInt(len) }
    mutating func writeJSON(_ value: JSONPayload) { self.rest.writeVarString(value.jsonText) }
    mutating func writeKey(_ key: String) { self.rest.writeVarString(key) }
    mutating func resetDsCurVal() {}
    @inline(__always) mutating func writeDsClock(_ clock: Clock) { self.rest.writeVarUInt(clock) }
    @inline(__always) mutating func writeDsLen(_ len: Clock) { self.rest.writeVarUInt(len) }
    consuming func finish() -> [UInt8] { self.rest.bytes }
}
