import Foundation

/// One client connection of the ``LoadGenerator``: its socket, the upgrade response, a streaming reader of the
/// server's (unmasked) frames and a write queue. Scenario state (when it joined, what it counted) rides along in
/// ``mark`` and ``counter``.
final class LoadConnection {
    let fd: Int32
    let id: Int
    /// Answer Engine.IO pings (`2` → `3`) in the generator.
    let engineIO: Bool
    var closed = false
    var output: [UInt8] = []
    var outputIndex = 0
    var watchingWrites = false
    /// When the connect started and when the 101 arrived (monotonic ns).
    var startedAt: UInt64 = 0
    var openedAt: UInt64 = 0
    /// Free for the scenario: a timestamp or a phase.
    var mark: UInt64 = 0
    /// Free for the scenario: messages seen.
    var counter = 0
    /// Where a joining client is (``ScaleProtocol/advance(_:_:document:)``).
    var phase = 0

    private var upgraded = false
    private var head: [UInt8] = []
    private var header: [UInt8] = []
    private var opcode: UInt8 = 0
    private var remaining = 0
    private var length = 0
    private var keep = false
    private var payload: [UInt8] = []

    init(fd: Int32, id: Int, engineIO: Bool) {
        self.fd = fd
        self.id = id
        self.engineIO = engineIO
    }

    /// Feeds received bytes; calls `emit(opcode, payload, length)` per complete frame.
    /// - Returns: whether these bytes completed the upgrade (the 101 response).
    /// - Throws: ``BenchError`` when the upgrade is refused.
    func feed(_ bytes: UnsafeBufferPointer<UInt8>, keepLimit: Int, emit: (UInt8, [UInt8], Int) -> Void) throws -> Bool {
        var index = 0
        var opened = false
        if !self.upgraded {
            while index < bytes.count, !self.upgraded {
                self.head.append(bytes[index])
                index += 1
                if self.head.count >= 4, self.head.suffix(4).elementsEqual([13, 10, 13, 10]) {
                    guard self.head.starts(with: Array("HTTP/1.1 101".utf8)) else {
                        let line = String(decoding: self.head.prefix { $0 != 13 }, as: UTF8.self)
                        throw BenchError("upgrade refused: \(line)")
                    }
                    self.upgraded = true
                    opened = true
                    self.head = []
                }
                guard self.head.count < 16 << 10 else { throw BenchError("upgrade response too large") }
            }
        }
        while index < bytes.count {
            if self.remaining == 0 {
                self.header.append(bytes[index])
                index += 1
                guard let (headerLength, payloadLength) = self.parsedHeader() else { continue }
                guard self.header.count == headerLength else { continue }
                self.opcode = self.header[0] & 0x0F
                self.length = payloadLength
                self.remaining = payloadLength
                self.keep = payloadLength <= keepLimit
                self.payload = []
                self.payload.reserveCapacity(min(payloadLength, keepLimit))
                self.header = []
                if payloadLength == 0 { emit(self.opcode, [], 0) }
                continue
            }
            let take = min(self.remaining, bytes.count - index)
            if self.keep {
                self.payload.append(contentsOf: bytes[index..<(index + take)])
            } else if self.payload.count < 64 {
                self.payload.append(contentsOf: bytes[index..<(index + min(take, 64 - self.payload.count))])
            }
            self.remaining -= take
            index += take
            if self.remaining == 0 {
                emit(self.opcode, self.payload, self.length)
                self.payload = []
            }
        }
        return opened
    }

    /// The header length and payload length once enough header bytes are in (server frames are unmasked).
    private func parsedHeader() -> (Int, Int)? {
        guard self.header.count >= 2 else { return nil }
        let masked = self.header[1] & 0x80 != 0 ? 4 : 0
        let short = Int(self.header[1] & 0x7F)
        switch short {
        case 126:
            guard self.header.count >= 4 else { return nil }
            return (4 + masked, Int(self.header[2]) << 8 | Int(self.header[3]))
        case 127:
            guard self.header.count >= 10 else { return nil }
            var value = 0
            for byte in self.header[2..<10] { value = value << 8 | Int(byte) }
            return (10 + masked, value)
        default:
            return (2 + masked, short)
        }
    }
}
