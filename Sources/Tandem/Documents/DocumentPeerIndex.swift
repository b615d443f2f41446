/// The directory's index of who joined what: peer → its user and its documents, and per user how many of its
/// peers joined each document. The rooms own membership; this index exists for disconnects, the per-session limit
/// and the per-user limit (``DocumentConfiguration/maxDocumentsPerUser``), and is kept inside the directory's lock.
///
/// Ids are ``ByteKey``s: user and document ids are compared by their UTF-8 bytes (issue 19).
struct DocumentPeerIndex: Sendable {
    private var peers: [String: (user: ByteKey, documents: Set<ByteKey>)] = [:]
    /// user → document → how many of the user's peers joined it; a user's document count is its number of keys.
    private var users: [ByteKey: [ByteKey: Int]] = [:]

    /// The outcome of ``reserve(peer:user:document:limit:)``.
    enum Reservation: Equatable {
        /// The peer had joined the document already; nothing changed.
        case existing
        /// The pair was added; undo it with ``remove(peer:document:)`` if the join fails.
        case added
        /// The user already holds `limit` distinct documents; nothing changed.
        case overLimit
        /// The peer itself already holds `peerLimit` documents; nothing changed.
        case overPeerLimit
    }

    /// Records that `peer` (of `user`) joins `document`, unless that would give the peer more than `peerLimit`
    /// documents or the user more than `limit` distinct documents (0 = no limit). A document the user already holds
    /// through another peer never counts again for the user.
    mutating func reserve(peer: String, user: String, document: ByteKey, limit: Int, peerLimit: Int = 0) -> Reservation {
        let userKey = ByteKey(user)
        if peers[peer]?.documents.contains(document) == true { return .existing }
        if peerLimit > 0, documentCount(ofPeer: peer) >= peerLimit { return .overPeerLimit }
        let held = users[userKey] ?? [:]
        if limit > 0, held[document] == nil, held.count >= limit { return .overLimit }
        peers[peer, default: (userKey, [])].documents.insert(document)
        users[userKey, default: [:]][document, default: 0] += 1
        return .added
    }

    /// Forgets that `peer` joined `document`.
    mutating func remove(peer: String, document: ByteKey) {
        guard let entry = peers[peer], entry.documents.contains(document) else { return }
        peers[peer]?.documents.remove(document)
        if peers[peer]?.documents.isEmpty == true { peers[peer] = nil }
        release(user: entry.user, document: document)
    }

    /// Forgets every document of `peer` and returns them.
    mutating func removeAll(peer: String) -> Set<ByteKey> {
        guard let entry = peers.removeValue(forKey: peer) else { return [] }
        for document in entry.documents { release(user: entry.user, document: document) }
        return entry.documents
    }

    private mutating func release(user: ByteKey, document: ByteKey) {
        let remaining = (users[user]?[document] ?? 1) - 1
        users[user]?[document] = remaining > 0 ? remaining : nil
        if users[user]?.isEmpty == true { users[user] = nil }
    }

    /// How many documents `peer` joined.
    func documentCount(ofPeer peer: String) -> Int { peers[peer]?.documents.count ?? 0 }

    /// How many distinct documents the peers of `user` joined, over both protocols.
    func documentCount(ofUser user: String) -> Int { users[ByteKey(user)]?.count ?? 0 }

    /// Whether `peer` joined `document`.
    func contains(peer: String, document: ByteKey) -> Bool { peers[peer]?.documents.contains(document) ?? false }
}
