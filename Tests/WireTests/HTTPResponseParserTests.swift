import Testing
@testable import Wire

/// Feeds `bytes` one byte at a time (or all at once), collecting responses; `finish` ends the stream.
private func feed(
    _ bytes: [UInt8], byteByByte: Bool, finish: Bool = false, method: HTTPMethod = .get,
    configuration: HTTPResponseParser.Configuration = .init()
) throws(HTTPResponseParseError) -> [HTTPReceivedResponse] {
    var parser = HTTPResponseParser(configuration: configuration)
    var responses: [HTTPReceivedResponse] = []
    if byteByByte {
        for byte in bytes {
            parser.append([byte])
            while let response = try parser.nextResponse(to: method) { responses.append(response) }
        }
    } else {
        parser.append(bytes)
        while let response = try parser.nextResponse(to: method) { responses.append(response) }
    }
    if finish, let response = try parser.finish() { responses.append(response) }
    return responses
}

private func parseError(_ text: String, finish: Bool = false, configuration: HTTPResponseParser.Configuration = .init())
    -> HTTPResponseParseError?
{
    do {
        _ = try feed(Array(text.utf8), byteByByte: false, finish: finish, configuration: configuration)
        return nil
    } catch {
        return error
    }
}

struct HTTPResponseParserTests {
    /// What uvicorn (h11) sends for `GET /api/v1/auths/`: fixed length, then a chunked answer, then a 204.
    static let pipelined =
        "HTTP/1.1 200 OK\r\ndate: Tue, 01 Jul 2025 10:00:00 GMT\r\nserver: uvicorn\r\ncontent-length: 13\r\n"
        + "content-type: application/json\r\n\r\n{\"id\":\"u-1\"}\n"
        + "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "b;ext=1\r\n{\"detail\":\"\r\n"
        + "F\r\nInvalid token\"}\r\n0\r\nx-trailer: 1\r\n\r\n"
        + "HTTP/1.1 204 No Content\r\n\r\n"

    @Test("Content-Length, chunked (with extension and trailer) and 204, whole and split at every byte")
    func pipelinedEveryByte() throws {
        for byteByByte in [false, true] {
            let responses = try feed(Array(Self.pipelined.utf8), byteByByte: byteByByte)
            #expect(responses.map(\.response.status.code) == [200, 401, 204])
            #expect(responses.first?.response.body == Array("{\"id\":\"u-1\"}\n".utf8))
            #expect(responses.first?.response.headers["Content-Type"] == "application/json")
            #expect(responses.dropFirst().first?.response.body == Array("{\"detail\":\"Invalid token\"}".utf8))
            #expect(responses.dropFirst().first?.response.status.reason == "Unauthorized")
            #expect(responses.allSatisfy { $0.keepAlive })
        }
    }

    @Test("Every split point of a chunked response gives the same body")
    func everySplit() throws {
        let bytes = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n".utf8)
        for split in 0...bytes.count {
            var parser = HTTPResponseParser()
            parser.append(bytes[..<split])
            var got = try parser.nextResponse()
            parser.append(bytes[split...])
            if got == nil { got = try parser.nextResponse() }
            #expect(got?.response.body == Array("abc0123456789abcdef".utf8), "split \(split)")
            #expect(parser.isIdle)
        }
    }

    @Test("A body without length is delimited by the connection closing, and the connection is not reused")
    func untilClose() throws {
        let text = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello world"
        for byteByByte in [false, true] {
            let responses = try feed(Array(text.utf8), byteByByte: byteByByte, finish: true)
            #expect(responses.count == 1)
            #expect(responses.first?.response.body == Array("hello world".utf8))
            #expect(responses.first?.keepAlive == false)
        }
    }

    @Test("Connection: close, HTTP/1.0 keep-alive, HEAD bodies, interim 100 Continue and empty reasons")
    func connectionAndFraming() throws {
        let close = try feed(Array("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".utf8), byteByByte: false)
        #expect(close.first?.keepAlive == false)
        let old = try feed(Array("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx".utf8), byteByByte: false)
        #expect(old.first?.keepAlive == true)
        let head = try feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n".utf8), byteByByte: false, method: .head)
        #expect(head.first?.response.body == [])
        let interim = try feed(Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 \r\nContent-Length: 2\r\n\r\nok".utf8), byteByByte: true)
        #expect(interim.map(\.response.status.code) == [201])
        #expect(interim.first?.response.status.reason == "")
        let bare = try feed(Array("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n".utf8), byteByByte: false)
        #expect(bare.first?.response.status == HTTPStatus(code: 404, reason: ""))
        let smuggle = try feed(
            Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n".utf8),
            byteByByte: false)
        #expect(smuggle.first?.response.body == [UInt8(ascii: "x")])
        #expect(smuggle.first?.keepAlive == false)
    }

    @Test("Malformed status lines, headers, lengths and chunks are typed errors")
    func malformed() {
        #expect(parseError("HTTP/1.1 20 OK\r\n\r\n") == .malformedStatusLine)
        #expect(parseError("HTTP/1.1 999 OK\r\n\r\n") == .malformedStatusLine)
        #expect(parseError("HTTP/1.1 200OK\r\n\r\n") == .malformedStatusLine)
        #expect(parseError("ICY 200 OK\r\n\r\n") == .malformedStatusLine)
        #expect(parseError("HTTP/2.0 200 OK\r\n\r\n") == .unsupportedVersion)
        #expect(parseError("\r\n\r\n") == .malformedStatusLine)
        #expect(parseError("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n") == .malformedHeader)
        #expect(parseError("HTTP/1.1 200 OK\r\n folded\r\n\r\n") == .malformedHeader)
        #expect(parseError("HTTP/1.1 200 OK\r\nA: b\nC: d\r\n\r\n") == .malformedHeader)
        #expect(parseError("HTTP/1.1 200 OK\r\nA: \u{1}\r\n\r\n") == .malformedHeader)
        #expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") == .invalidContentLength)
        #expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == .invalidContentLength)
        #expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n") == .invalidContentLength)
        #expect(parseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == .unsupportedTransferEncoding)
        #expect(parseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == .malformedChunk)
        #expect(parseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n") == .malformedChunk)
        #expect(parseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n") == .malformedChunk)
        #expect(parseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n") == .malformedChunk)
        #expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", finish: true) == .truncatedBody)
        #expect(parseError("HTTP/1.1 200 O", finish: true) == .truncatedBody)
    }

    @Test("Limits are enforced before buffering: status line, head, header count, body, chunk line")
    func limits() {
        let small = HTTPResponseParser.Configuration(
            maxStatusLineLength: 32, maxHeaderBytes: 64, maxHeaderCount: 2, maxBodySize: 8, maxChunkLineLength: 8)
        #expect(parseError("HTTP/1.1 200 " + String(repeating: "x", count: 40), configuration: small)
            == .statusLineTooLong(limit: 32))
        #expect(parseError("HTTP/1.1 200 OK\r\nA: " + String(repeating: "x", count: 80), configuration: small)
            == .headersTooLarge(limit: 64))
        #expect(parseError("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", configuration: small)
            == .tooManyHeaders(limit: 2))
        #expect(parseError("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", configuration: small)
            == .bodyTooLarge(limit: 8))
        #expect(parseError("HTTP/1.1 200 OK\r\n\r\n0123456789", configuration: small) == .bodyTooLarge(limit: 8))
        #expect(parseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n5\r\n", configuration: small)
            == .bodyTooLarge(limit: 8))
        #expect(parseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;aaaaaaaaaaaa", configuration: small)
            == .malformedChunk)
    }

    @Test("A failed parser stays failed")
    func staysFailed() {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/9.9 200 OK\r\n\r\n".utf8))
        #expect(throws: HTTPResponseParseError.unsupportedVersion) { try parser.nextResponse() }
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(throws: HTTPResponseParseError.unsupportedVersion) { try parser.nextResponse() }
    }

    @Test("Random bytes never trap")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("HTTP/1.1 200\r\n:;0aZ ".utf8) + [0, 0x7F, 0xFF]
        for _ in 0..<300 {
            var parser = HTTPResponseParser(configuration: .init(maxHeaderBytes: 256, maxBodySize: 64))
            let bytes = (0..<Int.random(in: 0...200, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator) ?? 0
            }
            parser.append(Array("HTTP/1.1 200 OK\r\n".utf8) + bytes)
            _ = try? parser.nextResponse()
            _ = try? parser.finish()
        }
    }
}

