/// An incremental HTTP/1.1 request parser (RFC 9112) with limits checked before buffering grows past them.
///
/// Feed bytes with ``append(_:)`` and take requests with ``nextRequest()``; several pipelined requests may sit in the
/// buffer. Bodies are framed by `Content-Length` only: `Transfer-Encoding` is answered with 501. After a WebSocket
/// upgrade, ``takeBufferedBytes()`` hands any bytes that followed the head to the frame decoder.
public struct HTTPRequestParser: Sendable {
    /// The parser's limits.
    public struct Configuration: Sendable {
        /// Longest request line (method, target, version). Default 8 KiB; longer gives 414.
        public var maxRequestLineLength: Int
        /// Largest head, request line and headers included. Default 32 KiB; larger gives 431.
        public var maxHeaderBytes: Int
        /// Most header fields. Default 100; more gives 431.
        public var maxHeaderCount: Int
        /// Largest `Content-Length` accepted. Default 1 MiB (Engine.IO's `maxHttpBufferSize` is 1 MB); larger
        /// gives 413 before any body byte is buffered.
        public var maxBodySize: Int
        /// Body limits of their own for some paths, instead of ``maxBodySize``: the entry with the longest path
        /// prefix matching the request path wins. Lets one endpoint (Socket.IO polling, bounded by Engine.IO's
        /// maxPayload) take larger bodies without raising every other route's limit. Default none.
        public var pathBodyLimits: [PathBodyLimit] = []

        /// Creates a configuration; see the properties for defaults.
        public init(
            maxRequestLineLength: Int = 8 << 10, maxHeaderBytes: Int = 32 << 10, maxHeaderCount: Int = 100,
            maxBodySize: Int = 1 << 20
        ) {
            self.maxRequestLineLength = maxRequestLineLength
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodySize = maxBodySize
        }

        /// The body limit of requests to `path` (the target up to `?`): the longest matching
        /// ``pathBodyLimits`` prefix, else ``maxBodySize``.
        public func maxBodySize(forPath path: String) -> Int {
            var best: PathBodyLimit?
            for limit in self.pathBodyLimits where path.utf8.starts(with: limit.pathPrefix.utf8) {
                if best.map({ $0.pathPrefix.utf8.count < limit.pathPrefix.utf8.count }) ?? true { best = limit }
            }
            return best?.maxBodySize ?? self.maxBodySize
        }
    }

    /// A body limit for the requests whose path starts with ``pathPrefix`` (compared byte-wise).
    public struct PathBodyLimit: Sendable, Equatable {
        /// The path prefix, e.g. `/ws/socket.io/`.
        public var pathPrefix: String
        /// Largest `Content-Length` accepted on those paths; larger gives 413 before any body byte is buffered.
        public var maxBodySize: Int

        /// A limit of `maxBodySize` bytes for paths under `pathPrefix`.
        public init(pathPrefix: String, maxBodySize: Int) {
            self.pathPrefix = pathPrefix
            self.maxBodySize = maxBodySize
        }
    }

    private enum State: Sendable {
        case head
        case body(HTTPRequest, remaining: Int)
    }

    private let configuration: Configuration
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the end of the head resumes, so a slow sender does not cause quadratic rescans.
    private var scanIndex = 0
    private var state = State.head
    private var failure: HTTPParseError?

    /// Creates a parser.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Bytes received but not yet consumed.
    public var bufferedByteCount: Int { self.buffer.count - self.readIndex }

    /// True when no partial request is buffered (nothing received since the last complete request).
    public var isIdle: Bool {
        if case .head = self.state { return self.bufferedByteCount == 0 }
        return false
    }

