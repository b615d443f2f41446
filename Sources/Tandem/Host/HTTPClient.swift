import Dispatch
import Foundation
import Wire

/// A small HTTP/1.1 client for `http://host:port` upstreams (Open WebUI in Open WebUI mode).
///
/// Tandem carries no package dependencies and FoundationNetworking is not used, so this is its own client: plain
/// HTTP only (``HTTPURL`` refuses `https`), `Content-Length` and chunked responses, keep-alive reuse through a small
/// pool per host, a connect timeout and a whole-response timeout. The socket work blocks, so it runs on a dedicated
/// concurrent `DispatchQueue` and is bridged to `async` with a continuation: it never blocks the Swift concurrency
/// pool that the server's handlers run on. A request already sent is not cancelled by task cancellation; its
/// timeout bounds it. See Docs/openwebui.md ("The requests in detail").
public final class HTTPClient: Sendable {
    /// Limits and timeouts.
    public struct Configuration: Sendable {
        /// Longest wait for the TCP connection. Default 2 s.
        public var connectTimeout: Duration
        /// Longest wait for the whole response after connecting (send included). Default 10 s.
        public var requestTimeout: Duration
        /// Idle keep-alive connections kept per host. Default 4; 0 disables reuse.
        public var maxIdleConnectionsPerHost: Int
        /// An idle connection older than this is closed, not reused. Default 4 s (uvicorn drops idle ones at 5 s).
        public var maxIdleTime: Duration
        /// Requests in flight at once (each holds a dispatch thread). Default 16; more wait up to the request
        /// timeout, then fail with ``HTTPClientError/overloaded``.
        public var maxConcurrentRequests: Int
        /// Response limits: 16 MiB body, 64 KiB head by default (see ``HTTPResponseParser/Configuration``).
        public var response: HTTPResponseParser.Configuration

        /// Creates a configuration; see the properties for defaults.
        public init(
            connectTimeout: Duration = .seconds(2), requestTimeout: Duration = .seconds(10),
            maxIdleConnectionsPerHost: Int = 4, maxIdleTime: Duration = .seconds(4), maxConcurrentRequests: Int = 16,
            response: HTTPResponseParser.Configuration = .init()
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxIdleConnectionsPerHost = maxIdleConnectionsPerHost
            self.maxIdleTime = maxIdleTime
            self.maxConcurrentRequests = maxConcurrentRequests
            self.response = response
        }
    }

    /// The client's settings.
    public let configuration: Configuration
    private let queue = DispatchQueue(label: "tandem.http-client", attributes: .concurrent)
    private let slots: DispatchSemaphore
    private let pool: HTTPConnectionPool

    /// Creates a client.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.slots = DispatchSemaphore(value: max(1, configuration.maxConcurrentRequests))
        self.pool = HTTPConnectionPool(
            maxIdlePerHost: configuration.maxIdleConnectionsPerHost, maxIdleTime: configuration.maxIdleTime)
    }

    deinit {
        self.pool.close()
    }

    /// Idle pooled connections (for tests and metrics).
    public var idleConnectionCount: Int { self.pool.idleCount }

    /// Sends `request` (its `target` is appended to `url`'s base path) and returns the response, any status.
    ///
    /// - Throws: ``HTTPClientError`` when no complete response arrived.
    public func send(_ request: HTTPRequest, to url: HTTPURL) async throws(HTTPClientError) -> HTTPResponse {
        var request = request
        request.target = url.target(request.target)
        let bytes: [UInt8]
        do {
            bytes = try request.serializedForClient(host: url.hostHeader)
        } catch {
            throw .invalidRequest(error)
        }
        let method = request.method
        let result: Result<HTTPResponse, HTTPClientError> = await withCheckedContinuation { continuation in
            self.queue.async {
                continuation.resume(returning: self.perform(bytes, method: method, url: url))
            }
        }
        return try result.get()
    }

    /// `GET path` with the given headers.
    public func get(_ path: String, at url: HTTPURL, headers: HTTPHeaders = [:]) async throws(HTTPClientError)
        -> HTTPResponse
    {
        try await self.send(HTTPRequest(method: .get, target: path, headers: headers), to: url)
    }

    /// `POST path` with a JSON body (`Content-Type: application/json`).
    public func postJSON(
        _ path: String, json: JSONValue, at url: HTTPURL, headers: HTTPHeaders = [:]
    ) async throws(HTTPClientError) -> HTTPResponse {
        var headers = headers
        headers.set("Content-Type", "application/json")
        let request = HTTPRequest(method: .post, target: path, headers: headers, body: json.serializedBytes())
        return try await self.send(request, to: url)
    }

    /// The blocking exchange, on the client's queue: a pooled connection first, one retry on a fresh one when the
    /// pooled connection turned out to be closed, keep-alive connections back to the pool.
    private func perform(_ bytes: [UInt8], method: HTTPMethod, url: HTTPURL) -> Result<HTTPResponse, HTTPClientError> {
        let start = ContinuousClock.now
        guard self.slots.wait(timeout: .now() + self.configuration.requestTimeout.dispatchInterval) == .success else {
            return .failure(.overloaded)
        }
        defer { self.slots.signal() }
        let key = "\(url.host):\(url.port)"
        if let pooled = self.pool.take(key, now: start) {
            switch self.exchange(bytes, method: method, on: pooled) {
            case .success(let response): return .success(response)
            case .failure(let error) where !error.isRetryableOnFreshConnection: return .failure(error)
            case .failure: break
            }
        }
        let connection: HTTPClientConnection
        do {
            connection = try HTTPClientConnection.open(
                host: url.host, port: url.port, deadline: .now + self.configuration.connectTimeout,
                parser: HTTPResponseParser(configuration: self.configuration.response))
        } catch {
            return .failure(error)
        }
        return self.exchange(bytes, method: method, on: connection)
    }

    private func exchange(
        _ bytes: [UInt8], method: HTTPMethod, on connection: HTTPClientConnection
    ) -> Result<HTTPResponse, HTTPClientError> {
        do {
            let received = try connection.exchange(bytes, method: method, deadline: .now + self.configuration.requestTimeout)
            if received.keepAlive { self.pool.put(connection, now: .now) }
            return .success(received.response)
        } catch {
            return .failure(error)
        }
    }
}

extension Duration {
    /// This duration as a Dispatch interval (nanoseconds, saturating).
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = self.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return .never }
        return .nanoseconds(Int(clamping: nanoseconds.partialValue + attoseconds / 1_000_000_000))
    }
}
