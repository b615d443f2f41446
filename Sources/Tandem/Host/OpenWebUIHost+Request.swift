import Wire

extension OpenWebUIHost {
    /// Sends one request with `Authorization: Bearer <token>` and returns the status and the JSON body
    /// (`.null` when the body is empty or not JSON, which matters only for statuses the caller does not expect).
    func request(
        _ method: HTTPMethod, _ path: String, token: String, json: JSONValue? = nil, kind: String
    ) async throws(OpenWebUIHostError) -> (status: Int, body: JSONValue) {
        self.requestCounts[kind, default: 0] += 1
        var headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Accept": "application/json"]
        let response: HTTPResponse
        do {
            if let json {
                response = try await self.client.postJSON(path, json: json, at: self.configuration.url, headers: headers)
            } else {
                headers.add("Accept-Encoding", "identity")
                response = try await self.client.send(
                    HTTPRequest(method: method, target: path, headers: headers), to: self.configuration.url)
            }
        } catch .invalidRequest(let error) {
            // Only the token can make a request unencodable (CR/LF in it): that token is not a valid one.
            throw .invalidToken("unencodable token (\(error))")
        } catch {
            throw .unavailable("\(method) \(path): \(error)")
        }
        let body = (try? JSONValue(parsing: response.body, limits: self.configuration.json)) ?? .null
        if response.status.code == 200 && body.isNull && !response.body.isEmpty {
            throw .unavailable("\(method) \(path): 200 with a body that is not JSON")
        }
        return (response.status.code, body)
    }

    /// FastAPI's error text: `detail` as a string, or serialized when it is a list (422), or "".
    static func detail(_ body: JSONValue) -> String {
        guard let detail = body["detail"] else { return "" }
        let text = detail.stringValue ?? detail.serialized()
        return String(text.prefix(200))
    }

    /// The error for a status the route does not document: 5xx and 429 are retryable, other 4xx are a bug.
    static func unexpected(_ status: Int, _ body: JSONValue) -> OpenWebUIHostError {
        if status >= 500 || status == 429 || status == 408 { return .unavailable("\(status) \(detail(body))") }
        return .rejected(status: status, detail: detail(body))
    }
}