    /// Appends bytes read from the connection.
    public mutating func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        self.buffer.append(contentsOf: bytes)
    }

    /// Removes and returns the unconsumed bytes (those after an upgrade request's head).
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = Array(self.buffer[self.readIndex...])
        self.buffer = []
        self.readIndex = 0
        self.scanIndex = 0
        return rest
    }

    /// Returns the next complete request, or nil when more bytes are needed.
    ///
    /// - Throws: ``HTTPParseError``; the parser stays failed afterwards.
    public mutating func nextRequest() throws(HTTPParseError) -> HTTPRequest? {
        if let failure = self.failure { throw failure }
        do {
            let request = try self.parse()
            if self.readIndex == self.buffer.count {
                self.buffer = []
                self.readIndex = 0
                self.scanIndex = 0
            }
            return request
        } catch {
            self.failure = error
            self.buffer = []
            self.readIndex = 0
            throw error
        }
    }

    private mutating func parse() throws(HTTPParseError) -> HTTPRequest? {
        switch self.state {
        case .body(var request, let remaining):
            guard self.bufferedByteCount >= remaining else { return nil }
            request.body = Array(self.buffer[self.readIndex..<(self.readIndex + remaining)])
            self.readIndex += remaining
            self.scanIndex = self.readIndex
            self.state = .head
            return request
        case .head:
            guard let headEnd = self.findHeadEnd() else {
                let pending = self.bufferedByteCount
                if !self.buffer[self.readIndex...].contains(UInt8(ascii: "\n"))
                    && pending > self.configuration.maxRequestLineLength
                {
                    throw .requestLineTooLong(limit: self.configuration.maxRequestLineLength)
                }
                if pending > self.configuration.maxHeaderBytes {
                    throw .headersTooLarge(limit: self.configuration.maxHeaderBytes)
                }
                return nil
            }
            guard headEnd - self.readIndex <= self.configuration.maxHeaderBytes else {
                throw .headersTooLarge(limit: self.configuration.maxHeaderBytes)
            }
            var request = try self.parseHead(from: self.readIndex, to: headEnd)
            self.readIndex = headEnd + 4
            self.scanIndex = self.readIndex
            let length = try self.contentLength(of: request)
            if length == 0 { return request }
            if self.bufferedByteCount >= length {
                request.body = Array(self.buffer[self.readIndex..<(self.readIndex + length)])
                self.readIndex += length
                self.scanIndex = self.readIndex
                return request
            }
            self.state = .body(request, remaining: length)
            return nil
        }
    }

    /// The index of the `\r\n\r\n` ending the head, if buffered.
    private mutating func findHeadEnd() -> Int? {
        var index = max(self.scanIndex, self.readIndex)
        let end = self.buffer.count
        while index + 3 < end {
            if self.buffer[index] == 13 && self.buffer[index + 1] == 10 && self.buffer[index + 2] == 13
                && self.buffer[index + 3] == 10
            {
                return index
            }
            index += 1
        }
        self.scanIndex = max(self.readIndex, end - 3)
        return nil
    }

    private func parseHead(from start: Int, to end: Int) throws(HTTPParseError) -> HTTPRequest {
        var lines: [Range<Int>] = []
        var lineStart = start
        var index = start
        while index < end {
            if self.buffer[index] == 13 {
                guard index + 1 < end + 2, self.buffer[index + 1] == 10 else { throw .malformedHeader(offset: index) }
                lines.append(lineStart..<index)
                index += 2
                lineStart = index
                continue
            }
            if self.buffer[index] == 10 { throw .malformedHeader(offset: index) }
            index += 1
        }
        lines.append(lineStart..<end)
        guard let requestLine = lines.first else { throw .malformedRequestLine(offset: start) }
        guard requestLine.count <= self.configuration.maxRequestLineLength else {
            throw .requestLineTooLong(limit: self.configuration.maxRequestLineLength)
        }
        var request = try self.parseRequestLine(requestLine)
        guard lines.count - 1 <= self.configuration.maxHeaderCount else {
            throw .tooManyHeaders(limit: self.configuration.maxHeaderCount)
        }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(lines.count - 1)
        for line in lines.dropFirst() {
            headers.append(try self.parseHeader(line))
        }
        request.headers = HTTPHeaders(headers)
        return request
    }

    private func parseRequestLine(_ range: Range<Int>) throws(HTTPParseError) -> HTTPRequest {
        let line = self.buffer[range]
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte) else {
            throw .malformedRequestLine(offset: range.lowerBound)
        }
        let target = parts[1]
        guard let first = target.first, first == UInt8(ascii: "/") || (first == UInt8(ascii: "*") && target.count == 1),
            target.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw .malformedRequestLine(offset: range.lowerBound + parts[0].count + 1)
        }
        let minor: Int
        switch Array(parts[2]) {
        case Array("HTTP/1.1".utf8): minor = 1
        case Array("HTTP/1.0".utf8): minor = 0
        default:
            guard parts[2].starts(with: Array("HTTP/".utf8)) else {
                throw .malformedRequestLine(offset: range.lowerBound)
            }
            throw .unsupportedVersion
        }
        return HTTPRequest(
            method: HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self)),
            target: String(decoding: target, as: UTF8.self), minorVersion: minor
        )
    }

    private func parseHeader(_ range: Range<Int>) throws(HTTPParseError) -> (name: String, value: String) {
        let line = self.buffer[range]
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > range.lowerBound else {
            throw .malformedHeader(offset: range.lowerBound)
        }
        let name = line[range.lowerBound..<colon]
        // Token characters only: this also rejects obs-fold (leading whitespace) and space before the colon.
        guard name.allSatisfy(isTokenByte) else { throw .malformedHeader(offset: range.lowerBound) }
        var valueStart = colon + 1
        var valueEnd = range.upperBound
        while valueStart < valueEnd && (line[valueStart] == 0x20 || line[valueStart] == 0x09) { valueStart += 1 }
        while valueEnd > valueStart && (line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09) { valueEnd -= 1 }
        let value = line[valueStart..<valueEnd]
        guard value.allSatisfy({ $0 >= 0x20 || $0 == 0x09 }), !value.contains(0x7F) else {
            throw .malformedHeader(offset: range.lowerBound)
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    private func contentLength(of request: HTTPRequest) throws(HTTPParseError) -> Int {
        if request.headers["Transfer-Encoding"] != nil { throw .unsupportedTransferEncoding }
        let values = request.headers.values(for: "Content-Length")
        guard let first = values.first else { return 0 }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
            first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let length = Int(first)
        else {
            throw .invalidContentLength
        }
        let limit = self.configuration.maxBodySize(forPath: request.path)
        guard length <= limit else {
            throw .bodyTooLarge(length: length, limit: limit)
        }
        return length
    }
}

/// RFC 9110 §5.6.2 `tchar`.
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default:
        return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }
}
