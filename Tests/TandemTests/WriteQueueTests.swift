import Glibc
import Testing
import Wire
@testable import Tandem

@Suite("Write queue: shared chunks, coalesced small ones, vectored writes")
struct WriteQueueTests {
    /// The bytes the iovecs of `queue` point at, in order.
    static func vectored(_ queue: WriteQueue) -> [UInt8] {
        queue.withIOVecs { Self.bytes(of: $0) }
    }

    /// Writes all of `queue` through a pipe with `writev`, at most `readChunk` bytes per call, and returns what arrived.
    static func drainThroughPipe(_ queue: inout WriteQueue, readChunk: Int) throws -> [UInt8] {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: readChunk)
        while !queue.isEmpty {
            // Hand the kernel at most `readChunk` bytes per writev by trimming the iovecs, as a full socket would.
            let written = queue.withIOVecs { vectors -> Int in
                var trimmed = Array(vectors)
                var budget = readChunk
                for index in trimmed.indices {
                    trimmed[index].iov_len = min(trimmed[index].iov_len, budget)
                    budget -= trimmed[index].iov_len
                }
                return writev(fds[1], trimmed, Int32(trimmed.count))
            }
            try #require(written > 0)
            queue.consume(written)
            let count = read(fds[0], &buffer, readChunk)
            try #require(count == written)
            received.append(contentsOf: buffer[0..<count])
        }
        return received
    }

    @Test("A large chunk is kept by reference, not copied, even behind queued bytes")
    func largeChunkShared() {
        let big = [UInt8](repeating: 7, count: 100_000)
        var queue = WriteQueue()
        queue.append([1, 2, 3])
        queue.append(big)
        #expect(queue.count == 100_003)
        #expect(queue.chunkCount == 2)
        let address = big.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        let queued = queue.withIOVecs { vectors in vectors.count > 1 ? UnsafeRawPointer(vectors[1].iov_base) : nil }
        #expect(queued == address, "the iovec points into the caller's buffer")
        #expect(Self.vectored(queue) == [1, 2, 3] + big)
    }

    @Test("Small chunks are coalesced into the tail buffer; a large one in between starts a new tail")
    func smallChunksCoalesced() {
        var queue = WriteQueue()
        for index in 0..<1000 { queue.append([UInt8(index % 256), 0xAA]) }
        #expect(queue.count == 2000)
        #expect(queue.chunkCount == 1, "a thousand tiny frames, one iovec")
        let big = [UInt8](repeating: 1, count: WriteQueue.coalescingThreshold)
        queue.append(big)
        queue.append([9])
        #expect(queue.chunkCount == 3, "the large chunk is not grown by the small one after it")
        #expect(big.count == WriteQueue.coalescingThreshold, "the caller's buffer is untouched")
        var expected: [UInt8] = []
        for index in 0..<1000 { expected += [UInt8(index % 256), 0xAA] }
        #expect(Self.vectored(queue) == expected + big + [9])
    }

    @Test("A small frame alone in an empty queue is kept by reference until another follows")
    func loneSmallFrame() {
        let frame: [UInt8] = [0x82, 0x02, 0x01, 0x02]
        var queue = WriteQueue()
        queue.append(frame)
        let address = frame.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        let queued = queue.withIOVecs { vectors in vectors.first.map { UnsafeRawPointer($0.iov_base) } ?? nil }
        #expect(queued == address, "no copy")
        queue.append([0x82, 0x00])
        #expect(queue.chunkCount == 1, "both in one buffer of the queue's own")
        #expect(Self.vectored(queue) == frame + [0x82, 0x00])
        #expect(frame == [0x82, 0x02, 0x01, 0x02], "the caller's buffer is untouched")
        queue.consume(1)
        queue.append([7])
        #expect(queue.chunkCount == 1)
        #expect(Self.vectored(queue) == [0x02, 0x01, 0x02, 0x82, 0x00, 7])
    }

    @Test("A tail buffer stops growing at its limit")
    func coalescedChunkLimit() {
        var queue = WriteQueue()
        let small = [UInt8](repeating: 3, count: 1000)
        let total = WriteQueue.maxCoalescedChunk * 3
        for _ in 0..<(total / small.count) { queue.append(small) }
        #expect(queue.chunkCount >= 3)
        #expect(queue.count == (total / small.count) * small.count)
    }

    @Test("consume crosses chunk boundaries and frees written chunks; empty appends are ignored")
    func consumeAcrossChunks() {
        var queue = WriteQueue()
        let a = [UInt8](repeating: 1, count: 5000)
        let b = [UInt8](repeating: 2, count: 6000)
        queue.append(a)
        queue.append([])
        queue.append(b)
        queue.append([3, 3])
        #expect(queue.chunkCount == 3)
        queue.consume(4999)
        #expect(queue.count == 6003)
        #expect(Self.vectored(queue) == [1] + b + [3, 3])
        queue.consume(2)
        #expect(queue.chunkCount == 2)
        #expect(Self.vectored(queue) == Array(b.dropFirst()) + [3, 3])
        queue.consume(6000)
        #expect(queue.chunkCount == 1)
        #expect(Self.vectored(queue) == [3])
        queue.consume(100)
        #expect(queue.isEmpty)
        #expect(queue.chunkCount == 0)
        #expect(Self.vectored(queue).isEmpty)
        queue.append([4])
        #expect(Self.vectored(queue) == [4])
    }

    @Test("At most maxIOVecs iovecs per call; the rest follows after consume")
    func iovecCap() {
        var queue = WriteQueue()
        var expected: [UInt8] = []
        for index in 0..<(WriteQueue.maxIOVecs * 2 + 5) {
            let chunk = [UInt8](repeating: UInt8(index % 256), count: WriteQueue.coalescingThreshold)
            queue.append(chunk)
            expected += chunk
        }
        var drained: [UInt8] = []
        while !queue.isEmpty {
            let (count, bytes) = queue.withIOVecs { vectors in (vectors.count, Self.bytes(of: vectors)) }
            #expect(count <= WriteQueue.maxIOVecs)
            drained += bytes
            queue.consume(bytes.count)
        }
        #expect(drained == expected)
    }

    @Test("writev through a pipe delivers every byte in order, partial writes included")
    func writevPartial() throws {
        var queue = WriteQueue()
        var expected: [UInt8] = []
        for index in 0..<300 {
            let chunk = [UInt8](repeating: UInt8(index % 251), count: index % 7 == 0 ? 9000 : index % 50 + 1)
            queue.append(chunk)
            expected += chunk
        }
        #expect(try Self.drainThroughPipe(&queue, readChunk: 1777) == expected)
    }

    @Test("Appending another queue shares its chunks and keeps the order")
    func appendQueue() {
        let big = [UInt8](repeating: 5, count: 10_000)
        var pending = WriteQueue()
        pending.append([1])
        pending.append(big)
        var queue = WriteQueue()
        queue.append([0])
        queue.append(contentsOf: pending)
        #expect(queue.count == 10_002)
        #expect(Self.vectored(queue) == [0, 1] + big)
        #expect(queue.chunkCount == 2, "the small chunks coalesced, the large one shared")
    }

    @Test("A frame given as parts is recorded as one frame")
    func recordedParts() {
        let sink = RecordingWebSocketSink()
        let outbound = sink.outbound(connection: 9)
        let payload = Array("shared body".utf8)
        var header = WebSocketFrameEncoder.header(fin: true, opcode: .text, payloadLength: payload.count + 5)
        header.append(contentsOf: Array("<".utf8))
        outbound.send(encodedFrameParts: [header, payload, Array("tail".utf8)])
        outbound.send(encodedFrameParts: [WebSocketFrameEncoder.encode(.text("one"))])
        #expect(sink.takeMessages(for: 9) == [.text("<shared bodytail"), .text("one")])
    }

    static func bytes(of vectors: UnsafeBufferPointer<iovec>) -> [UInt8] {
        var bytes: [UInt8] = []
        for vector in vectors {
            guard let base = vector.iov_base else { continue }
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: base, count: vector.iov_len))
        }
        return bytes
    }
}
