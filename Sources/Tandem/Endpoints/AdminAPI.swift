import Foundation
import Wire

/// The admin-only JSON routes behind the dashboard (``DashboardPage``), with `Authorization: Bearer <admin JWT>`.
///
/// | route | answer |
/// |---|---|
/// | `GET /api/v1/admin/overview` | server, counters, latency buckets, documents (at most ``maxListedDocuments``), channels, cluster |
/// | `GET /api/v1/admin/documents` | the loaded documents, most members first |
/// | `GET /api/v1/admin/documents/{id}` | one document with members, update log, version count and (unless `?html=0`) its rendered note |
///
/// Nothing here runs unless a dashboard polls: rooms keep only a fixed ring of update sizes (``RoomActivity``). Every
/// answer is bounded (documents, members and channels listed, HTML bytes), and no answer carries document content
/// except the server's own HTML rendering of a note on the document route. 401 without a valid token, 403 for a
/// non-admin.
public struct AdminAPI: Sendable {
    public let manager: DocumentManager
    public let authenticator: TokenAuthenticator
    public let socketIO: SocketIOServer?
    public let channels: (any ChannelStorage)?
    public let metrics: MetricsRegistry?
    /// The Redis bus, when `--redis` is set (its state is shown as the cluster status).
    public let bus: SocketIORedisBus?
    /// Documents listed by the overview and the list route (default 200; the total is always given).
    public var maxListedDocuments = 200
    /// Channels listed by the overview (default 100).
    public var maxListedChannels = 100
    /// Members and HTML bytes per document.
    public var snapshotLimits = DocumentSnapshotLimits()
    let started = ContinuousClock.now

    public init(
        manager: DocumentManager, authenticator: TokenAuthenticator, socketIO: SocketIOServer?, channels: (any ChannelStorage)?,
        metrics: MetricsRegistry?, bus: SocketIORedisBus? = nil
    ) {
        self.manager = manager
        self.authenticator = authenticator
        self.socketIO = socketIO
        self.channels = channels
        self.metrics = metrics
        self.bus = bus
    }

    /// Adds the routes to `router`.
    public func install(on router: inout Router) {
        let api = self
        router.get("/api/v1/admin/overview") { request in try await api.overview(request) }
        router.get("/api/v1/admin/documents") { request in try await api.documents(request) }
        router.get("/api/v1/admin/documents/", match: .prefix) { request in try await api.document(request) }
    }

    func requireAdmin(_ request: HTTPRequest) throws {
        guard let user = authenticator.user(authorization: request.headers["authorization"]) else {
            throw APIError.unauthorized
        }
        guard user.isAdmin else { throw APIError.make(.forbidden, "admin role required") }
    }

    func overview(_ request: HTTPRequest) async throws -> HTTPResponse {
        try requireAdmin(request)
        let documents = await manager.snapshots(limit: maxListedDocuments, limits: snapshotLimits)
        let stats = manager.stats
        var counters: JSONObject = [
            "document_updates_applied": .int(Int64(stats.updatesApplied)),
            "document_updates_rejected": .int(Int64(stats.updatesRejected)),
            "document_saves": .int(Int64(stats.saves)),
            "document_save_failures": .int(Int64(stats.saveFailures)),
        ]
        for (key, name) in Self.exportedMetrics {
            if let total = metrics?.total(name) { counters[key] = Self.number(total.value) }
        }
        if let latency = metrics?.total("tandem_http_request_duration_seconds") {
            counters["http_request_duration_count"] = Self.number(latency.value)
            counters["http_request_duration_sum_seconds"] = .double(latency.sum)
        }
        var channelList: [JSONValue] = []
        var channelCount = 0
        if let channels {
            let all = (try? await channels.summaries()) ?? []
            channelCount = all.count
            channelList = all.prefix(maxListedChannels).map { summary in
                .object([
                    "id": .string(summary.channel.id), "name": .string(summary.channel.name),
                    "members": .int(Int64(summary.channel.members.count)), "messages": .int(Int64(summary.messages)),
                ])
            }
        }
        let sessions = await socketIO?.allSessions.count ?? 0
        let body: JSONObject = [
            "server": .object([
                "version": .string(Tandem.version),
                "uptime_seconds": .double((ContinuousClock.now - started).seconds),
                "time": .double(Date().timeIntervalSince1970),
                "socketio_sessions": .int(Int64(sessions)),
                "documents_loaded": .int(Int64(manager.loadedDocuments.count)),
                "document_members": .int(Int64(stats.members)),
            ]),
            "counters": .object(counters),
            "documents": .array(documents.map { Self.json($0) }),
            "documents_total": .int(Int64(manager.loadedDocuments.count)),
            "channels": .array(channelList),
            "channels_total": .int(Int64(channelCount)),
            "channels_configured": .bool(channels != nil),
            "cluster": .object(await clusterStatus()),
            "latencies": Self.latencies(manager.statistics.latencies),
        ]
        return Self.answer(.object(body))
    }

    func documents(_ request: HTTPRequest) async throws -> HTTPResponse {
        try requireAdmin(request)
        let documents = await manager.snapshots(limit: maxListedDocuments, limits: snapshotLimits)
        return Self.answer(
            .object([
                "documents": .array(documents.map { Self.json($0) }),
                "total": .int(Int64(manager.loadedDocuments.count)),
            ]))
    }

