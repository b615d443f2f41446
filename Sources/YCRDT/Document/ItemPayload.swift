/// Content of the item kinds that are neither strings, deleted ranges nor types, kept in a side table
/// (`Document.payloads`) so that `ItemRecord` stays small.
enum ItemPayload: Sendable {
    case none
    /// `ContentAny` values (what Y.Array and Y.Map write today).
    case values([YAny])
    /// `ContentJSON` values (legacy arrays), each kept as its JSON text (`"undefined"` for undefined).
    case json([String])
    /// `ContentBinary`.
    case binary([UInt8])
    /// `ContentEmbed`: a rich-text embed.
    case embed(YAny)
    /// `ContentFormat`: a formatting mark (`value` null ends the attribute).
    case format(key: String, value: YAny)
    /// `ContentDoc`: a subdocument reference.
    case doc(guid: String, options: YAny)

    /// Number of elements (for the splittable kinds).
    var count: Int {
        switch self {
        case .values(let values): return values.count
        case .json(let values): return values.count
        default: return 1
        }
    }

    /// Splits a list payload at `offset` (Yjs `ContentAny.splice` / `ContentJSON.splice`).
    func split(at offset: Int) -> (ItemPayload, ItemPayload) {
        switch self {
        case .values(let values):
            let cut = min(max(0, offset), values.count)
            return (.values(Array(values[..<cut])), .values(Array(values[cut...])))
        case .json(let values):
            let cut = min(max(0, offset), values.count)
            return (.json(Array(values[..<cut])), .json(Array(values[cut...])))
        default:
            return (self, .none)
        }
    }

    /// Appends a list payload of the same kind (Yjs `mergeWith`), without copying the existing elements.
    mutating func append(_ other: ItemPayload) {
        if case .values(let more) = other, case .values(var values) = self {
            self = .none
            values.append(contentsOf: more)
            self = .values(values)
        } else if case .json(let more) = other, case .json(var values) = self {
            self = .none
            values.append(contentsOf: more)
            self = .json(values)
        }
    }
}