struct HTTPClientEncodingTests {
    @Test("A client request gets Host, framing headers, and drops caller-supplied framing")
    func encode() throws {
        var request = HTTPRequest(method: .post, target: "/api/v1/notes/n1/update", body: Array("{}".utf8))
        request.headers.add("Authorization", "Bearer abc")
        request.headers.add("Content-Length", "999")
        request.headers.add("Host", "evil")
        let text = String(decoding: try request.serializedForClient(host: "127.0.0.1:8080"), as: UTF8.self)
        #expect(text == "POST /api/v1/notes/n1/update HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer abc\r\n"
            + "Content-Length: 2\r\n\r\n{}")
        let get = String(decoding: try HTTPRequest(method: .get, target: "/").serializedForClient(host: "h", keepAlive: false),
                         as: UTF8.self)
        #expect(get == "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        let empty = String(decoding: try HTTPRequest(method: .post, target: "/x").serializedForClient(host: "h"), as: UTF8.self)
        #expect(empty.contains("Content-Length: 0\r\n"))
    }

    @Test("Header injection, bad targets and bad methods are refused")
    func injection() {
        var request = HTTPRequest(method: .get, target: "/")
        request.headers.add("Authorization", "Bearer x\r\nX-Evil: 1")
        #expect(throws: HTTPRequestEncodeError.invalidHeader(name: "Authorization")) {
            try request.serializedForClient(host: "h")
        }
        #expect(throws: HTTPRequestEncodeError.invalidTarget) {
            try HTTPRequest(method: .get, target: "/a b").serializedForClient(host: "h")
        }
        #expect(throws: HTTPRequestEncodeError.invalidTarget) {
            try HTTPRequest(method: .get, target: "http://x/").serializedForClient(host: "h")
        }
        #expect(throws: HTTPRequestEncodeError.invalidMethod) {
            try HTTPRequest(method: HTTPMethod(rawValue: "G T"), target: "/").serializedForClient(host: "h")
        }
    }
}

