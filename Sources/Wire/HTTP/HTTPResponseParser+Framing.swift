/// The head and chunked-body halves of ``HTTPResponseParser`` (RFC 9112 §4, §5, §7.1).
extension HTTPResponseParser {
    /// Parses the status line and headers once `CRLF CRLF` is buffered; nil while more bytes are needed.
    mutating func parseHead() throws(HTTPResponseParseError) -> Head? {
        guard let headEnd = self.findLineEnd(from: max(self.scanIndex, self.readIndex), blank: true) else {
            let pending = self.bufferedByteCount
            if pending > self.configuration.maxStatusLineLength
                && !self.buffer[self.readIndex...].contains(UInt8(ascii: "\n"))
            {
                throw .statusLineTooLong(limit: self.configuration.maxStatusLineLength)
            }
            if pending > self.configuration.maxHeaderBytes {
                throw .headersTooLarge(limit: self.configuration.maxHeaderBytes)
            }
            self.scanIndex = max(self.readIndex, self.buffer.count - 3)
            return nil
        }
        guard headEnd - self.readIndex <= self.configuration.maxHeaderBytes else {
            throw .headersTooLarge(limit: self.configuration.maxHeaderBytes)
        }
        var lines: [Range<Int>] = []
        var lineStart = self.readIndex
        var index = self.readIndex
        while index < headEnd {
            if self.buffer[index] == 13 {
                guard self.buffer[index + 1] == 10 else { throw .malformedHeader }
                lines.append(lineStart..<index)
                index += 2
                lineStart = index
                continue
            }
            if self.buffer[index] == 10 { throw .malformedHeader }
            index += 1
        }
        lines.append(lineStart..<headEnd)
        self.readIndex = headEnd + 4
        self.scanIndex = self.readIndex
        guard let statusLine = lines.first else { throw .malformedStatusLine }
        guard statusLine.count <= self.configuration.maxStatusLineLength else {
            throw .statusLineTooLong(limit: self.configuration.maxStatusLineLength)
        }
        guard lines.count - 1 <= self.configuration.maxHeaderCount else {
            throw .tooManyHeaders(limit: self.configuration.maxHeaderCount)
        }
        let (status, minor) = try self.parseStatusLine(self.buffer[statusLine])
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(lines.count - 1)
        for line in lines.dropFirst() {
            guard let field = HTTPFieldLine.parse(self.buffer[line]) else { throw .malformedHeader }
            headers.append(field)
        }
        return Head(status: status, headers: HTTPHeaders(headers), minorVersion: minor)
    }

    /// The index of the CR that ends the next line (`blank: false`) or the head (`blank: true`, `CRLF CRLF`).
    func findLineEnd(from start: Int, blank: Bool) -> Int? {
        var index = start
        let needed = blank ? 3 : 1
        while index + needed < self.buffer.count {
            if self.buffer[index] == 13 && self.buffer[index + 1] == 10
                && (!blank || (self.buffer[index + 2] == 13 && self.buffer[index + 3] == 10))
            {
                return index
            }
            index += 1
        }
        return nil
    }

    private func parseStatusLine(_ line: ArraySlice<UInt8>) throws(HTTPResponseParseError) -> (HTTPStatus, Int) {
        let version = line.prefix(8)
        guard version.count == 8, version.starts(with: Array("HTTP/".utf8)) else { throw .malformedStatusLine }
        let minor: Int
        switch Array(version) {
        case Array("HTTP/1.1".utf8): minor = 1
        case Array("HTTP/1.0".utf8): minor = 0
        default: throw .unsupportedVersion
        }
        let rest = line.dropFirst(8)
        guard rest.first == UInt8(ascii: " ") else { throw .malformedStatusLine }
        let digits = rest.dropFirst().prefix(3)
        guard digits.count == 3, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .malformedStatusLine
        }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard code >= 100 && code <= 599 else { throw .malformedStatusLine }
        var reason = rest.dropFirst(4)
        if let space = reason.first {
            guard space == UInt8(ascii: " ") else { throw .malformedStatusLine }
            reason = reason.dropFirst()
        }
        guard reason.allSatisfy({ $0 >= 0x20 || $0 == 0x09 }), !reason.contains(0x7F) else {
            throw .malformedStatusLine
        }
        return (HTTPStatus(code: code, reason: String(decoding: reason, as: UTF8.self)), minor)
    }

    /// Advances the chunked decoder; true when the last chunk and the trailer section are consumed.
    mutating func parseChunked() throws(HTTPResponseParseError) -> Bool {
        while true {
            switch self.state {
            case .chunkSize:
                guard let end = self.findLineEnd(from: self.readIndex, blank: false) else {
                    if self.bufferedByteCount > self.configuration.maxChunkLineLength + 1 { throw .malformedChunk }
                    return false
                }
                guard end - self.readIndex <= self.configuration.maxChunkLineLength else { throw .malformedChunk }
                let size = try Self.chunkSize(self.buffer[self.readIndex..<end])
                self.readIndex = end + 2
                if size == 0 {
                    self.state = .trailers(bytes: 0)
                    continue
                }
                guard size <= self.configuration.maxBodySize - self.body.count else {
                    throw .bodyTooLarge(limit: self.configuration.maxBodySize)
                }
                self.state = .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = min(remaining, self.bufferedByteCount)
                guard take > 0 else { return false }
                self.body.append(contentsOf: self.buffer[self.readIndex..<(self.readIndex + take)])
                self.readIndex += take
                self.state = remaining == take ? .chunkEnd : .chunkData(remaining: remaining - take)
            case .chunkEnd:
                guard self.bufferedByteCount >= 2 else { return false }
                guard self.buffer[self.readIndex] == 13 && self.buffer[self.readIndex + 1] == 10 else {
                    throw .malformedChunk
                }
                self.readIndex += 2
                self.state = .chunkSize
            case .trailers(let bytes):
                guard let end = self.findLineEnd(from: self.readIndex, blank: false) else {
                    if bytes + self.bufferedByteCount > self.configuration.maxHeaderBytes {
                        throw .headersTooLarge(limit: self.configuration.maxHeaderBytes)
                    }
                    return false
                }
                let length = end - self.readIndex
                if length == 0 {
                    self.readIndex = end + 2
                    return true
                }
                guard bytes + length + 2 <= self.configuration.maxHeaderBytes else {
                    throw .headersTooLarge(limit: self.configuration.maxHeaderBytes)
                }
                // Trailer fields are read past and dropped (RFC 9112 §7.1.2 lets a recipient discard them).
                guard HTTPFieldLine.parse(self.buffer[self.readIndex..<end]) != nil else { throw .malformedHeader }
                self.readIndex = end + 2
                self.state = .trailers(bytes: bytes + length + 2)
            case .head, .fixed, .untilClose:
                return false
            }
        }
    }

    /// The size of a `chunk-size [; ext]` line: 1–15 hex digits, optional whitespace, optional extensions.
    static func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPResponseParseError) -> Int {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let value = hexDigit(line[index]) {
            guard digits < 15 else { throw .malformedChunk }
            size = size << 4 | Int(value)
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw .malformedChunk }
        let rest = line[index...].drop { $0 == 0x20 || $0 == 0x09 }
        guard rest.isEmpty || rest.first == UInt8(ascii: ";") else { throw .malformedChunk }
        guard rest.allSatisfy({ $0 >= 0x20 || $0 == 0x09 }) else { throw .malformedChunk }
        return size
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
