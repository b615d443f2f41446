/// Per-connection event work: handlers run in arrival order, off the transport's read path.
///
/// A handler may wait for something that arrives later on the same connection (a server-to-client `call` waits for
/// the client's ACK), so the transport must keep reading while handlers run: inbound packets are decoded at once,
/// ACKs resolve at once, and event work goes into a per-connection queue drained by one task. When more than
/// ``SocketIOConfiguration/maxPendingEvents`` jobs wait, the transport's read path is suspended until half have
/// run, which pushes back on the client through TCP instead of growing memory.
extension SocketIOServer {
    func enqueue(engineSID: String, _ job: @escaping @Sendable () async -> Void) async {
        guard var engine = self.engines[engineSID] else { return }
        if engine.work == nil {
            let (stream, continuation) = AsyncStream<@Sendable () async -> Void>.makeStream()
            engine.work = continuation
            Task { [weak self] in
                for await job in stream {
                    await job()
                    await self?.finishedWork(engineSID: engineSID)
                }
            }
        }
        engine.pendingWork += 1
        engine.work?.yield(job)
        self.engines[engineSID] = engine
        if engine.pendingWork > self.configuration.maxPendingEvents {
            await withCheckedContinuation { continuation in
                if self.engines[engineSID] != nil {
                    self.engines[engineSID]?.spaceWaiters.append(continuation)
                } else {
                    continuation.resume()
                }
            }
        }
    }

    private func finishedWork(engineSID: String) {
        guard var engine = self.engines[engineSID] else { return }
        engine.pendingWork -= 1
        var resume: [CheckedContinuation<Void, Never>] = []
        if engine.pendingWork <= self.configuration.maxPendingEvents / 2 {
            resume += engine.spaceWaiters
            engine.spaceWaiters = []
        }
        if engine.pendingWork == 0 {
            resume += engine.idleWaiters
            engine.idleWaiters = []
        }
        self.engines[engineSID] = engine
        for continuation in resume { continuation.resume() }
    }

    /// Waits until every event received so far on the Engine.IO session has been handled (tests, benchmarks).
    public func waitUntilIdle(engineSID: String) async {
        guard let engine = self.engines[engineSID], engine.pendingWork > 0 else { return }
        await withCheckedContinuation { continuation in
            if self.engines[engineSID] != nil {
                self.engines[engineSID]?.idleWaiters.append(continuation)
            } else {
                continuation.resume()
            }
        }
    }

    /// Ends the work queue of a closed session and releases its waiters (queued jobs still run).
    func finishWork(_ engine: EngineSession) {
        engine.work?.finish()
        for continuation in engine.spaceWaiters + engine.idleWaiters { continuation.resume() }
    }
}
