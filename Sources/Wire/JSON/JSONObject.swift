/// A JSON object that keeps its keys in insertion (wire) order.
///
/// Open WebUI and python-socketio payloads are compared and echoed by humans and by tests, so key order is kept as
/// parsed (JS `JSON.parse` and Python `dict` do the same). Lookup goes through a hash index, so a hostile object with
/// many keys stays linear. A duplicate key keeps its first position and takes the last value, as in JS and Python.
///
/// Equality is order-sensitive: two objects are equal when they have the same keys in the same order with equal
/// values. Use ``isEquivalent(to:)`` for order-insensitive comparison.
///
/// Keys are compared by their UTF-8 bytes, as JS and Python compare them, not by Swift's canonical equivalence:
/// `{"café": 1, "cafe\u0301": 2}` (NFC, then NFD) has two keys (issue 19).
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The keys in order.
    public private(set) var keys: [String] = []
    /// The values, parallel to ``keys``.
    public private(set) var values: [JSONValue] = []
    private var index: [IndexKey: Int] = [:]

    /// A key hashed and compared by its UTF-8 bytes.
    private struct IndexKey: Hashable {
        var string: String

        init(_ string: String) { self.string = string }

        static func == (lhs: IndexKey, rhs: IndexKey) -> Bool { lhs.string.utf8.elementsEqual(rhs.string.utf8) }

        func hash(into hasher: inout Hasher) {
            var string = self.string
            string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    /// An empty object.
    public init() {}

    /// An object from ordered pairs; a repeated key keeps its first position and its last value.
    public init(_ pairs: [(String, JSONValue)]) {
        self.keys.reserveCapacity(pairs.count)
        self.values.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// Number of keys.
    public var count: Int { self.keys.count }
    /// Whether the object has no keys.
    public var isEmpty: Bool { self.keys.isEmpty }

    /// The value for `key`, or nil; setting nil removes the key (O(n) for removal, O(1) otherwise).
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = self.index[IndexKey(key)] else { return nil }
            return self.values[position]
        }
        set {
            if let position = self.index[IndexKey(key)] {
                if let newValue {
                    self.values[position] = newValue
                } else {
                    self.keys.remove(at: position)
                    self.values.remove(at: position)
                    self.index[IndexKey(key)] = nil
                    for shifted in position..<self.keys.count { self.index[IndexKey(self.keys[shifted])] = shifted }
                }
            } else if let newValue {
                self.index[IndexKey(key)] = self.keys.count
                self.keys.append(key)
                self.values.append(newValue)
            }
        }
    }

    /// Whether both objects hold the same keys with equivalent values, ignoring key order at every level.
    public func isEquivalent(to other: JSONObject) -> Bool {
        guard self.count == other.count else { return false }
        for (key, value) in self {
            guard let otherValue = other[key], value.isEquivalent(to: otherValue) else { return false }
        }
        return true
    }

    public func makeIterator() -> Zip2Sequence<[String], [JSONValue]>.Iterator {
        zip(self.keys, self.values).makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.keys.count == rhs.keys.count && zip(lhs.keys, rhs.keys).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
            && lhs.values == rhs.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.keys)
        hasher.combine(self.values)
    }
}
