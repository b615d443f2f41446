/// A response as a client received it: the response plus what the connection's reuse depends on.
public struct HTTPReceivedResponse: Sendable, Hashable {
    /// Status, headers and the decoded body (chunked framing removed).
    public var response: HTTPResponse
    /// The HTTP minor version of the status line (0 or 1).
    public var minorVersion: Int
    /// Whether the connection may carry another request: HTTP/1.1 without `Connection: close` (or HTTP/1.0 with
    /// `keep-alive`), and a body that was not delimited by the connection closing.
    public var keepAlive: Bool

    /// Creates a received response.
    public init(response: HTTPResponse, minorVersion: Int, keepAlive: Bool) {
        self.response = response
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
    }
}

/// An incremental HTTP/1.1 response parser (RFC 9112 §4, §6, §7.1) for Tandem's upstream clients.
///
/// Tandem asks Open WebUI (uvicorn/h11) for users and notes; the answers arrive in arbitrary TCP pieces, framed by
/// `Content-Length`, `Transfer-Encoding: chunked` or the connection closing. Feed bytes with ``append(_:)``, call
/// ``nextResponse(to:)`` after each read, and ``finish()`` at end of stream. Every limit is checked before the
/// buffer grows past it; a violation is a typed ``HTTPResponseParseError`` and the parser stays failed.
/// Interim 1xx responses (other than 101) are skipped, as RFC 9110 §15.2 asks of clients.
public struct HTTPResponseParser: Sendable {
    /// The parser's limits.
    public struct Configuration: Sendable {
        /// Longest status line. Default 8 KiB.
        public var maxStatusLineLength: Int
        /// Largest head (status line and headers), and separately the largest chunked trailer. Default 64 KiB.
        public var maxHeaderBytes: Int
        /// Most header fields. Default 100.
        public var maxHeaderCount: Int
        /// Largest decoded body. Default 16 MiB (Open WebUI's socket payload limit; notes are capped at 2 MiB).
        public var maxBodySize: Int
        /// Longest chunk-size line, extensions included. Default 1 KiB.
        public var maxChunkLineLength: Int

        /// Creates a configuration; see the properties for defaults.
        public init(
            maxStatusLineLength: Int = 8 << 10, maxHeaderBytes: Int = 64 << 10, maxHeaderCount: Int = 100,
            maxBodySize: Int = 16 << 20, maxChunkLineLength: Int = 1 << 10
        ) {
            self.maxStatusLineLength = maxStatusLineLength
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodySize = maxBodySize
            self.maxChunkLineLength = maxChunkLineLength
        }
    }

    struct Head: Sendable {
        var status: HTTPStatus
        var headers: HTTPHeaders
        var minorVersion: Int
        var closeDelimited = false
        var forceClose = false
    }

    enum State: Sendable {
        case head
        case fixed(length: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers(bytes: Int)
        case untilClose
    }

    let configuration: Configuration
    var buffer: [UInt8] = []
    var readIndex = 0
    /// Where the search for the end of the head resumes, so a slow sender does not cause quadratic rescans.
    var scanIndex = 0
    var state = State.head
    var head: Head?
    var body: [UInt8] = []
    var failure: HTTPResponseParseError?

    /// Creates a parser.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Bytes received but not yet consumed.
    public var bufferedByteCount: Int { self.buffer.count - self.readIndex }

    /// True when no partial response is buffered (the connection is between responses).
    public var isIdle: Bool {
        if case .head = self.state { return self.bufferedByteCount == 0 }
        return false
    }

    /// Appends bytes read from the connection.
    public mutating func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        self.buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete response, or nil when more bytes are needed.
    ///
    /// - Parameter method: the method of the request this response answers (a `HEAD` response has no body).
    /// - Throws: ``HTTPResponseParseError``; the parser stays failed afterwards.
    public mutating func nextResponse(
        to method: HTTPMethod = .get
    ) throws(HTTPResponseParseError) -> HTTPReceivedResponse? {
        if let failure = self.failure { throw failure }
        do {
            let response = try self.parse(method: method)
            self.compact()
            return response
        } catch {
            self.fail(error)
            throw error
        }
    }

