/// Why a document request was refused.
public enum DocumentRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound
    case forbidden
    case notMember
    case readOnly
    case invalidUpdate(String)
    case tooLarge(Int)
    case loadFailed(String)
    case storageFailed(String)
    /// The room closed while the request waited (the directory retries with a new room).
    case closed
    /// The host application that owns the document's access could not be asked; retry later.
    case unavailable(String)
    /// The update would grow the document's merged state past the limit (bytes); deletes still pass.
    case documentTooLarge(Int)
    /// The user already holds this many documents joined (``DocumentConfiguration/maxDocumentsPerUser``).
    case tooManyDocuments(Int)
    /// The Socket.IO session already holds this many documents joined
    /// (``DocumentConfiguration/maxDocumentsPerSession``).
    case tooManyDocumentsInSession(Int)
    /// A write based on an older state (`expected_version`); carries the current encoded state vector.
    case conflict([UInt8])
    /// No version with this id in the document's history.
    case versionNotFound

    public var description: String {
        switch self {
        case .notFound: return "document not found"
        case .forbidden: return "access denied"
        case .notMember: return "not a member of this document"
        case .readOnly: return "read-only access"
        case .invalidUpdate(let why): return "invalid update: \(why)"
        case .tooLarge(let limit): return "update larger than \(limit) bytes"
        case .loadFailed(let why): return "failed to load document: \(why)"
        case .storageFailed(let why): return "storage unavailable: \(why)"
        case .closed: return "document closed"
        case .unavailable(let why): return "temporarily unavailable: \(why)"
        case .documentTooLarge(let limit): return "document would be larger than \(limit) bytes"
        case .tooManyDocuments(let limit): return "a user may hold at most \(limit) documents joined at once"
        case .tooManyDocumentsInSession(let limit): return "a session may hold at most \(limit) documents"
        case .conflict: return "the document changed since expected_version"
        case .versionNotFound: return "version not found"
        }
    }
}
