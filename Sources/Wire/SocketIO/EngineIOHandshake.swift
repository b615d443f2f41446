/// The data of the Engine.IO v4 open packet: `0{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,
/// "maxPayload":…}`.
///
/// Open WebUI advertises pingInterval 25000 and pingTimeout 20000 (openwebui-protocol.md §1); Tandem's maxPayload
/// defaults to 10 MB because the 1 MB default breaks large pastes (Open WebUI issue #26140).
public struct EngineIOHandshake: Equatable, Sendable {
    /// The session id, also the Engine.IO `sid` query parameter of later requests.
    public var sid: String
    /// Transports the client may upgrade to: `["websocket"]` on polling, `[]` on WebSocket.
    public var upgrades: [String]
    /// Milliseconds between server pings.
    public var pingInterval: Int
    /// Milliseconds the server waits for a pong.
    public var pingTimeout: Int
    /// Largest packet or polling body, in bytes.
    public var maxPayload: Int

    public init(sid: String, upgrades: [String], pingInterval: Int, pingTimeout: Int, maxPayload: Int) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }

    /// The JSON object, keys in the order the reference server writes them.
    public var json: JSONValue {
        [
            "sid": .string(self.sid),
            "upgrades": .array(self.upgrades.map { .string($0) }),
            "pingInterval": .int(Int64(self.pingInterval)),
            "pingTimeout": .int(Int64(self.pingTimeout)),
            "maxPayload": .int(Int64(self.maxPayload)),
        ]
    }

    /// The open packet carrying this handshake.
    public var packet: EngineIOPacket { .open(self.json.serialized()) }

    /// Reads a handshake back (clients, tests and the benchmark).
    public init?(json: JSONValue) {
        guard let sid = json["sid"]?.stringValue, let upgrades = json["upgrades"]?.arrayValue,
            let interval = json["pingInterval"]?.intValue, let timeout = json["pingTimeout"]?.intValue
        else { return nil }
        self.sid = sid
        self.upgrades = upgrades.compactMap(\.stringValue)
        self.pingInterval = Int(interval)
        self.pingTimeout = Int(timeout)
        self.maxPayload = Int(json["maxPayload"]?.intValue ?? 1_000_000)
    }
}
