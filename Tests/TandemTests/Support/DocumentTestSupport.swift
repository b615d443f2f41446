import Foundation
import Wire
import YCRDT
@testable import Tandem

/// The shared fixtures folder: $TANDEM_SHARED, else `<repo>/../shared`, else /work/shared.
func sharedDirectory() -> String {
    if let env = ProcessInfo.processInfo.environment["TANDEM_SHARED"] { return env }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let beside = repo.deletingLastPathComponent().appendingPathComponent("shared").path
    return FileManager.default.fileExists(atPath: beside) ? beside : "/work/shared"
}

/// The updates of a Yjs conformance session, in emission order.
func fixtureUpdates(session: Int = 1) throws -> [[UInt8]] {
    let path = sharedDirectory() + "/fixtures/yjs/conformance/session-0\(session)/updates.ylog"
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    return try YLog.records(bytes).map { Array($0) }
}

/// Yjs's own encoding of the state after a session's updates.
func fixtureState(session: Int = 1) throws -> [UInt8] {
    let path = sharedDirectory() + "/fixtures/yjs/conformance/session-0\(session)/state.bin"
    return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}

/// What a room sent to one subscriber, decoded from the wire bytes, for room tests without sockets.
enum Received: Equatable {
    /// A Socket.IO event: its name and first argument.
    case event(String, JSONValue)
    /// A y-websocket message.
    case yjs(ProtocolMessage)
}

/// An outbound that records what a room sends to one subscriber, decoding the exact bytes it would put on the wire.
final class RecordingOutbound: DocumentOutbound, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Received] = []
    private(set) var revocations = 0

    func send(_ message: DocumentWireMessage) {
        let decoded: Received?
        switch message {
        case .socketIO(let message):
            if let packet = try? SocketIOPacket(decoding: message.packet), case .array(let items)? = packet.data,
                let name = items.first?.stringValue
            {
                decoded = .event(name, items.count > 1 ? items[1] : .null)
            } else {
                decoded = nil
            }
        case .webSocketFrame(let frame):
            var decoder = WebSocketFrameDecoder(role: .client)
            decoder.append(frame)
            if let frame = try? decoder.nextFrame(), let message = try? ProtocolMessage(bytes: frame.payload) {
                decoded = .yjs(message)
            } else {
                decoded = nil
            }
        }
        lock.withLock { recorded.append(decoded ?? .event("undecodable", .null)) }
    }

    func revoked() { lock.withLock { revocations += 1 } }

    /// Everything received so far, and clears the record.
    func take() -> [Received] {
        lock.withLock {
            defer { recorded.removeAll() }
            return recorded
        }
    }

    /// The Socket.IO events named `name` received so far (others are dropped from the record too).
    func take(_ name: String) -> [JSONValue] {
        take().compactMap { if case .event(name, let payload) = $0 { return payload } else { return nil } }
    }

    /// The y-websocket sync updates received so far (everything else is dropped from the record too).
    func takeYjsUpdates() -> [[UInt8]] {
        take().compactMap { if case .yjs(.sync(.update(let update))) = $0 { return update } else { return nil } }
    }

    /// The y-protocols awareness updates received so far.
    func takeAwareness() -> [AwarenessUpdate] {
        take().compactMap { if case .yjs(.awareness(let bytes)) = $0 { return try? AwarenessUpdate(bytes: bytes) } else { return nil } }
    }
}

func peer(_ id: String, user: String? = nil, kind: DocumentPeer.Kind = .socketIO, admin: Bool = false) -> DocumentPeer {
    DocumentPeer(id: id, kind: kind, userID: user ?? id, userName: (user ?? id).capitalized, isAdmin: admin)
}

func memoryConfiguration() -> DocumentConfiguration {
    var configuration = DocumentConfiguration()
    configuration.dataDirectory = nil
    return configuration
}

func diskConfiguration(_ directory: String) -> DocumentConfiguration {
    var configuration = DocumentConfiguration()
    configuration.dataDirectory = directory
    configuration.walSync = .never
    return configuration
}
