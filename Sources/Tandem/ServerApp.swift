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

    public init() {}
}

/// The composition root of the application: the stores, the document manager and the endpoints built on them.
///
/// `tandem serve` builds one, installs its routes on the server's router and registers ``shutdown()`` as a
/// shutdown hook, so SIGTERM saves every document before the process exits.
public final class ServerApp: Sendable {
    public let configuration: AppConfiguration
    public let manager: DocumentManager
    public let notes: NoteStore?
    public let authenticator: TokenAuthenticator
    /// The Socket.IO server (Open WebUI's protocol), sharing the document manager.
    public let socketIO: SocketIOServer
    let yWebSocket: YWebSocketEndpoint
    let notesAPI: NotesAPI?
    /// Channels and chat read markers (nil without a data directory).
    public let channels: ChannelService?
    public let chatReads: ChatReadStore?
    let channelsAPI: ChannelsAPI?

    /// Opens the data directory (creating it), reads the notes and starts the document manager.
    /// - Throws: ``StorageError`` when the data directory cannot be created or read.
    public init(configuration: AppConfiguration, socketIO: SocketIOServer, metrics: MetricsRegistry? = nil) async throws {
        self.configuration = configuration
        self.socketIO = socketIO
        if let data = configuration.documents.dataDirectory {
            try FileIO.makeDirectories(data)
            self.notes = try NoteStore(dataDirectory: data)
            var limits = configuration.channels
            limits.syncPolicy = configuration.documents.walSync
            self.channels = ChannelService(
                store: try ChannelStore(dataDirectory: data, limits: limits), server: socketIO,
                settings: configuration.channelEvents)
            self.chatReads = try ChatReadStore(dataDirectory: data)
        } else {
            self.notes = nil
            self.channels = nil
            self.chatReads = nil
        }
        self.manager = DocumentManager(configuration: configuration.documents, notes: notes)
        self.authenticator = TokenAuthenticator(
            secret: configuration.jwtSecret, clockSkew: configuration.jwtClockSkew.inSeconds)
        self.yWebSocket = YWebSocketEndpoint(
            pathPrefix: configuration.yjsPath, manager: manager, authenticator: authenticator)
        let (manager, authenticator) = (self.manager, self.authenticator)
        self.notesAPI = notes.map {
            NotesAPI(notes: $0, manager: manager, authenticator: authenticator) { noteID, note in
                await socketIO.emit("note-events", [note], to: "note:" + noteID)
            }
        }
        await SocketIODocumentBridge.install(on: socketIO, manager: manager)
        self.channelsAPI = channels.map { ChannelsAPI(service: $0, authenticator: authenticator) }
        if let channels, let chatReads {
            await SocketIOChannelBridge.install(on: socketIO, service: channels, chatReads: chatReads)
        }
        if let notes {
            await socketIO.setNoteAccess { user, noteID in
                await notes.note(noteID)?.allows(.read, userID: user.id, isAdmin: user.role == "admin") ?? false
            }
        }
        if let metrics { manager.exportMetrics(to: metrics) }
    }

    /// Adds every route of the application to `router`.
    public func install(on router: inout Router) {
        yWebSocket.install(on: &router)
        notesAPI?.install(on: &router)
        channelsAPI?.install(on: &router)
    }

    /// Saves every document and syncs every log.
    /// - Returns: false when some document could not be saved (see ``DocumentManager/flushAll()``).
    @discardableResult
    public func shutdown() async -> Bool {
        let saved = await manager.flushAll()
        await channels?.store.sync()
        return saved
    }
}
