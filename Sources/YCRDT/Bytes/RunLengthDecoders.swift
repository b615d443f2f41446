/// lib0 `RleDecoder` over bytes: a value byte, then (if more bytes follow) `varUint(count − 1)`; the last run
/// repeats forever. Used for the v2 info and parentInfo columns (yjs-format.md §3.2).
struct RleByteDecoder {
    var reader: ByteReader
    var value: UInt8 = 0
    var count: UInt64 = 0
    var forever = false
    let column: String

    init(_ reader: ByteReader, column: String) {
        self.reader = reader
        self.column = column
    }

    mutating func read() throws(DecodingError) -> UInt8 {
        if self.count == 0 && !self.forever {
            do {
                self.value = try self.reader.readUInt8()
                if self.reader.isAtEnd {
                    self.forever = true
                } else {
                    self.count = try self.reader.readVarUInt() + 1
                }
            } catch { throw self.annotate(error) }
        }
        if !self.forever { self.count -= 1 }
        return self.value
    }

    func annotate(_ e: DecodingError) -> DecodingError { DecodingError(e.reason, offset: e.offset, context: self.column) }
}

/// lib0 `UintOptRleDecoder`: `varInt(v)` for a single value, or `varInt(−v)` (negative zero for 0) followed by
/// `varUint(count − 2)` for a run. Used for the client, typeRef and len columns and the string lengths.
struct UintOptRleDecoder {
    var reader: ByteReader
    var value: UInt64 = 0
    var count: UInt64 = 0
    let column: String

    init(_ reader: ByteReader, column: String) {
        self.reader = reader
        self.column = column
    }

    mutating func read() throws(DecodingError) -> UInt64 {
        if self.count == 0 {
            do {
                let (magnitude, negative) = try self.reader.readVarIntWithSign()
                self.value = magnitude
                self.count = negative ? try self.reader.readVarUInt() + 2 : 1
            } catch { throw DecodingError(error.reason, offset: error.offset, context: self.column) }
        }
        self.count -= 1
        return self.value
    }
}

/// lib0 `IntDiffOptRleDecoder`: runs of equal differences, `varInt(diff·2 + hasCount)` then `varUint(count − 2)`
/// when `hasCount`. Used for the keyClock, leftClock and rightClock columns. Values must stay within 0…2^53 − 1.
struct IntDiffOptRleDecoder {
    var reader: ByteReader
    var value: Int64 = 0
    var diff: Int64 = 0
    var count: UInt64 = 0
    let column: String

    init(_ reader: ByteReader, column: String) {
        self.reader = reader
        self.column = column
    }

    mutating func read() throws(DecodingError) -> UInt64 {
        let at = self.reader.offset
        if self.count == 0 {
            do {
                let (magnitude, negative) = try self.reader.readVarIntWithSign()
                let v = negative ? -Int64(magnitude) : Int64(magnitude)
                self.diff = v >> 1
                self.count = magnitude & 1 == 1 ? try self.reader.readVarUInt() + 2 : 1
            } catch { throw DecodingError(error.reason, offset: error.offset, context: self.column) }
        }
        self.value += self.diff
        guard self.value >= 0, self.value <= Int64(ByteReader.maxSafeInteger) else {
            throw DecodingError(.invalidValue("value out of range 0...2^53-1"), offset: at, context: self.column)
        }
        self.count -= 1
        return UInt64(self.value)
    }
}

/// lib0 `StringDecoder`: one varString holding every string joined, then a ``UintOptRleDecoder`` of their
/// lengths in UTF-16 units (yjs-format.md §3.2; slicing by UTF-16, not bytes — y-crdt#124).
///
/// A length that ends inside a surrogate pair gives U+FFFD for both halves (a Swift string cannot hold a lone
/// surrogate; lib0 would write U+FFFD for one anyway).
struct StringColumnDecoder {
    let joined: ArraySlice<UInt8>
    let ascii: Bool
    var lengths: UintOptRleDecoder
    var bytePosition: Int
    var midPair = false
    let baseOffset: Int

    init(_ column: ByteReader) throws(DecodingError) {
        var reader = column
        let start = reader.offset
        do {
            let (bytes, units) = try reader.readVarStringBytes()
            self.joined = bytes
            self.ascii = bytes.count == units
        } catch { throw DecodingError(error.reason, offset: error.offset, context: "v2 string column") }
        self.baseOffset = start
        self.bytePosition = self.joined.startIndex
        self.lengths = UintOptRleDecoder(reader, column: "v2 string lengths")
    }

    mutating func read() throws(DecodingError) -> YString {
        let at = self.lengths.reader.offset
        let n = try self.lengths.read()
        let end = self.joined.endIndex
        if self.ascii && !self.midPair {
            guard n <= UInt64(end - self.bytePosition) else {
                throw DecodingError(.invalidValue("string length \(n) beyond the joined string"), offset: at, context: "v2 string lengths")
            }
            let s = self.joined[self.bytePosition ..< self.bytePosition + Int(n)]
            self.bytePosition += Int(n)
            return YString(validatedUTF8: s, utf16Count: Int(n))
        }
        var remaining = n
        var prefix: [UInt8] = []
        var usedPrefix = false
        if self.midPair && remaining > 0 {
            prefix = [0xEF, 0xBF, 0xBD]
            usedPrefix = true
            self.bytePosition += 4
            self.midPair = false
            remaining -= 1
        }
        let start = self.bytePosition
        var i = start
        var suffixReplacement = false
        while remaining > 0 {
            guard i < end else {
                throw DecodingError(.invalidValue("string length \(n) beyond the joined string"), offset: at, context: "v2 string lengths")
            }
            let b = self.joined[i]
            let width = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            if width == 4 {
                if remaining == 1 {
                    suffixReplacement = true
                    self.midPair = true
                    remaining = 0
                    break
                }
                remaining -= 2
            } else {
                remaining -= 1
            }
            i += width
        }
        self.bytePosition = i
        if !usedPrefix && !suffixReplacement {
            return YString(validatedUTF8: self.joined[start ..< i], utf16Count: Int(n))
        }
        var bytes = prefix + Array(self.joined[start ..< i])
        if suffixReplacement { bytes += [0xEF, 0xBF, 0xBD] }
        return YString(validatedUTF8: bytes[...], utf16Count: Int(n))
    }
}