struct HTTPURLTests {
    @Test("http URLs parse into host, port and base path")
    func parse() throws {
        let plain = try HTTPURL(parsing: " http://127.0.0.1:8080/ ")
        #expect(plain.host == "127.0.0.1" && plain.port == 8080 && plain.basePath == "")
        #expect(plain.target("/api/v1/auths/") == "/api/v1/auths/")
        let base = try HTTPURL(parsing: "HTTP://owui.internal/openwebui/")
        #expect(base.port == 80 && base.basePath == "/openwebui" && base.hostHeader == "owui.internal")
        let six = try HTTPURL(parsing: "http://[::1]:3000")
        #expect(six.host == "::1" && six.port == 3000 && six.hostHeader == "[::1]:3000")
    }

    @Test("https is refused with a clear error; other junk is malformed")
    func refuse() {
        #expect(throws: HTTPURL.Error.httpsNotSupported) { try HTTPURL(parsing: "https://owui.example.com") }
        #expect(HTTPURL.Error.httpsNotSupported.description.contains("http://"))
        #expect(throws: HTTPURL.Error.unsupportedScheme("ftp")) { try HTTPURL(parsing: "ftp://x") }
        for bad in ["owui:8080", "http://", "http://:80", "http://h:0", "http://h:99999", "http://h:8a",
                    "http://u@h", "http://h/?q", "http://h/ x", "http://[::1"] {
            #expect(throws: HTTPURL.Error.self, "\(bad)") { try HTTPURL(parsing: bad) }
        }
    }
}
