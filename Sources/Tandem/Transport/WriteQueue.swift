import Glibc

/// A connection's write queue: the bytes still to be written, as a list of chunks handed to `writev(2)` together.
///
/// A large chunk is kept by reference: an appended `[UInt8]` is stored as is, so a multi-megabyte frame shared by
/// many connections (a join answer, a broadcast) stays one buffer however much is queued in front of it (issue 16:
/// a 14–20 MB state frame was copied into every joiner's contiguous buffer whenever anything was queued before it).
/// A small chunk (under ``coalescingThreshold`` bytes) is copied into a buffer the queue owns at the tail, so
/// thousands of tiny frames become a few iovecs rather than thousands; a small chunk alone in an empty queue (one
/// fan-out frame per connection per loop iteration, the common case) is kept by reference until another follows.
///
/// A value type with no I/O of its own: the event loop appends, asks for iovecs with ``withIOVecs(_:)``, and
/// reports what the socket took with ``consume(_:)``.
struct WriteQueue {
    /// Chunks smaller than this many bytes are copied into the queue's own tail buffer instead of being kept by
    /// reference. Copying up to 4 KB costs about as much as one more iovec segment in the kernel, and typical
    /// fan-out frames (an update, an awareness message) are far smaller.
    static let coalescingThreshold = 4096
    /// A tail buffer the queue owns grows to at most this many bytes; the next small chunk starts a new one.
    static let maxCoalescedChunk = 64 * 1024
    /// At most this many chunks are handed to one `writev(2)` (Linux's IOV_MAX is 1024). With coalesced chunks of
    /// up to 64 KB, or large shared frames, 64 segments fill any socket send buffer in one call.
    static let maxIOVecs = 64

    /// The chunks, oldest first, from `head` on; never empty ones.
    private var chunks: [[UInt8]] = []
    /// The first chunk still (partly) to be written.
    private var head = 0
    /// Bytes of `chunks[head]` already written.
    private var headOffset = 0
    /// Whether the last chunk is a buffer of the queue's own (coalesced small chunks) that may be appended to.
    private var tailIsOwned = false

    /// Bytes queued and not yet written.
    private(set) var count = 0

    /// An empty queue.
    init() {}

    /// Whether every queued byte has been written.
    var isEmpty: Bool { self.count == 0 }

    /// The number of chunks still queued (for tests and the iovec cap).
    var chunkCount: Int { self.chunks.count - self.head }

    /// Queues `bytes` after everything already queued: kept as is when large or alone, else copied into the tail
    /// buffer.
    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        self.count += bytes.count
        guard bytes.count < Self.coalescingThreshold else {
            self.chunks.append(bytes)
            self.tailIsOwned = false
            return
        }
        let last = self.chunks.count - 1
        if last < self.head {
            // Alone in the queue (the common case: one frame per connection per loop iteration): no copy.
            self.chunks.append(bytes)
            self.tailIsOwned = false
        } else if self.tailIsOwned, self.chunks[last].count + bytes.count <= Self.maxCoalescedChunk {
            self.chunks[last].append(contentsOf: bytes)
        } else if !self.tailIsOwned, self.chunks[last].count < Self.coalescingThreshold,
            last > self.head || self.headOffset == 0
        {
            // A small chunk kept by reference gets company: both go into a buffer of the queue's own.
            var owned: [UInt8] = []
            owned.reserveCapacity(max(self.chunks[last].count + bytes.count, 256))
            owned.append(contentsOf: self.chunks[last])
            owned.append(contentsOf: bytes)
            self.chunks[last] = owned
            self.tailIsOwned = true
        } else {
            // A fresh array, so appending to it later never copies a buffer shared with anyone else.
            var owned: [UInt8] = []
            owned.reserveCapacity(max(bytes.count, 256))
            owned.append(contentsOf: bytes)
            self.chunks.append(owned)
            self.tailIsOwned = true
        }
    }

    /// Queues the chunks of `other` after everything already queued, sharing their buffers.
    mutating func append(contentsOf other: WriteQueue) {
        guard !other.isEmpty else { return }
        for index in other.head..<other.chunks.count {
            let chunk = other.chunks[index]
            if index == other.head && other.headOffset > 0 {
                self.append(Array(chunk[other.headOffset...]))
            } else {
                self.append(chunk)
            }
        }
    }

    /// Marks the first `byteCount` queued bytes as written (clamped to what is queued), across chunk boundaries.
    mutating func consume(_ byteCount: Int) {
        var remaining = min(max(byteCount, 0), self.count)
        self.count -= remaining
        while remaining > 0, self.head < self.chunks.count {
            let available = self.chunks[self.head].count - self.headOffset
            if remaining < available {
                self.headOffset += remaining
                return
            }
            remaining -= available
            self.chunks[self.head] = []
            self.head += 1
            self.headOffset = 0
        }
        if self.head == self.chunks.count {
            self.removeAll()
        } else if self.head >= 32 && self.head * 2 >= self.chunks.count {
            self.chunks.removeFirst(self.head)
            self.head = 0
        }
    }

    /// Drops everything queued (and the buffers).
    mutating func removeAll() {
        self.chunks = []
        self.head = 0
        self.headOffset = 0
        self.count = 0
        self.tailIsOwned = false
    }

    /// Calls `body` with iovecs over the first queued bytes: at most ``maxIOVecs`` chunks, the first one from its
    /// unwritten part. The pointers are valid only inside `body`; the queue must not change meanwhile.
    func withIOVecs<Result>(_ body: (UnsafeBufferPointer<iovec>) -> Result) -> Result {
        let vectorCount = min(self.chunkCount, Self.maxIOVecs)
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: max(vectorCount, 1)) { vectors in
            // Each chunk's storage is pinned by a nested `withUnsafeBytes` while `body` runs.
            func fill(_ index: Int) -> Result {
                guard index < vectorCount else {
                    return body(UnsafeBufferPointer(start: vectors.baseAddress, count: vectorCount))
                }
                return self.chunks[self.head + index].withUnsafeBytes { raw in
                    let offset = index == 0 ? min(self.headOffset, raw.count) : 0
                    let start = raw.baseAddress.map { UnsafeMutableRawPointer(mutating: $0 + offset) }
                    vectors[index] = iovec(iov_base: start, iov_len: raw.count - offset)
                    return fill(index + 1)
                }
            }
            return fill(0)
        }
    }
}
