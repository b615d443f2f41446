import Foundation
import Tandem
import Wire
import YCRDT

/// The two document protocols of the `scale` suite, as a client of ``LoadGenerator`` speaks them: joining a
/// document until synced, sending an update, and recognising a relayed update.
enum ScaleProtocol: String {
    case yWebSocket = "y-websocket"
    case socketIO = "Socket.IO"

    /// Phases of ``LoadConnection/phase`` while joining.
    static let synced = 3

    /// A y-websocket sync step 1 with an empty state vector: "send me everything".
    static let emptyStep1 = ProtocolMessage.sync(.step1(stateVector: [0])).encoded()

    func path(document: String, user: String) -> String {
        switch self {
        case .yWebSocket: return "/yjs/\(document)?token=\(ScaleServer.token(user))"
        case .socketIO: return "/ws/socket.io/?EIO=4&transport=websocket"
        }
    }

    /// Advances a joining connection on `event`; returns true when this event made it synced (the full state
    /// received: sync step 2 for y-websocket, `ydoc:document:state` for Socket.IO).
    func advance(_ generator: LoadGenerator, _ event: LoadGenerator.Event, document: String) -> Bool {
        switch (self, event) {
        case (.yWebSocket, .open(let connection)):
            connection.phase = 1
            generator.send(connection, opcode: .binary, Self.emptyStep1)
        case (.yWebSocket, .message(let connection, _, let payload, _)):
            if connection.phase == 1, payload.count > 1, payload[0] == 0, payload[1] == 1 {
                connection.phase = Self.synced
                return true
            }
        case (.socketIO, .open(let connection)):
            connection.phase = 1
        case (.socketIO, .message(let connection, _, let payload, _)):
            if connection.phase == 1, payload.first == UInt8(ascii: "0") {
                connection.phase = 2
                let token = ScaleServer.token("u\(connection.id)")
                generator.send(connection, text: "40" + JSONValue.object(["token": .string(token)]).serialized())
            } else if connection.phase == 2, payload.starts(with: Array("40".utf8)) {
                let join: JSONValue = [
                    "document_id": .string(document), "user_id": .string("u\(connection.id)"),
                    "user_name": .string("u\(connection.id)"), "user_color": "#336699",
                ]
                generator.send(connection, text: "42" + JSONValue.array(["ydoc:document:join", join]).serialized())
                connection.phase = 2_1
            } else if connection.phase == 2_1, payload.starts(with: Self.socketIOState) {
                connection.phase = Self.synced
                return true
            }
        default:
            break
        }
        return false
    }

    static let socketIOState = Array(#"42["ydoc:document:state""#.utf8)
    static let socketIOUpdate = Array(#"42["ydoc:document:update""#.utf8)

    /// Whether a message of a synced connection is a relayed document update.
    func isUpdate(_ payload: [UInt8]) -> Bool {
        switch self {
        case .yWebSocket: return payload.count > 1 && payload[0] == 0 && payload[1] == 2
        case .socketIO: return payload.starts(with: Self.socketIOUpdate)
        }
    }

    /// The message that sends `update` to `document`.
    func updateMessage(_ update: [UInt8], document: String) -> (WebSocketOpcode, [UInt8]) {
        switch self {
        case .yWebSocket: return (.binary, ProtocolMessage.sync(.update(update)).encoded())
        case .socketIO:
            let payload: JSONValue = ["document_id": .string(document), "update": .byteArray(update)]
            return (.text, Array(("42" + JSONValue.array(["ydoc:document:update", payload]).serialized()).utf8))
        }
    }
}

/// Opening many joining clients with a bound on how many are in flight at once.
struct ScaleJoin {
    var opened = 0
    var synced = 0
    var failures = 0
    var firstFailure: String?
    /// Connect → 101 and connect → synced, per client, in ms.
    var upgradeTimes: [Double] = []
    var syncTimes: [Double] = []
    var connections: [LoadConnection] = []
    var wallMs = 0.0

    /// Opens `count` clients of `proto` (document `document(i)`, server port `port(i)` or the generator's), at most
    /// `inFlight` joining at once, and runs until every one is synced or failed (or `timeout`); `start` is the
    /// common origin of the per-client times.
    static func run(
        _ generator: LoadGenerator, _ proto: ScaleProtocol, count: Int, inFlight: Int, timeout: Double,
        port: (Int) -> Int? = { _ in nil }, document: (Int) -> String
    ) -> ScaleJoin {
        var join = ScaleJoin()
        var documents: [Int: String] = [:]
        let start = DispatchTime.now().uptimeNanoseconds
        func openNext() {
            guard join.opened < count else { return }
            let name = document(join.opened)
            let target = port(join.opened)
            join.opened += 1
            do {
                let connection = try generator.open(path: proto.path(document: name, user: "u\(join.opened)"),
                                                    engineIO: proto == .socketIO, port: target)
                documents[connection.id] = name
                join.connections.append(connection)
            } catch {
                join.failures += 1
                join.firstFailure = join.firstFailure ?? "\(error)"
            }
        }
        for _ in 0..<min(inFlight, count) { openNext() }
        generator.run(timeout: timeout, until: { join.synced + join.failures >= count }) { event in
            switch event {
            case .open(let connection):
                join.upgradeTimes.append(Double(connection.openedAt - start) / 1e6)
                _ = proto.advance(generator, event, document: documents[connection.id] ?? "")
            case .message(let connection, _, _, _):
                if proto.advance(generator, event, document: documents[connection.id] ?? "") {
                    join.synced += 1
                    join.syncTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    openNext()
                }
            case .closed(let connection, let reason):
                guard connection.phase != ScaleProtocol.synced else { return }
                join.failures += 1
                join.firstFailure = join.firstFailure ?? reason
                openNext()
            }
        }
        join.wallMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        return join
    }
}
