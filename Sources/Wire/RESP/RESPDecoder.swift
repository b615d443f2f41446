/// An incremental RESP2/RESP3 decoder: feed bytes as they arrive, pop complete values, never trap.
///
/// A TCP read can stop anywhere, so the decoder keeps the aggregates it has opened (a stack of partial arrays, maps,
/// sets and pushes) and only re-reads the header of a bulk string whose payload has not fully arrived. Every limit is
/// checked as soon as the header that announces a size is read, before anything is allocated or awaited
/// (Redis serialization protocol specification, https://redis.io/docs/latest/develop/reference/protocol-spec/).
///
/// RESP3 attributes (`|`) are read and dropped, so the value they annotate comes back alone.
public struct RESPDecoder: Sendable {
    /// Decoder limits; each is checked before the work it bounds.
    public struct Limits: Sendable, Equatable {
        /// Largest bulk string (or bulk error, or verbatim string) payload. Default 512 MiB, Redis's own
        /// `proto-max-bulk-len`, so any value Redis can store can be read back.
        public var maxBulkLength: Int
        /// Most elements in one aggregate (a map counts its pairs). Default 16 Mi: `KEYS`/`LRANGE` on big data sets
        /// return millions; memory stays bounded by the bytes actually received, since capacity is never reserved
        /// from the announced count beyond ``reserveLimit``.
        public var maxArrayElements: Int
        /// Deepest nesting of aggregates. Default 32: Redis replies nest at most a few levels (`XREAD`,
        /// `CLUSTER SLOTS`, Lua tables).
        public var maxDepth: Int
        /// Longest line (simple string, error, integer, header) without its CRLF. Default 64 KiB, Redis's
        /// `PROTO_INLINE_MAX_SIZE`.
        public var maxLineLength: Int

        public init(
            maxBulkLength: Int = 512 << 20, maxArrayElements: Int = 16 << 20, maxDepth: Int = 32,
            maxLineLength: Int = 64 << 10
        ) {
            self.maxBulkLength = maxBulkLength
            self.maxArrayElements = maxArrayElements
            self.maxDepth = maxDepth
            self.maxLineLength = maxLineLength
        }

        /// The defaults.
        public static let `default` = Limits()
    }

    /// Most element slots reserved up front for an announced aggregate, whatever count it announces.
    static let reserveLimit = 1024

    private enum AggregateKind { case array, set, push, map, attribute }

    /// An aggregate whose elements are still arriving.
    private struct Frame {
        var kind: AggregateKind
        var remaining: Int
        var elements: [RESPValue]
    }

    private let limits: Limits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var discarded = 0
    private var stack: [Frame] = []
    private var failure: RESPError?

    /// Creates a decoder with `limits`.
    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a complete value or an opened aggregate header.
    public var bufferedByteCount: Int { self.buffer.count - self.readIndex }

    /// Whether the decoder is in the middle of a value (bytes buffered or an aggregate open).
    public var hasPartialValue: Bool { self.bufferedByteCount > 0 || !self.stack.isEmpty }

    /// Appends bytes read from the connection.
    public mutating func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        guard self.failure == nil else { return }
        self.buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete top-level value, or nil when more bytes are needed.
    ///
    /// - Throws: the first ``RESPError`` found; every later call throws it again.
    public mutating func next() throws(RESPError) -> RESPValue? {
        if let failure = self.failure { throw failure }
        do {
            let value = try self.parse()
            self.compact()
            return value
        } catch {
            self.failure = error
            self.buffer = []
            self.readIndex = 0
            self.stack = []
            throw error
        }
    }

    /// Drains every complete value currently buffered.
    public mutating func nextAll() throws(RESPError) -> [RESPValue] {
        var values: [RESPValue] = []
        while let value = try self.next() { values.append(value) }
        return values
    }

    private enum Step {
        case value(RESPValue)
        case opened
    }

    private mutating func parse() throws(RESPError) -> RESPValue? {
        while true {
            guard let step = try self.parseOne() else { return nil }
            guard case .value(var completed) = step else { continue }
            while true {
                guard var top = self.stack.popLast() else { return completed }
                top.elements.append(completed)
                top.remaining -= 1
                guard top.remaining == 0 else {
                    self.stack.append(top)
                    break
                }
                guard let value = Self.build(top) else { break }  // an attribute: drop it, read what it annotates
                completed = value
            }
        }
    }

