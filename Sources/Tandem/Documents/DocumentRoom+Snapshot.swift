import Wire
import YCRDT

extension DocumentRoom {
    /// A read-only picture of the room for the admin dashboard.
    ///
    /// Costs one pass over the members (capped by `limits`) and the cached state; the note is rendered only when
    /// `includeHTML` is set, at most once per document version (many watchers of one document share it).
    /// `includeVersions` adds the history's version count and newest id (opening the history once per load).
    func snapshot(
        now: ContinuousClock.Instant, limits: DocumentSnapshotLimits, includeHTML: Bool, includeVersions: Bool = false
    ) -> DocumentRoomSnapshot {
        var socketIO = 0
        var yWebSocket = 0
        for member in subscribers.values {
            switch member.peer.kind {
            case .socketIO: socketIO += 1
            case .yWebSocket: yWebSocket += 1
            }
        }
        let listed = subscribers.keys.sorted().prefix(max(0, limits.maxMembers)).compactMap { subscribers[$0] }
        var snapshot = DocumentRoomSnapshot(
            documentID: documentID, memberCount: subscribers.count, socketIOMembers: socketIO,
            yWebSocketMembers: yWebSocket, members: listed.map(memberSnapshot),
            stateBytes: phase == .loaded ? state().count : 0, logRecords: storage?.logRecordCount ?? 0,
            logBytes: storage?.logByteCount ?? 0, updatesApplied: activity.updatesApplied,
            bytesApplied: activity.bytesApplied, secondsSinceSave: activity.lastSave.map { (now - $0).seconds },
            hasUnsavedChanges: hasUnsavedChanges,
            recentUpdates: activity.recent.map {
                DocumentRoomSnapshot.Update(
                    bytes: $0.bytes, secondsAgo: (now - $0.at).seconds, userID: $0.author?.userID,
                    userName: $0.author?.userName, kind: $0.author?.kind)
            })
        if includeVersions, phase == .loaded, let versions = try? listVersions() {
            snapshot.versionCount = versions.count
            snapshot.latestVersionID = versions.last?.id
        }
        if includeHTML, let html = renderedHTML() {
            if html.utf8.count > limits.maxHTMLBytes {
                snapshot.html = String(decoding: html.utf8.prefix(limits.maxHTMLBytes), as: UTF8.self)
                snapshot.htmlTruncated = true
            } else {
                snapshot.html = html
            }
        }
        return snapshot
    }

    /// The note fragment as HTML (NoteRenderer, TipTap's `getHTML()`), cached until the next update; nil when the
    /// document has no note fragment.
    func renderedHTML() -> String? {
        if let rendered = activity.rendered, rendered.version == activity.updatesApplied { return rendered.html }
        let html = document.renderHTML(fragment: configuration.noteFragment)
        activity.rendered = (activity.updatesApplied, html)
        return html
    }

    private func memberSnapshot(_ member: Subscriber) -> DocumentRoomSnapshot.Member {
        var name = member.display.name
        var color = member.display.color
        if name == nil || color == nil {
            // y-websocket clients name themselves only in awareness (`{"user": {"name", "color"}}`).
            for client in member.awarenessClients.sorted() {
                guard let state = awareness.clients[client]?.state,
                    let user = (try? JSONValue(parsing: Array(state.utf8)))?.objectValue?["user"]?.objectValue
                else { continue }
                name = name ?? user["name"]?.stringValue
                color = color ?? user["color"]?.stringValue
                break
            }
        }
        return DocumentRoomSnapshot.Member(
            peerID: member.peer.id, kind: member.peer.kind, userID: member.peer.userID,
            userName: member.peer.userName, name: name, color: color, canWrite: member.canWrite)
    }
}

extension LiveDocument {
    /// The note fragment as HTML, or nil when the document has no such fragment.
    func renderHTML(fragment name: String) -> String? {
        guard let (ref, kind) = document.root(named: name), kind == .xmlFragment || kind == .undetermined else {
            return nil
        }
        return document.html(ref)
    }
}

extension DocumentManager {
    /// Snapshots of the loaded documents, most members first, at most `limit` of them (without HTML).
    public func snapshots(limit: Int, limits: DocumentSnapshotLimits = DocumentSnapshotLimits()) async
        -> [DocumentRoomSnapshot]
    {
        let now = ContinuousClock.now
        var result: [DocumentRoomSnapshot] = []
        for room in rooms.withLock({ Array($0.values) }) {
            result.append(await room.snapshot(now: now, limits: limits, includeHTML: false))
        }
        result.sort { ($0.memberCount, $1.documentID) > ($1.memberCount, $0.documentID) }
        return Array(result.prefix(max(0, limit)))
    }

    /// A snapshot of one loaded document, with its rendered note when `includeHTML` and its version count and
    /// newest version; nil when it is not loaded.
    public func snapshot(
        _ rawID: String, includeHTML: Bool, limits: DocumentSnapshotLimits = DocumentSnapshotLimits()
    ) async -> DocumentRoomSnapshot? {
        await loadedRoom(rawID)?.snapshot(now: .now, limits: limits, includeHTML: includeHTML, includeVersions: true)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
