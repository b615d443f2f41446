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

/// A relay that records what each protocol would send, for manager tests without sockets.
final class RecordingRelay: DocumentRelay, @unchecked Sendable {
    let kind: DocumentPeer.Kind
    private let lock = NSLock()
    private var recorded: [(DocumentEvent, [String])] = []

    init(kind: DocumentPeer.Kind) { self.kind = kind }

    func deliver(_ event: DocumentEvent, members: [DocumentPeer]) {
        lock.withLock { recorded.append((event, members.map(\.id).sorted())) }
    }

    /// Every event so far with the peers it went to, and clears the record.
    func take() -> [(DocumentEvent, [String])] {
        lock.withLock {
            defer { recorded.removeAll() }
            return recorded
        }
    }

    /// The updates delivered so far (with their receivers), and clears the record.
    func takeUpdates() -> [([UInt8], [String])] {
        take().compactMap { event, members in
            if case .update(_, let update, _) = event { return (update, members) }
            return nil
        }
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
