import Foundation

/// What a room keeps for its history, save receipts and size budget (DocumentRoom+History.swift).
struct RoomHistory {
    /// The history, opened on first use.
    var store: (any HistoryStorage)?
    /// Estimated bytes of the merged state: exact after each encode, plus every applied update's size since (deletes
    /// do not shrink it until the next save re-measures). nil until first needed.
    var stateBytes: Int?
    /// Whether the document changed since the last version was taken.
    var changedSinceVersion = false

    /// Counts an applied update.
    mutating func applied(bytes: Int) {
        if let current = stateBytes { stateBytes = current + bytes }
        changedSinceVersion = true
    }

    /// Milliseconds since 1970 (version timestamps).
    static func wallMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// The result of a server-side content write or restore.
public struct ContentWriteResult: Sendable {
    /// Bytes of the update applied (`[0, 0]`, 2 bytes, when the content was already equal).
    public var updateBytes: Int
    /// The encoded state vector after the write (the `expected_version` of a next write).
    public var stateVector: [UInt8]
    /// The version taken just before the write, if one was needed.
    public var versionBefore: DocumentVersion?
}

/// What `GET /api/v1/documents/{id}` tells about a document.
public struct DocumentInfo: Sendable {
    public var documentID: String
    public var loaded: Bool
    /// Whether changes wait to be written to the state file.
    public var unsavedChanges: Bool
    public var stateVector: [UInt8]?
    public var stateBytes: Int?
    public var members: Int
}