    func document(_ request: HTTPRequest) async throws -> HTTPResponse {
        try requireAdmin(request)
        let rest = request.path.dropFirst("/api/v1/admin/documents/".count)
        guard !rest.isEmpty, !rest.contains("/"), let id = HTTPRequest.percentDecode(rest), !id.isEmpty else {
            throw APIError.make(.notFound, "no such route")
        }
        let includeHTML = request.query["html"] != "0"
        guard let snapshot = await manager.snapshot(id, includeHTML: includeHTML, limits: snapshotLimits) else {
            throw APIError.make(.notFound, "document not loaded")
        }
        return Self.answer(Self.json(snapshot, detailed: true))
    }

    /// `redis`: "not configured", "connected" or "unreachable" (both Redis connections up and PING answered, as
    /// `/readyz` checks); `host_id`: this server's id on the bus.
    func clusterStatus() async -> JSONObject {
        guard let bus else { return ["redis": "not configured", "nodes": .array([])] }
        return [
            "redis": .string(await bus.isReady() ? "connected" : "unreachable"),
            "host_id": .string(bus.settings.hostID), "nodes": .array([]),
        ]
    }

    /// Dashboard counter key → Prometheus metric (read, never registered, by ``MetricsRegistry/total(_:)``).
    static let exportedMetrics: [(String, String)] = [
        ("connections_open", "tandem_connections_open"),
        ("websockets_open", "tandem_websockets_open"),
        ("connections_accepted", "tandem_connections_accepted_total"),
        ("http_requests", "tandem_http_requests_total"),
        ("websocket_messages_received", "tandem_websocket_messages_received_total"),
        ("websocket_messages_sent", "tandem_websocket_messages_sent_total"),
        ("bytes_received", "tandem_bytes_received_total"),
        ("bytes_sent", "tandem_bytes_sent_total"),
        ("errors", "tandem_errors_total"),
    ]

    /// The documents layer's latency histograms as the dashboard charts them: per family, the bucket bounds
    /// (seconds) and the cumulative counts over every label (the last one is `+Inf`). The page derives p50 and p99
    /// over its last minute of polls from the differences.
    static func latencies(_ latencies: DocumentLatencies) -> JSONValue {
        func family(_ histograms: [MetricHistogram]) -> JSONValue {
            guard let first = histograms.first else { return .null }
            var counts = [UInt64](repeating: 0, count: first.bounds.count + 1)
            for histogram in histograms {
                let cumulative = histogram.snapshot.cumulative
                for index in counts.indices where index < cumulative.count { counts[index] &+= cumulative[index] }
            }
            return .object([
                "bounds": .array(first.bounds.map { .double($0) }),
                "counts": .array(counts.map { .int(Int64(clamping: $0)) }),
            ])
        }
        return .object([
            "join": family([latencies.joinSocketIO, latencies.joinYWebSocket]),
            "relay": family([latencies.relaySocketIO, latencies.relayYWebSocket]),
            "save": family([latencies.saveState]),
        ])
    }

    static func number(_ value: Double) -> JSONValue {
        value == value.rounded() && abs(value) < 9e15 ? .int(Int64(value)) : .double(value)
    }

    static func answer(_ value: JSONValue) -> HTTPResponse {
        var response = HTTPResponse.json(value.serialized())
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    static func kind(_ kind: DocumentPeer.Kind) -> JSONValue {
        switch kind {
        case .socketIO: return .string("socketio")
        case .yWebSocket: return .string("y-websocket")
        }
    }

    static func json(_ snapshot: DocumentRoomSnapshot, detailed: Bool = false) -> JSONValue {
        var object: JSONObject = [
            "id": .string(snapshot.documentID),
            "members": .int(Int64(snapshot.memberCount)),
            "members_by_protocol": .object([
                "socketio": .int(Int64(snapshot.socketIOMembers)),
                "y-websocket": .int(Int64(snapshot.yWebSocketMembers)),
            ]),
            "state_bytes": .int(Int64(snapshot.stateBytes)),
            "log_records": .int(Int64(snapshot.logRecords)),
            "log_bytes": .int(Int64(snapshot.logBytes)),
            "updates_applied": .int(Int64(snapshot.updatesApplied)),
            "update_bytes_applied": .int(Int64(snapshot.bytesApplied)),
            "seconds_since_save": snapshot.secondsSinceSave.map { .double($0) } ?? .null,
            "unsaved_changes": .bool(snapshot.hasUnsavedChanges),
        ]
        guard detailed else { return .object(object) }
        object["member_list"] = .array(
            snapshot.members.map { member in
                .object([
                    "peer": .string(member.peerID), "protocol": kind(member.kind), "user_id": .string(member.userID),
                    "user_name": .string(member.userName), "name": member.name.map { .string($0) } ?? .null,
                    "color": member.color.map { .string($0) } ?? .null, "can_write": .bool(member.canWrite),
                ])
            })
        object["recent_updates"] = .array(
            snapshot.recentUpdates.map { update in
                .object([
                    "bytes": .int(Int64(update.bytes)), "seconds_ago": .double(update.secondsAgo),
                    "user_id": update.userID.map { .string($0) } ?? .null,
                    "user_name": update.userName.map { .string($0) } ?? .null,
                    "protocol": update.kind.map(kind) ?? .string("server"),
                ])
            })
        object["html"] = snapshot.html.map { .string($0) } ?? .null
        object["html_truncated"] = .bool(snapshot.htmlTruncated)
        object["version"] = .int(Int64(snapshot.updatesApplied))
        object["versions"] = .object([
            "count": .int(Int64(snapshot.versionCount ?? 0)),
            "latest": snapshot.latestVersionID.map(JSONValue.string) ?? .null,
        ])
        return .object(object)
    }
}