    /// Tells the parser the connection ended; returns a close-delimited response, or nil if nothing was pending.
    ///
    /// - Throws: ``HTTPResponseParseError/truncatedBody`` when a response was cut short.
    public mutating func finish() throws(HTTPResponseParseError) -> HTTPReceivedResponse? {
        if let failure = self.failure { throw failure }
        switch self.state {
        case .head where self.bufferedByteCount == 0:
            return nil
        case .untilClose:
            self.body.append(contentsOf: self.buffer[self.readIndex...])
            self.readIndex = self.buffer.count
            return self.complete()
        default:
            self.fail(.truncatedBody)
            throw .truncatedBody
        }
    }

    private mutating func fail(_ error: HTTPResponseParseError) {
        self.failure = error
        self.buffer = []
        self.body = []
        self.readIndex = 0
        self.scanIndex = 0
    }

    private mutating func compact() {
        if self.readIndex == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: self.buffer.count <= 64 << 10)
            self.readIndex = 0
            self.scanIndex = 0
        } else if self.readIndex > 64 << 10 && self.readIndex > self.buffer.count / 2 {
            self.buffer.removeFirst(self.readIndex)
            self.scanIndex -= self.readIndex
            self.readIndex = 0
        }
    }

    private mutating func parse(method: HTTPMethod) throws(HTTPResponseParseError) -> HTTPReceivedResponse? {
        while true {
            switch self.state {
            case .head:
                guard let head = try self.parseHead() else { return nil }
                if let response = try self.startBody(head, method: method) { return response }
                if case .head = self.state { continue }  // an interim 1xx was skipped
            case .fixed(let length):
                guard self.bufferedByteCount >= length else { return nil }
                self.body = Array(self.buffer[self.readIndex..<(self.readIndex + length)])
                self.readIndex += length
                return self.complete()
            case .untilClose:
                guard self.body.count + self.bufferedByteCount <= self.configuration.maxBodySize else {
                    throw .bodyTooLarge(limit: self.configuration.maxBodySize)
                }
                self.body.append(contentsOf: self.buffer[self.readIndex...])
                self.readIndex = self.buffer.count
                return nil
            case .chunkSize, .chunkData, .chunkEnd, .trailers:
                guard try self.parseChunked() else { return nil }
                return self.complete()
            }
        }
    }

    /// Ends the current response and resets for the next one on the same connection.
    private mutating func complete() -> HTTPReceivedResponse? {
        guard let head = self.head else { return nil }
        let response = HTTPResponse(status: head.status, headers: head.headers, body: self.body)
        let keepAlive: Bool
        if head.closeDelimited || head.forceClose || head.headers.contains(token: "close", in: "Connection") {
            keepAlive = false
        } else {
            keepAlive = head.minorVersion == 1 || head.headers.contains(token: "keep-alive", in: "Connection")
        }
        self.head = nil
        self.body = []
        self.state = .head
        self.scanIndex = self.readIndex
        return HTTPReceivedResponse(response: response, minorVersion: head.minorVersion, keepAlive: keepAlive)
    }

    /// Decides the body framing of a parsed head (RFC 9112 §6.3); returns the response when it has no body.
    private mutating func startBody(
        _ parsed: Head, method: HTTPMethod
    ) throws(HTTPResponseParseError) -> HTTPReceivedResponse? {
        var head = parsed
        let code = head.status.code
        if code >= 100 && code < 200 && code != 101 {
            self.state = .head
            return nil
        }
        self.head = head
        if method == .head || code == 101 || code == 204 || code == 304 {
            if code == 101 { self.head?.forceClose = true }
            return self.complete()
        }
        let codings = head.headers.values(for: "Transfer-Encoding").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingASCIISpaces().lowercased() }.filter { !$0.isEmpty }
        if !codings.isEmpty {
            guard codings == ["chunked"] else { throw .unsupportedTransferEncoding }
            // A Content-Length beside Transfer-Encoding may be a smuggling attempt: never reuse that connection.
            head.forceClose = !head.headers.values(for: "Content-Length").isEmpty
            self.head = head
            self.state = .chunkSize
            return nil
        }
        let values = head.headers.values(for: "Content-Length")
        guard let first = values.first else {
            head.closeDelimited = true
            self.head = head
            self.state = .untilClose
            return nil
        }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
            first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let length = Int(first)
        else {
            throw .invalidContentLength
        }
        guard length <= self.configuration.maxBodySize else {
            throw .bodyTooLarge(limit: self.configuration.maxBodySize)
        }
        if length == 0 { return self.complete() }
        self.state = .fixed(length: length)
        return nil
    }
}
