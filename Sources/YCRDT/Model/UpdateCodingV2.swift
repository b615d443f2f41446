/// Field placement of update format v2: nine run-length columns, then the rest (Yjs `UpdateDecoderV2`,
/// yjs-format.md §3.1). Column errors carry the column's name and offsets into the whole update.
struct V2FieldDecoder: UpdateFieldDecoder {
    var rest: ByteReader
    var keyClock: IntDiffOptRleDecoder
    var client: UintOptRleDecoder
    var leftClock: IntDiffOptRleDecoder
    var rightClock: IntDiffOptRleDecoder
    var info: RleByteDecoder
    var strings: StringColumnDecoder
    var parentInfo: RleByteDecoder
    var typeRef: UintOptRleDecoder
    var len: UintOptRleDecoder
    var keys: [String] = []
    var dsCurrVal: Clock = 0
    static var structsTakeRestBytes: Bool { false }
    let inputSize: Int

    init(_ bytes: ArraySlice<UInt8>) throws(DecodingError) {
        self.inputSize = bytes.count
        var reader = ByteReader(bytes)
        _ = try reader.readVarUInt()  // feature flag, currently unused
        func column(_ reader: inout ByteReader, _ name: String) throws(DecodingError) -> ByteReader {
            let start = reader.offset
            do {
                let slice = try reader.readVarBytes()
                return ByteReader(slice, baseOffset: start + (reader.offset - start - slice.count))
            } catch { throw DecodingError(error.reason, offset: error.offset, context: name) }
        }
        self.keyClock = IntDiffOptRleDecoder(try column(&reader, "v2 keyClock column"), column: "v2 keyClock column")
        self.client = UintOptRleDecoder(try column(&reader, "v2 client column"), column: "v2 client column")
        self.leftClock = IntDiffOptRleDecoder(try column(&reader, "v2 leftClock column"), column: "v2 leftClock column")
        self.rightClock = IntDiffOptRleDecoder(try column(&reader, "v2 rightClock column"), column: "v2 rightClock column")
        self.info = RleByteDecoder(try column(&reader, "v2 info column"), column: "v2 info column")
        self.strings = try StringColumnDecoder(try column(&reader, "v2 string column"))
        self.parentInfo = RleByteDecoder(try column(&reader, "v2 parentInfo column"), column: "v2 parentInfo column")
        self.typeRef = UintOptRleDecoder(try column(&reader, "v2 typeRef column"), column: "v2 typeRef column")
        self.len = UintOptRleDecoder(try column(&reader, "v2 len column"), column: "v2 len column")
        self.rest = reader
    }

    mutating func readClient() throws(DecodingError) -> ClientID { try self.client.read() }
    mutating func readInfo() throws(DecodingError) -> UInt8 { try self.info.read() }
    mutating func readLeftID() throws(DecodingError) -> ID { ID(client: try self.client.read(), clock: try self.leftClock.read()) }
    mutating func readRightID() throws(DecodingError) -> ID { ID(client: try self.client.read(), clock: try self.rightClock.read()) }
    mutating func readParentInfo() throws(DecodingError) -> Bool { try self.parentInfo.read() == 1 }
    mutating func readString() throws(DecodingError) -> YString { try self.strings.read() }
    mutating func readTypeRef() throws(DecodingError) -> UInt64 { try self.typeRef.read() }
    mutating func readLen() throws(DecodingError) -> UInt64 { try self.len.read() }
    mutating func readJSON() throws(DecodingError) -> JSONPayload { .any(try YAny(from: &self.rest)) }
    mutating func readKey() throws(DecodingError) -> String {
        let k = try self.keyClock.read()
        if k < UInt64(self.keys.count) { return self.keys[Int(k)] }
        let key = try self.strings.read().string
        self.keys.append(key)
        return key
    }
    mutating func resetDsCurVal() { self.dsCurrVal = 0 }
    mutating func readDsClock() throws(DecodingError) -> Clock {
        let at = self.rest.offset
        let d = try self.rest.readVarUInt()
        guard d <= maxClock - self.dsCurrVal else { throw DecodingError(.invalidValue("delete set clock exceeds 2^53 - 1"), offset: at, context: "delete set") }
        self.dsCurrVal += d
        return self.dsCurrVal
    }
    mutating func readDsLen() throws(DecodingError) -> Clock {
        let at = self.rest.offset
        let d = try self.rest.readVarUInt() + 1
        guard d <= maxClock - self.dsCurrVal else { throw DecodingError(.invalidValue("delete set length exceeds 2^53 - 1"), offset: at, context: "delete set") }
        self.dsCurrVal += d
        return d
    }
}

