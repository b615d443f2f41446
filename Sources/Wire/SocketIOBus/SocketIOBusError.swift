/// The single error thrown when decoding a python-socketio pub/sub message.
///
/// Bus messages come from other hosts through Redis, so they are outside input: any shape python-socketio would not
/// have written is reported here rather than guessed at. python-socketio itself silently drops such messages
/// (`AsyncPubSubManager._thread`); a caller may do the same after logging the error.
public enum SocketIOBusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The payload is not valid JSON (or breaks the JSON limits).
    case invalidJSON(JSONError)
    /// The payload is JSON but not an object.
    case notAnObject
    /// A required member is absent.
    case missingField(String)
    /// A member has the wrong JSON type; `expected` names the type python-socketio writes.
    case wrongType(field: String, expected: String)
    /// A `method` python-socketio 5.x does not define.
    case unknownMethod(String)
    /// More binary attachments than ``SocketIOBusMessage/Limits/maxAttachments``.
    case tooManyAttachments(count: Int, limit: Int)
    /// Attachment `index` (0-based) is not strict base64.
    case invalidAttachment(index: Int)

    public var description: String {
        switch self {
        case .invalidJSON(let error): return "bus message: \(error)"
        case .notAnObject: return "bus message: not a JSON object"
        case .missingField(let field): return "bus message: missing \"\(field)\""
        case .wrongType(let field, let expected): return "bus message: \"\(field)\" is not \(expected)"
        case .unknownMethod(let method): return "bus message: unknown method \"\(method)\""
        case .tooManyAttachments(let count, let limit): return "bus message: \(count) attachments (limit \(limit))"
        case .invalidAttachment(let index): return "bus message: attachment \(index) is not base64"
        }
    }
}
