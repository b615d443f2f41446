import Testing
@testable import Wire

private func parse(_ text: String, configuration: HTTPRequestParser.Configuration = .init())
    throws(HTTPParseError) -> [HTTPRequest]
{
    var parser = HTTPRequestParser(configuration: configuration)
    parser.append(Array(text.utf8))
    var requests: [HTTPRequest] = []
    while let request = try parser.nextRequest() { requests.append(request) }
    return requests
}

struct HTTPRequestParserTests {
    @Test("A GET with headers, path and decoded query")
    func simpleGet() throws {
        let requests = try parse("GET /socket.io/?EIO=4&transport=polling&t=a%20b+c HTTP/1.1\r\nHost: x\r\nX-A:  1 \r\n\r\n")
        let request = try #require(requests.first)
        #expect(request.method == .get)
        #expect(request.path == "/socket.io/")
        #expect(request.query == ["EIO": "4", "transport": "polling", "t": "a b c"])
        #expect(request.headers["host"] == "x")
        #expect(request.headers["X-A"] == "1")
        #expect(request.keepAlive)
    }

    @Test("A POST body framed by Content-Length, split at every byte, then a pipelined request")
    func bodyIncremental() throws {
        let text = "POST /api HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.0\r\n\r\n"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var parser = HTTPRequestParser()
            var requests: [HTTPRequest] = []
            parser.append(bytes[..<split])
            while let request = try parser.nextRequest() { requests.append(request) }
            parser.append(bytes[split...])
            while let request = try parser.nextRequest() { requests.append(request) }
            #expect(requests.map(\.path) == ["/api", "/b"], "split \(split)")
            #expect(requests.first?.body == Array("hello".utf8))
            #expect(requests.last?.keepAlive == false)   // HTTP/1.0 without keep-alive
        }
    }

    @Test("Limits: request line (414), head size and header count (431), body (413) before buffering it")
    func limits() {
        let small = HTTPRequestParser.Configuration(
            maxRequestLineLength: 32, maxHeaderBytes: 128, maxHeaderCount: 2, maxBodySize: 10)
        #expect(throws: HTTPParseError.requestLineTooLong(limit: 32)) {
            try parse("GET /" + String(repeating: "a", count: 40), configuration: small)
        }
        #expect(throws: HTTPParseError.headersTooLarge(limit: 128)) {
            try parse("GET / HTTP/1.1\r\nA: " + String(repeating: "b", count: 200), configuration: small)
        }
        #expect(throws: HTTPParseError.tooManyHeaders(limit: 2)) {
            try parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", configuration: small)
        }
        #expect(throws: HTTPParseError.bodyTooLarge(length: 11, limit: 10)) {
            try parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", configuration: small)
        }
        #expect(HTTPParseError.requestLineTooLong(limit: 1).status.code == 414)
        #expect(HTTPParseError.tooManyHeaders(limit: 1).status.code == 431)
        #expect(HTTPParseError.bodyTooLarge(length: 1, limit: 0).status.code == 413)
    }

    @Test("Malformed requests are rejected with 400, 501 or 505", arguments: [
        ("GET\r\n\r\n", 400), ("GET / HTTP/1.1 extra\r\n\r\n", 400), ("GET noslash HTTP/1.1\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\n\r\n", 400), ("GET / HTTP/2.0\r\n\r\n", 505), ("GET / FTP/1.0\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nNo-Colon\r\n\r\n", 400), ("GET / HTTP/1.1\r\nA : b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400), ("GET / HTTP/1.1\r\nA: b\nB: c\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400), ("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
    ])
    func malformed(text: String, status: Int) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.status.code == status, "\(text.debugDescription): \(error)")
        }
    }

    @Test("After an error the parser stays failed")
    func sticky() {
        var parser = HTTPRequestParser()
        parser.append(Array("BAD\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.self) { try parser.nextRequest() }
        parser.append(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.self) { try parser.nextRequest() }
    }

    @Test("Responses carry Content-Length and Connection: close when not kept alive")
    func responseSerialisation() {
        let wire = String(decoding: HTTPResponse.json("{}").serialize(keepAlive: false), as: UTF8.self)
        #expect(wire == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        let head = String(decoding: HTTPResponse.text("abc").serialize(keepAlive: true, includeBody: false), as: UTF8.self)
        #expect(head.hasSuffix("Content-Length: 3\r\n\r\n"))
    }

    @Test("Percent-decoding rejects bad escapes and invalid UTF-8")
    func percentDecoding() {
        #expect(HTTPRequest.percentDecode("a%2Fb") == "a/b")
        #expect(HTTPRequest.percentDecode("%E2%82%AC") == "€")
        #expect(HTTPRequest.percentDecode("%zz") == nil)
        #expect(HTTPRequest.percentDecode("%C0%AF") == nil)
        #expect(HTTPRequest.percentDecode("a+b", plusAsSpace: true) == "a b")
    }
}
