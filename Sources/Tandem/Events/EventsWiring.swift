/// The events features built by ``ServerApp``: connection table, outbox, dispatcher, API, notify and chat endpoints
/// and channel presence (Docs/events.md).
struct EventsWiring: Sendable {
    let connections: UserConnections
    let outbox: (any OutboxStore)?
    let dispatcher: EventDispatcher
    let api: EventsAPI
    let notify: NotifyEndpoint
    let chat: ChatWebSocketEndpoint?
    let presence: ChannelPresence?

    init(
        configuration: AppConfiguration, socketIO: SocketIOServer, authenticator: TokenAuthenticator,
        channels: ChannelService?, bus: SocketIORedisBus?, cluster: ClusterNode?, metrics: MetricsRegistry?, userSource: (any TokenUserSource)?
    ) async throws {
        let settings = configuration.events
        let connections = UserConnections(maxPerUser: settings.maxConnectionsPerUser)
        self.connections = connections
        await socketIO.setUserConnections(connections)
        var outboxSettings = settings.outbox
        outboxSettings.syncPolicy = configuration.documents.walSync
        if let cluster {
            // Cluster mode: every node stores and replays the same outboxes, in Redis.
            self.outbox = RedisOutbox(
                client: cluster.client, keys: cluster.keys, settings: outboxSettings, timeout: cluster.settings.commandTimeout)
        } else {
            self.outbox = try configuration.documents.dataDirectory.map { directory throws(StorageError) in
                try EventOutbox(dataDirectory: directory, settings: outboxSettings)
            }
        }
        let dispatcher = EventDispatcher(server: socketIO, outbox: outbox, metrics: EventsMetrics(registry: metrics))
        self.dispatcher = dispatcher
        await dispatcher.install()
        var api = EventsAPI(
            dispatcher: dispatcher, authenticator: authenticator, connections: connections,
            serviceToken: settings.serviceToken)
        api.maxCallTimeout = configuration.socketIO.callTimeout
        if let bus { api.sharedSessions = { userID in await bus.sessions(ofUser: userID) } }
        if let cluster {
            // Cluster mode: plain connections of every node, mirrored in Redis (Socket.IO ones are in session_pool).
            let table = ClusterConnections(
                client: cluster.client, keys: cluster.keys, nodeID: cluster.nodeID, timeout: cluster.settings.commandTimeout,
                limitCheckFailures: dispatcher.metrics.limitCheckFailures)
            table.attach(to: connections)
            if settings.maxConnectionsPerUser != nil {
                // The per-user limit counts (and reserves) across the live nodes.
                connections.admitAcrossNodes(with: table)
            }
            let nodeID = cluster.nodeID
            api.remoteConnections = { userID in
                await table.connections(ofUser: userID).map { listed in listed.filter { $0.node != nodeID } }
            }
        }
        var notify = NotifyEndpoint(dispatcher: dispatcher, jwtSecret: configuration.jwtSecret, connections: connections)
        notify.path = settings.notifyPath
        if let bus { notify.idPrefix = "notify-\(bus.settings.hostID)-" }
        notify.userSource = userSource
        self.notify = notify
        api.notifySessions = notify.registry
        if let cluster {
            // Calls to notify connections held by other nodes, over their call channels.
            let calls = ClusterCalls(node: cluster, registry: notify.registry, maxCallTimeout: api.maxCallTimeout)
            await calls.start()
            api.nodeID = cluster.nodeID
            api.remoteNotifyCall = { node, id, event, data, timeout in
                await calls.call(node: node, target: id, event: event, data: data, timeout: timeout)
            }
        }
        self.api = api
        if let channels {
            let presence = ChannelPresence(server: socketIO)
            await presence.install(service: channels)
            if let cluster {
                // Cluster mode: who is online counts every node (Redis), announced once per user for the cluster.
                await presence.share(through: ClusterChannelPresence(
                    client: cluster.client, keys: cluster.keys, nodeID: cluster.nodeID,
                    timeout: cluster.settings.commandTimeout))
            }
            var chat = ChatWebSocketEndpoint(
                service: channels, presence: presence, jwtSecret: configuration.jwtSecret, connections: connections)
            chat.pathPrefix = settings.chatPathPrefix
            chat.userSource = userSource
            self.chat = chat
            self.presence = presence
        } else {
            self.chat = nil
            self.presence = nil
        }
    }

    func install(on router: inout Router) {
        api.install(on: &router)
        notify.install(on: &router)
        chat?.install(on: &router)
    }
}
