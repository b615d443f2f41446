/// lib0 `RleEncoder(writeUint8)`: the counterpart of ``RleByteDecoder`` (the last run's count is never written).
struct RleByteEncoder {
    var writer = ByteWriter()
    var value: UInt8? = nil
    var count: UInt64 = 0

    mutating func write(_ v: UInt8) {
        if self.value == v {
            self.count += 1
        } else {
            if self.count > 0 { self.writer.writeVarUInt(self.count - 1) }
            self.count = 1
            self.writer.write(v)
            self.value = v
        }
    }

    var bytes: [UInt8] { self.writer.bytes }
}

/// lib0 `UintOptRleEncoder`: the counterpart of ``UintOptRleDecoder``.
struct UintOptRleEncoder {
    var writer = ByteWriter()
    var value: UInt64 = 0
    var count: UInt64 = 0

    mutating func write(_ v: UInt64) {
        if self.value == v {
            self.count += 1
        } else {
            self.flush()
            self.count = 1
            self.value = v
        }
    }

    mutating func flush() {
        guard self.count > 0 else { return }
        self.writer.writeVarInt(magnitude: self.value, negative: self.count != 1)
        if self.count > 1 { self.writer.writeVarUInt(self.count - 2) }
    }

    consuming func finish() -> [UInt8] {
        self.flush()
        return self.writer.bytes
    }
}

/// lib0 `IntDiffOptRleEncoder`: the counterpart of ``IntDiffOptRleDecoder``.
struct IntDiffOptRleEncoder {
    var writer = ByteWriter()
    var value: Int64 = 0
    var diff: Int64 = 0
    var count: UInt64 = 0

    mutating func write(_ v: UInt64) {
        let x = Int64(truncatingIfNeeded: v)
        if self.diff == x &- self.value {
            self.value = x
            self.count += 1
        } else {
            self.flush()
            self.count = 1
            self.diff = x &- self.value
            self.value = x
        }
    }

    mutating func flush() {
        guard self.count > 0 else { return }
        self.writer.writeVarInt(self.diff &* 2 &+ (self.count == 1 ? 0 : 1))
        if self.count > 1 { self.writer.writeVarUInt(self.count - 2) }
    }

    consuming func finish() -> [UInt8] {
        self.flush()
        return self.writer.bytes
    }
}

/// lib0 `StringEncoder`: all strings joined into one varString, then a ``UintOptRleEncoder`` of their UTF-16 lengths.
struct StringColumnEncoder {
    var joined: [UInt8] = []
    var lengths = UintOptRleEncoder()

    mutating func write(_ s: YString) {
        self.joined.append(contentsOf: s.utf8)
        self.lengths.write(UInt64(s.utf16Count))
    }

    mutating func write(_ s: String) {
        self.joined.append(contentsOf: s.utf8)
        self.lengths.write(UInt64(s.utf16.count))
    }

    consuming func finish() -> [UInt8] {
        var w = ByteWriter(capacity: self.joined.count + 8)
        w.writeVarBytes(self.joined)
        w.write(bytes: self.lengths.finish())
        return w.bytes
    }
}
