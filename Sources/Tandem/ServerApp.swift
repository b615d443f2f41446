import Foundation
import Wire

/// Settings of the application layer (documents, notes, channels, authentication), beside the transport's
/// ``ServerConfiguration``.
public struct AppConfiguration: Sendable {
    /// Documents and persistence (`--data`, WAL, saves, compaction, limits).
    public var documents = DocumentConfiguration()
    /// The HS256 secret of the JWTs (`--jwt-secret`, `TANDEM_JWT_SECRET` or Open WebUI's `WEBUI_SECRET_KEY`).
    /// Without one every token is refused.
    public var jwtSecret: String?
    /// How far in the future a token's `nbf` or `iat` may lie (`--jwt-clock-skew`, default 30 s).
    public var jwtClockSkew: Duration = .seconds(30)
    /// Path prefix of the y-websocket endpoint (`--yjs-path`, default `/yjs/`).
    public var yjsPath = "/yjs/"
    /// Channel limits (`--channel-max-message`, `--channel-page-size`); the message logs follow `documents.walSync`.
    public var channels = ChannelLimits()
    /// Channel event settings (`--typing-rate`, `--channel-legacy-events`).
    public var channelEvents = ChannelEventSettings()
    /// The Socket.IO endpoint (path, maxPayload, ping, strict auth); its JWT secret is ``jwtSecret``.
    public var socketIO = SocketIOConfiguration()
    /// Register the generic `test:*` relay and echo events (interop tests, `tandem-bench socketio`).
    public var socketIOTestEvents = false
    /// Open WebUI mode (`--openwebui URL`, `TANDEM_OPENWEBUI_URL`): the Open WebUI at this URL is the source of
    /// truth for users, notes, grants and channels; Tandem keeps the Yjs state and serves the sockets.
    public var openWebUIURL: String?
    /// How often open sockets and document members are re-checked with Open WebUI in Open WebUI mode (30 s, as
    /// Open WebUI's `periodic_socket_authentication`): revoked tokens and deleted users are disconnected.
    public var revalidationInterval: Duration = .seconds(30)
    /// `--redis URL`: join Open WebUI's Socket.IO Redis bus and session pools (nil: one standalone host).
    public var redisURL: String?
    /// Bus settings (`--redis-key-prefix`, `--redis-room-channels`).
    public var bus = SocketIOBusSettings()
    /// The bus settings as the server uses them: in cluster mode each node records its sids in `session_pool`.
    var busSettings: SocketIOBusSettings {
        var settings = bus
        if cluster { settings.recordsNodeSessions = true }
        return settings
    }
    /// The events API, durable outbox, plain chat/notify endpoints and per-user limit (Docs/events.md).
    public var events = EventsConfiguration()
    /// `--cluster` (with `--redis`): documents live in Redis and several nodes serve them (Docs/cluster.md).
    public var cluster = false
    /// Cluster settings; the key prefix and node id are the bus's.
    public var clusterSettings = ClusterSettings()

    public init() {}
}

/// The composition root of the application: the stores, the document manager and the endpoints built on them.
///
/// It owns all the wiring: `tandem serve` only parses flags into one ``AppConfiguration``, builds one, installs its
/// routes on the server's router and registers ``shutdown()`` as a shutdown hook, so SIGTERM closes the sockets and
/// saves every document before the process exits.
public final class ServerApp: Sendable {
    public let configuration: AppConfiguration
    public let manager: DocumentManager
    /// Tandem's own notes: files in the data directory, or Redis in cluster mode.
    public let notes: (any NoteStorage)?
    public let authenticator: TokenAuthenticator
    /// The Socket.IO server (Open WebUI's protocol), sharing the document manager.
    public let socketIO: SocketIOServer
    let yWebSocket: YWebSocketEndpoint
    let notesAPI: NotesAPI?
    let documentsAPI: DocumentsAPI
    /// Channels and chat read markers (nil without a data directory).
    public let channels: ChannelService?
    /// Open WebUI chats' read markers: a file, or Redis in cluster mode.
    public let chatReads: (any ChatReadStorage)?
    let channelsAPI: ChannelsAPI?
    /// The Open WebUI this server serves the sockets of (Open WebUI mode), else nil.
    public let openWebUI: OpenWebUIHost?
    /// The Redis bus, with `redisURL` (Sources/Tandem/SocketIO/SocketIORedisBus.swift).
    public let bus: SocketIORedisBus?
    /// Cluster mode's node (`--cluster`), else nil (Sources/Tandem/Cluster/ClusterNode.swift).
    public let cluster: ClusterNode?
    /// The admin dashboard's JSON routes (`/api/v1/admin/…`); the page itself is ``DashboardPage``.
    let adminAPI: AdminAPI
    /// Events for host backends, the plain notify and chat endpoints (Sources/Tandem/Events, Docs/events.md).
    let events: EventsWiring