    private static func build(_ frame: Frame) -> RESPValue? {
        switch frame.kind {
        case .array: return .array(frame.elements)
        case .set: return .set(frame.elements)
        case .push: return .push(frame.elements)
        case .attribute: return nil
        case .map:
            var pairs: [RESPPair] = []
            pairs.reserveCapacity(frame.elements.count / 2)
            var index = 0
            while index + 1 < frame.elements.count {
                pairs.append(RESPPair(key: frame.elements[index], value: frame.elements[index + 1]))
                index += 2
            }
            return .map(pairs)
        }
    }

    /// Reads one scalar or one aggregate header; nil when the bytes for it have not all arrived.
    private mutating func parseOne() throws(RESPError) -> Step? {
        guard let (lineEnd, next) = try self.findLine() else { return nil }
        let start = self.readIndex
        let type = self.buffer[start]
        let line = start + 1..<lineEnd
        let offset = self.discarded + start
        switch type {
        case UInt8(ascii: "+"):
            self.readIndex = next
            return .value(.simpleString(String(decoding: self.buffer[line], as: UTF8.self)))
        case UInt8(ascii: "-"):
            self.readIndex = next
            return .value(.error(String(decoding: self.buffer[line], as: UTF8.self)))
        case UInt8(ascii: ":"):
            let number = try self.integer(line)
            self.readIndex = next
            return .value(.integer(number))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let length = try self.integer(line)
            if length == -1 && type == UInt8(ascii: "$") {
                self.readIndex = next
                return .value(.bulkString(nil))
            }
            guard length >= 0 else { throw RESPError(.invalidLength(length), offset: offset + 1) }
            guard length <= Int64(self.limits.maxBulkLength) else {
                throw RESPError(.bulkTooLong(length: length, limit: self.limits.maxBulkLength), offset: offset + 1)
            }
            let size = Int(length)
            guard self.buffer.count - next >= size + 2 else { return nil }
            guard self.buffer[next + size] == 13, self.buffer[next + size + 1] == 10 else {
                throw RESPError(.missingPayloadTerminator, offset: self.discarded + next + size)
            }
            let payload = Array(self.buffer[next..<next + size])
            self.readIndex = next + size + 2
            return .value(try Self.bulkValue(type: type, payload: payload, offset: offset))
        case UInt8(ascii: "*"), UInt8(ascii: "%"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "|"):
            let count = try self.integer(line)
            if count == -1 && type == UInt8(ascii: "*") {
                self.readIndex = next
                return .value(.array(nil))
            }
            guard count >= 0 else { throw RESPError(.invalidLength(count), offset: offset + 1) }
            guard count <= Int64(self.limits.maxArrayElements) else {
                throw RESPError(.tooManyElements(count: count, limit: self.limits.maxArrayElements), offset: offset + 1)
            }
            let kind = Self.aggregateKind(type)
            let (slots, overflow) = Int(count).multipliedReportingOverflow(by: kind == .map || kind == .attribute ? 2 : 1)
            guard !overflow else {
                throw RESPError(.tooManyElements(count: count, limit: self.limits.maxArrayElements), offset: offset + 1)
            }
            self.readIndex = next
            if slots == 0 {
                guard let value = Self.build(Frame(kind: kind, remaining: 0, elements: [])) else { return .opened }
                return .value(value)
            }
            guard self.stack.count < self.limits.maxDepth else {
                throw RESPError(.depthExceeded(limit: self.limits.maxDepth), offset: offset)
            }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(slots, Self.reserveLimit))
            self.stack.append(Frame(kind: kind, remaining: slots, elements: elements))
            return .opened
        case UInt8(ascii: "_"):
            guard line.isEmpty else { throw RESPError(.invalidScalar, offset: offset + 1) }
            self.readIndex = next
            return .value(.null)
        case UInt8(ascii: "#"):
            guard line.count == 1 else { throw RESPError(.invalidScalar, offset: offset + 1) }
            let flag = self.buffer[line.lowerBound]
            guard flag == UInt8(ascii: "t") || flag == UInt8(ascii: "f") else {
                throw RESPError(.invalidScalar, offset: offset + 1)
            }
            self.readIndex = next
            return .value(.boolean(flag == UInt8(ascii: "t")))
        case UInt8(ascii: ","):
            guard let number = Self.double(self.buffer[line]) else { throw RESPError(.invalidScalar, offset: offset + 1) }
            self.readIndex = next
            return .value(.double(number))
        case UInt8(ascii: "("):
            guard Self.isSignedDecimal(self.buffer[line]) else { throw RESPError(.invalidScalar, offset: offset + 1) }
            self.readIndex = next
            return .value(.bigNumber(String(decoding: self.buffer[line], as: UTF8.self)))
        default:
            throw RESPError(.unknownType(type), offset: offset)
        }
    }

    private static func aggregateKind(_ type: UInt8) -> AggregateKind {
        switch type {
        case UInt8(ascii: "%"): return .map
        case UInt8(ascii: "~"): return .set
        case UInt8(ascii: ">"): return .push
        case UInt8(ascii: "|"): return .attribute
        default: return .array
        }
    }

    private static func bulkValue(type: UInt8, payload: [UInt8], offset: Int) throws(RESPError) -> RESPValue {
        switch type {
        case UInt8(ascii: "!"):
            return .bulkError(payload)
        case UInt8(ascii: "="):
            guard payload.count >= 4, payload[3] == UInt8(ascii: ":") else {
                throw RESPError(.invalidScalar, offset: offset)
            }
            return .verbatimString(
                format: String(decoding: payload[0..<3], as: UTF8.self), text: Array(payload[4...]))
        default:
            return .bulkString(payload)
        }
    }

    /// Finds the CRLF ending the line that starts at `readIndex`: the index of its CR and of the byte after its LF.
    private func findLine() throws(RESPError) -> (Int, Int)? {
        let start = self.readIndex
        guard start < self.buffer.count else { return nil }
        let end = min(self.buffer.count, start + 1 + self.limits.maxLineLength + 1)
        var index = start + 1
        while index < end {
            let byte = self.buffer[index]
            if byte == 13 {
                guard index + 1 < self.buffer.count else { return nil }
                guard self.buffer[index + 1] == 10 else {
                    throw RESPError(.invalidLineTerminator, offset: self.discarded + index)
                }
                return (index, index + 2)
            }
            if byte == 10 { throw RESPError(.invalidLineTerminator, offset: self.discarded + index) }
            index += 1
        }
        guard end - start - 1 <= self.limits.maxLineLength else {
            throw RESPError(.lineTooLong(limit: self.limits.maxLineLength), offset: self.discarded + start)
        }
        return nil
    }

    /// A strict decimal Int64: optional sign, at least one digit, no overflow.
    private func integer(_ range: Range<Int>) throws(RESPError) -> Int64 {
        let offset = self.discarded + range.lowerBound
        var index = range.lowerBound
        var negative = false
        if index < range.upperBound, self.buffer[index] == UInt8(ascii: "-") || self.buffer[index] == UInt8(ascii: "+") {
            negative = self.buffer[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < range.upperBound else { throw RESPError(.invalidInteger, offset: offset) }
        var value: Int64 = 0
        while index < range.upperBound {
            let byte = self.buffer[index]
            guard byte >= 48, byte <= 57 else { throw RESPError(.invalidInteger, offset: offset) }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let digit = Int64(byte - 48)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw RESPError(.invalidInteger, offset: offset) }
            value = sum
            index += 1
        }
        return value
    }

    private static func isSignedDecimal(_ bytes: ArraySlice<UInt8>) -> Bool {
        var digits = bytes[...]
        if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// A RESP3 double: `inf`, `-inf`, `nan`, or a decimal literal with optional fraction and exponent.
    private static func double(_ bytes: ArraySlice<UInt8>) -> Double? {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default: break
        }
        let allowed = bytes.allSatisfy {
            ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ".")
                || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
        }
        guard allowed, bytes.contains(where: { $0 >= 48 && $0 <= 57 }) else { return nil }
        return Double(text)
    }

    /// Drops consumed bytes once they dominate the buffer, so a long stream keeps a bounded buffer.
    private mutating func compact() {
        if self.readIndex == self.buffer.count {
            self.discarded += self.readIndex
            self.buffer.removeAll(keepingCapacity: self.buffer.capacity <= 1 << 20)
            self.readIndex = 0
        } else if self.readIndex >= 64 << 10 && self.readIndex * 2 >= self.buffer.count {
            self.discarded += self.readIndex
            self.buffer.removeFirst(self.readIndex)
            self.readIndex = 0
        }
    }
}
