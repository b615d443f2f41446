/// A y-protocols sync message (`sync.js`): step 1 carries a state vector, step 2 and update carry a v1 update.
///
/// The payloads are kept as raw bytes: the receiver decides how to decode them (a document applies the update, the
/// server validates it first). Layout: `varUint(type) varUint8Array(payload)` (yjs-format.md §5.2).
public enum SyncMessage: Equatable, Sendable {
    /// "Here is my state vector; send me what I lack" (`messageYjsSyncStep1`, type 0).
    case step1(stateVector: [UInt8])
    /// The answer to step 1: a v1 update with everything the asker lacks (`messageYjsSyncStep2`, type 1).
    case step2(update: [UInt8])
    /// An incremental v1 update (`messageYjsUpdate`, type 2).
    case update([UInt8])

    /// The sub-message type number.
    public var typeNumber: UInt64 {
        switch self {
        case .step1: return 0
        case .step2: return 1
        case .update: return 2
        }
    }

    /// Decodes one sync sub-message (after the outer message type).
    /// - Throws: ``DecodingError`` for an unknown sub-type, truncation or a length beyond the input.
    public init(from reader: inout ByteReader) throws(DecodingError) {
        let type = try reader.readVarUInt()
        let payload = Array(try reader.readVarBytes())
        switch type {
        case 0: self = .step1(stateVector: payload)
        case 1: self = .step2(update: payload)
        case 2: self = .update(payload)
        default: throw reader.error(.invalidValue("unknown sync message type \(type) (expected 0-2)"), "sync message")
        }
    }

    /// Appends `varUint(type) varUint8Array(payload)`.
    public func encode(to writer: inout ByteWriter) {
        writer.writeVarUInt(typeNumber)
        switch self {
        case .step1(let bytes), .step2(let bytes), .update(let bytes):
            writer.writeVarBytes(bytes)
        }
    }
}