    /// Opens the data directory (creating it), reads the notes and starts the document manager.
    /// - Throws: ``StorageError`` when the data directory cannot be created or read.
    public init(configuration: AppConfiguration, metrics: MetricsRegistry? = nil) async throws {
        let redis = try configuration.redisURL.map { url throws(RedisError) in try RedisConfiguration(url: url) }
        self.configuration = configuration
        var documents = configuration.documents
        self.cluster = try ServerApp.makeClusterNode(configuration, redis: redis, metrics: metrics)
        self.cluster?.configure(&documents)
        var socketIOConfiguration = configuration.socketIO
        socketIOConfiguration.jwtSecret = configuration.jwtSecret
        socketIOConfiguration.jwtClockSkew = configuration.jwtClockSkew
        let socketIO = SocketIOServer(configuration: socketIOConfiguration)
        self.socketIO = socketIO
        if let url = configuration.openWebUIURL {
            // Open WebUI keeps users, notes, grants and channels; its REST routes stay with it.
            let host = OpenWebUIHost(configuration: .init(url: try HTTPURL(parsing: url)))
            self.openWebUI = host
            if let data = configuration.documents.dataDirectory { try FileIO.makeDirectories(data) }
            self.notes = nil
            self.channels = nil
            self.chatReads = nil
            self.manager = DocumentManager(
                configuration: documents, notes: nil, noteBackend: OpenWebUINotes(host: host))
        } else {
            self.openWebUI = nil
            if let data = configuration.documents.dataDirectory {
                try FileIO.makeDirectories(data)
                self.notes = try self.cluster?.makeNoteStorage() ?? NoteStore(dataDirectory: data)
                var limits = configuration.channels
                limits.syncPolicy = configuration.documents.walSync
                let channelStore: any ChannelStorage =
                    try self.cluster?.makeChannelStorage(limits: limits) ?? ChannelStore(dataDirectory: data, limits: limits)
                self.channels = ChannelService(
                    store: channelStore, server: socketIO,
                    settings: configuration.channelEvents)
                self.chatReads = try self.cluster?.makeChatReadStorage() ?? ChatReadStore(dataDirectory: data)
            } else {
                self.notes = nil
                self.channels = nil
                self.chatReads = nil
            }
            self.manager = DocumentManager(configuration: documents, notes: notes)
        }
        self.authenticator = TokenAuthenticator(
            secret: configuration.jwtSecret, clockSkew: configuration.jwtClockSkew.inSeconds)
        let busMetrics = metrics.map { RedisClientMetrics(registry: $0, client: "bus") }
        let busClient = redis.map { RedisClient(configuration: $0, metrics: busMetrics) }
        let revocations = busClient.map { RedisRevocations(client: $0, keyPrefix: configuration.bus.keyPrefix) }
        let userSource = openWebUI.map { OpenWebUIUsers(host: $0, revocations: revocations) }
        self.yWebSocket = YWebSocketEndpoint(
            pathPrefix: configuration.yjsPath, manager: manager, authenticator: authenticator, userSource: userSource)
        let (manager, authenticator) = (self.manager, self.authenticator)
        self.documentsAPI = DocumentsAPI(manager: manager, authenticator: authenticator)
        self.notesAPI = notes.map {
            NotesAPI(notes: $0, manager: manager, authenticator: authenticator) { noteID, note in
                // Open WebUI 0.12's event name (older builds listened to `note-events`).
                await socketIO.emit("events:note", [note], to: .note(noteID))
            }
        }
        await SocketIODocumentBridge.install(on: socketIO, manager: manager)
        self.channelsAPI = channels.map { ChannelsAPI(service: $0, authenticator: authenticator) }
        if let channels, let chatReads {
            await SocketIOChannelBridge.install(on: socketIO, service: channels, chatReads: chatReads)
        }
        if let notes {
            await socketIO.setNoteAccess { user, noteID in
                (try? await notes.note(noteID))??.allows(.read, userID: user.id, isAdmin: user.role == "admin") ?? false
            }
        }
        if let host = openWebUI, let userSource {
            await socketIO.setUserSource(userSource)
            await socketIO.setNoteAccess { user, noteID in
                guard let token = user.token else { return false }
                return (try? await host.noteAccess(noteID: noteID, token: token)) != nil
            }
            await SocketIOChatEvents.install(on: socketIO) { user, chatID in
                guard let token = user.token else { return false }
                return (try? await host.chatAccessible(chatID: chatID, token: token)) ?? false
            }
            await socketIO.setChannelLookup { user in
                guard let token = user.token, let channels = try? await host.channels(ofUserToken: token) else { return [] }
                return channels.map(\.id)
            }
        }
        if let metrics { manager.exportMetrics(to: metrics) }
        self.bus = redis.map {
            SocketIORedisBus(
                server: socketIO, client: busClient ?? RedisClient(configuration: $0, metrics: busMetrics),
                subscriber: RedisSubscriber(configuration: $0),
                settings: configuration.busSettings, metrics: metrics, wallClock: { Date().timeIntervalSince1970 })
        }
        if self.cluster != nil, let bus = self.bus {
            // Members on other nodes join a new channel's room too (the bus's enter_room).
            await channels?.setUserSessions { userID in await bus.sessions(ofUser: userID)?.map(\.sid) ?? [] }
        }
        self.adminAPI = AdminAPI(
            manager: manager, authenticator: authenticator, socketIO: socketIO, channels: channels?.store, metrics: metrics,
            bus: self.bus)
        self.events = try await EventsWiring(
            configuration: configuration, socketIO: socketIO, authenticator: authenticator, channels: channels,
            bus: self.bus, cluster: self.cluster, metrics: metrics, userSource: userSource)
        await self.cluster?.start(manager: self.manager)
        await self.bus?.start()
        await socketIO.start()
        if let userSource {
            let (interval, manager) = (configuration.revalidationInterval, self.manager)
            Task { [weak socketIO] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let socketIO else { return }
                    await socketIO.revalidateSockets()
                    await manager.revalidateMembers(using: userSource)
                }
            }
        }
        if configuration.socketIOTestEvents { await SocketIOTestEvents.install(on: socketIO) }
    }

    /// Adds every route of the application to `router`.
    public func install(on router: inout Router) {
        SocketIOEndpoint.register(socketIO, on: &router)
        var yWebSocket = self.yWebSocket
        yWebSocket.connections = events.connections
        yWebSocket.install(on: &router)
        events.install(on: &router)
        notesAPI?.install(on: &router)
        documentsAPI.install(on: &router)
        channelsAPI?.install(on: &router)
        adminAPI.install(on: &router)
        DashboardPage.install(on: &router)
    }

    /// Saves every document and syncs every log.
    /// - Returns: false when some document could not be saved (see ``DocumentManager/flushAll()``).
    @discardableResult
    public func shutdown() async -> Bool {
        await socketIO.shutdown()
        await bus?.stop()
        let saved = await manager.flushAll()
        await cluster?.stop()
        await channels?.store.sync()
        await events.outbox?.sync()
        return saved
    }
}
