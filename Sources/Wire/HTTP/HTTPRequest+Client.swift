/// Encoding a request the way a client sends it (RFC 9112 §3, §6.2), for Tandem's upstream HTTP client.
extension HTTPRequest {
    /// The wire bytes of this request: request line, `Host`, the headers, `Content-Length`, `Connection`, body.
    ///
    /// `Host`, `Content-Length`, `Connection` and `Transfer-Encoding` in ``headers`` are replaced by the framing the
    /// encoder controls, so a caller cannot produce an ambiguous message. Names must be tokens and values must not
    /// contain CR or LF: an Authorization header built from a token a browser sent cannot inject header lines.
    /// `Content-Length` is sent for every body and for POST/PUT/PATCH without one (uvicorn waits otherwise).
    ///
    /// - Parameters:
    ///   - host: the `Host` value, `host` or `host:port`.
    ///   - keepAlive: false adds `Connection: close`.
    /// - Throws: ``HTTPRequestEncodeError``.
    public func serializedForClient(host: String, keepAlive: Bool = true) throws(HTTPRequestEncodeError) -> [UInt8] {
        guard !self.method.rawValue.isEmpty, self.method.rawValue.utf8.allSatisfy(HTTPFieldLine.isToken) else {
            throw .invalidMethod
        }
        guard self.target.utf8.first == UInt8(ascii: "/"), self.target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw .invalidTarget
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidHeader(name: "Host")
        }
        var text = "\(self.method.rawValue) \(self.target) HTTP/1.1\r\nHost: \(host)\r\n"
        for field in self.headers {
            switch field.name.lowercased() {
            case "host", "content-length", "connection", "transfer-encoding": continue
            default: break
            }
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPFieldLine.isToken),
                HTTPFieldLine.isValidValue(field.value.utf8)
            else {
                throw .invalidHeader(name: field.name)
            }
            text += "\(field.name): \(field.value)\r\n"
        }
        if !self.body.isEmpty || self.method == .post || self.method == .put || self.method == .patch {
            text += "Content-Length: \(self.body.count)\r\n"
        }
        if !keepAlive { text += "Connection: close\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        bytes.append(contentsOf: self.body)
        return bytes
    }
}