/// Field placement of update format v2 for writing (Yjs `UpdateEncoderV2`): keys are never reused, as in Yjs.
struct V2FieldEncoder: UpdateFieldEncoder {
    var rest = ByteWriter()
    var keyClockValue: UInt64 = 0
    var keyClock = IntDiffOptRleEncoder()
    var client = UintOptRleEncoder()
    var leftClock = IntDiffOptRleEncoder()
    var rightClock = IntDiffOptRleEncoder()
    var info = RleByteEncoder()
    var strings = StringColumnEncoder()
    var parentInfo = RleByteEncoder()
    var typeRef = UintOptRleEncoder()
    var len = UintOptRleEncoder()
    var dsCurrVal: Clock = 0

    mutating func writeClient(_ client: ClientID) { self.client.write(client) }
    mutating func writeInfo(_ info: UInt8) { self.info.write(info) }
    mutating func writeLeftID(_ id: ID) {
        self.client.write(id.client)
        self.leftClock.write(id.clock)
    }
    mutating func writeRightID(_ id: ID) {
        self.client.write(id.client)
        self.rightClock.write(id.clock)
    }
    mutating func writeParentInfo(_ isYKey: Bool) { self.parentInfo.write(isYKey ? 1 : 0) }
    mutating func writeString(_ s: YString) { self.strings.write(s) }
    mutating func writeString(_ s: String) { self.strings.write(s) }
    mutating func writeTypeRef(_ ref: UInt64) { self.typeRef.write(ref) }
    mutating func writeLen(_ len: UInt64) { self.len.write(len) }
    mutating func writeJSON(_ value: JSONPayload) { value.anyValue.encode(to: &self.rest) }
    mutating func writeKey(_ key: String) {
        self.keyClock.write(self.keyClockValue)
        self.keyClockValue += 1
        self.strings.write(key)
    }
    mutating func resetDsCurVal() { self.dsCurrVal = 0 }
    mutating func writeDsClock(_ clock: Clock) {
        if clock >= self.dsCurrVal {
            self.rest.writeVarUInt(clock - self.dsCurrVal)
        } else {
            // Unsorted ranges: lib0 writeVarUint of a negative number emits its low 7 bits.
            self.rest.write(UInt8(truncatingIfNeeded: 0 &- (self.dsCurrVal - clock)) & 0x7F)
        }
        self.dsCurrVal = clock
    }
    mutating func writeDsLen(_ len: Clock) {
        // A zero length cannot be written in v2 (Yjs throws); it is written as length 1.
        self.rest.writeVarUInt(len > 0 ? len - 1 : 0)
        self.dsCurrVal += len
    }

    consuming func finish() -> [UInt8] {
        var out = ByteWriter(capacity: self.rest.count + 64)
        out.writeVarUInt(0)
        out.writeVarBytes(self.keyClock.finish())
        out.writeVarBytes(self.client.finish())
        out.writeVarBytes(self.leftClock.finish())
        out.writeVarBytes(self.rightClock.finish())
        out.writeVarBytes(self.info.bytes)
        out.writeVarBytes(self.strings.finish())
        out.writeVarBytes(self.parentInfo.bytes)
        out.writeVarBytes(self.typeRef.finish())
        out.writeVarBytes(self.len.finish())
        out.write(bytes: self.rest.bytes)
        return out.bytes
    }
}

extension Update {
    /// Decodes a complete v2 update; trailing bytes in the rest stream are an error.
    /// - Throws: ``DecodingError`` naming the offset (and the column) and what was expected.
    public init(v2 bytes: [UInt8], limits: UpdateDecodingLimits = .default) throws(DecodingError) {
        try self.init(v2: bytes[...], limits: limits)
    }

    /// Decodes a complete v2 update from a slice.
    public init(v2 bytes: ArraySlice<UInt8>, limits: UpdateDecodingLimits = .default) throws(DecodingError) {
        var decoder = try V2FieldDecoder(bytes)
        try self.init(decoding: &decoder, limits: limits)
        try decoder.rest.expectEnd("update")
    }

    /// Encodes as v2.
    public func encodeV2() -> [UInt8] {
        var encoder = V2FieldEncoder()
        encoder.writeUpdate(self)
        return encoder.finish()
    }

    /// Converts between formats the way Yjs `convertUpdateFormatV1ToV2` / `…V2ToV1` do: every struct is re-encoded
    /// as Yjs's doc-less reader sees it (``Item/yjsReencoded``) and the delete set is regrouped.
    public func converted() -> Update {
        var out = BlockWriter()
        for b in self.blocks { out.write(b) }
        return Update(sections: out.sections, deleteSet: self.deleteSet.regrouped())
    }

    /// Converts encoded bytes from one format to another (Yjs `convertUpdateFormat…`). Converting to the same
    /// format re-encodes the decoded value, which gives identical bytes.
    public static func convert(
        _ bytes: ArraySlice<UInt8>, from: UpdateFormat, to: UpdateFormat, limits: UpdateDecodingLimits = .default
    ) throws(DecodingError) -> [UInt8] {
        let u = try Update(bytes: bytes, format: from, limits: limits)
        return from == to ? u.encoded(to) : u.converted().encoded(to)
    }
}
