import Wire

/// Mounts a ``SocketIOServer`` on the HTTP/WebSocket ``Router``: long-polling as an HTTP prefix route and the
/// WebSocket transport as a WebSocket route, both at ``SocketIOConfiguration/path`` (see Docs/protocols.md).
public enum SocketIOEndpoint {
    /// Registers the polling and WebSocket routes of `server` on `router`.
    public static func register(_ server: SocketIOServer, on router: inout Router) {
        let path = server.configuration.path
        router.http(nil, path, match: .prefix) { request in
            var headers: HTTPHeaders = ["Access-Control-Allow-Origin": "*"]
            if request.method == .options {
                headers.add("Access-Control-Allow-Methods", "GET, POST")
                headers.add("Access-Control-Allow-Headers", "content-type")
                return HTTPResponse(status: .noContent, headers: headers)
            }
            let response = await server.handlePolling(
                method: request.method.rawValue, query: request.rawQuery, body: request.body)
            headers.add("Content-Type", response.contentType)
            let status = HTTPStatus(code: response.status, reason: Self.reason(response.status))
            return HTTPResponse(status: status, headers: headers, body: response.body)
        }
        router.webSocket(path) { request, outbound in
            guard request.query["EIO"] == "4" else {
                throw HTTPError(.badRequest, message: "Unsupported protocol version")
            }
            let socket = OutboundWebSocket(outbound: outbound)
            let upgrading = request.query["sid"]
            guard let token = await server.webSocketOpened(socket, engineSID: upgrading) else {
                throw HTTPError(.badRequest, message: "Session ID unknown")
            }
            let direct = upgrading == nil
            if direct { server.attachDirectWebSocket(outbound, engineSID: token.engineSID) }
            return ClosureWebSocketSession(
                received: { message in
                    switch message {
                    case .text(let text): await server.webSocketReceived(token, text: text)
                    case .binary(let bytes): await server.webSocketReceived(token, binary: bytes)
                    }
                },
                closed: { _ in
                    if direct { server.detachDirectWebSocket(engineSID: token.engineSID) }
                    await server.webSocketClosed(token)
                })
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 413: return "Content Too Large"
        default: return "Error"
        }
    }
}

/// The server's ``WebSocketOutbound`` as an ``EngineIOWebSocket`` (both are non-blocking and ordered).
struct OutboundWebSocket: EngineIOWebSocket {
    let outbound: WebSocketOutbound

    func send(text: String) {
        self.outbound.send(text: text)
    }

    func send(binary: [UInt8]) {
        self.outbound.send(binary: binary)
    }

    func close(code: UInt16, reason: String) {
        self.outbound.close(code: WebSocketCloseCode(rawValue: code), reason: reason)
    }
}
