import Wire
import YCRDT

/// Converts awareness between Open WebUI's JSON encoding and y-protocols' binary encoding.
///
/// Open WebUI's editor sends `UTF-8 JSON {"<clientID>": state}` with no clock and no removal; y-websocket clients
/// send y-protocols updates (`clientID, clock, JSON state`, `null` for a removal). Tandem relays each protocol's own
/// bytes untouched to peers of the same protocol, and converts for the other one: JSON entries get the next clock of
/// the server's awareness table; y-protocols removals become `{…last state, "cursor": null}` for Open WebUI clients,
/// whose awareness has no removal and whose cursor plugin expects an object. See Docs/protocols.md.
public enum AwarenessBridge {
    /// The largest awareness payload accepted from a peer (default 64 KiB), checked before parsing.
    public static let defaultMaxBytes = 64 << 10

    /// Reads Open WebUI awareness JSON into y-protocols entries, with clocks one past the table's.
    ///
    /// Keys that are not client ids (decimal integers below 2^53) are skipped. Nil when the bytes are not a JSON
    /// object (the bytes are still relayed untouched to Open WebUI peers).
    public static func entries(fromJSON bytes: [UInt8], table: Awareness) -> [AwarenessUpdate.Entry]? {
        parse(json: bytes, table: table)?.entries
    }

    /// ``entries(fromJSON:table:)`` with the number of keys skipped (not client ids).
    public static func parse(json bytes: [UInt8], table: Awareness) -> (entries: [AwarenessUpdate.Entry], skippedKeys: Int)? {
        guard bytes.count <= defaultMaxBytes, let value = try? JSONValue(parsing: bytes), let object = value.objectValue
        else { return nil }
        var entries: [AwarenessUpdate.Entry] = []
        var skipped = 0
        for (key, state) in object {
            guard let client = UInt64(key), client < (1 << 53) else {
                skipped += 1
                continue
            }
            let clock = (table.clients[client]?.clock ?? 0) + 1
            entries.append(AwarenessUpdate.Entry(client: client, clock: clock, state: state.serialized()))
        }
        return (entries, skipped)
    }

    /// Open WebUI awareness JSON with only the entries of `clients` (the others were refused by a limit); nil when
    /// the bytes are not a JSON object or nothing is left.
    public static func json(_ bytes: [UInt8], keeping clients: Set<ClientID>) -> [UInt8]? {
        guard bytes.count <= defaultMaxBytes, let object = (try? JSONValue(parsing: bytes))?.objectValue else { return nil }
        var kept = JSONObject()
        for (key, state) in object {
            guard let client = UInt64(key), clients.contains(client) else { continue }
            kept[key] = state
        }
        return kept.isEmpty ? nil : Array(JSONValue.object(kept).serialized().utf8)
    }

    /// Writes y-protocols entries as Open WebUI awareness JSON. A removal becomes the client's last known state with
    /// `cursor: null` (or is left out when no state was known).
    public static func json(from entries: [AwarenessUpdate.Entry], previous: [ClientID: String]) -> [UInt8]? {
        var object = JSONObject()
        for entry in entries {
            if entry.isRemoval {
                guard let last = previous[entry.client], let cleared = clearedCursor(last) else { continue }
                object[String(entry.client)] = cleared
            } else {
                guard let state = try? JSONValue(parsing: entry.state) else { continue }
                object[String(entry.client)] = state
            }
        }
        guard !object.isEmpty else { return nil }
        return Array(JSONValue.object(object).serialized().utf8)
    }

    /// A state with its cursor cleared, telling Open WebUI clients to hide it; nil unless the state is an object.
    public static func clearedCursor(_ state: String) -> JSONValue? {
        guard var object = (try? JSONValue(parsing: state))?.objectValue else { return nil }
        object["cursor"] = .null
        return .object(object)
    }
}
