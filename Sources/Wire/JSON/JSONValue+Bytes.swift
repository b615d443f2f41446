/// Byte arrays as JSON int arrays.
///
/// Open WebUI's collaboration client sends Yjs updates and awareness as `Array.from(uint8array)`, i.e. JSON arrays of
/// integers 0–255, and expects the same back (openwebui-protocol.md §3, §7). These helpers convert without
/// surprises: a non-integer or an out-of-range element is an error, never a silent truncation.
extension JSONValue {
    /// A JSON array of the given bytes as integers.
    public static func byteArray(_ bytes: [UInt8]) -> JSONValue {
        .array(bytes.map { .int(Int64($0)) })
    }

    /// The bytes of an int array whose elements are all integers in 0...255.
    ///
    /// Integral doubles such as `3.0` are accepted (Python and JS treat them as the same number).
    /// - Throws: ``JSONError`` `.typeMismatch` when this is not an array or an element is not a number,
    ///   `.byteOutOfRange` when an element is outside 0...255; the offset is the element index.
    public func bytes() throws(JSONError) -> [UInt8] {
        guard case .array(let elements) = self else { throw JSONError(.typeMismatch(expected: "array"), offset: 0) }
        var result: [UInt8] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            switch element {
            case .int(let value):
                guard let byte = UInt8(exactly: value) else { throw JSONError(.byteOutOfRange, offset: index) }
                result.append(byte)
            case .double(let value):
                guard let integer = Self.exactInt64(value), let byte = UInt8(exactly: integer) else {
                    throw JSONError(.byteOutOfRange, offset: index)
                }
                result.append(byte)
            default:
                throw JSONError(.typeMismatch(expected: "integer"), offset: index)
            }
        }
        return result
    }

    /// The bytes if this is a valid byte array (see ``bytes()``), else nil.
    public var byteArrayValue: [UInt8]? {
        try? self.bytes()
    }
}
