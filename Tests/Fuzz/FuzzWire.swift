// libFuzzer entry for the Wire decoders; compiled together with Sources/Wire/**/*.swift (module Wire) and, for
// `wal`, Sources/Tandem/Storage/{WALFormat,WriteAheadLog,FileIO}.swift, by Tests/Fuzz/run. The target is chosen
// with TANDEM_FUZZ_TARGET. Outside input must never trap: any crash found here is a bug in the decoder (issue 19).

private let target = FuzzTarget.current(default: "json")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    switch target {
    case "json":
        if let value = try? JSONParser.parse(bytes) { _ = value.serializedBytes() }
    case "jwt":
        _ = try? JWTVerifier(secret: "fuzz").verify(text, now: 1_700_000_000)
    case "websocket":
        // First byte: role and chunking; the rest is fed in two pieces, then frames are assembled into messages.
        guard let first = bytes.first else { return 0 }
        let rest = Array(bytes.dropFirst())
        var decoder = WebSocketFrameDecoder(
            role: first & 1 == 0 ? .server : .client, configuration: .init(maxFrameSize: 1 << 16))
        var assembler = WebSocketMessageAssembler(maxMessageSize: 1 << 16)
        let cut = rest.isEmpty ? 0 : Int(first >> 1) % (rest.count + 1)
        for piece in [rest[..<cut], rest[cut...]] {
            decoder.append(piece)
            while let frame = try? decoder.nextFrame() {
                _ = try? assembler.push(frame)
            }
        }
    case "http-request":
        var parser = HTTPRequestParser(configuration: .init(maxBodySize: 1 << 16))
        parser.append(bytes)
        for _ in 0..<16 {
            guard let request = try? parser.nextRequest() else { break }
            _ = request.path
            _ = request.query
        }
    case "http-response":
        var parser = HTTPResponseParser(configuration: .init(maxBodySize: 1 << 16))
        parser.append(bytes)
        for _ in 0..<16 {
            guard (try? parser.nextResponse()) != nil else { break }
        }
        _ = try? parser.finish()
    case "engineio":
        _ = try? EngineIOPacket(text: text)
        _ = try? EngineIOPayload.decode(bytes, limits: .init(maxPayload: 1 << 16, maxPackets: 64))
    case "socketio":
        if let packet = try? SocketIOPacket(decoding: text) { _ = packet.encoded }
        // The WebSocket path: the frame's raw bytes (invalid UTF-8 included) after the Engine.IO type byte.
        if let packet = try? SocketIOPacket(decoding: bytes, from: 1) { _ = packet.encoded }
    case "resp":
        var decoder = RESPDecoder()
        decoder.append(bytes)
        _ = try? decoder.nextAll()
    case "socketio-bus":
        if let message = try? SocketIOBusMessage(json: bytes) { _ = message.serializedBytes() }
    case "cluster":
        // What other nodes publish on the Redis bus (first byte: awareness or member message). Whatever decodes
        // must re-encode to bytes that decode, and stay the same from then on.
        guard let first = bytes.first else { return 0 }
        let rest = Array(bytes.dropFirst())
        if first & 1 == 0 {
            guard let message = try? ClusterAwarenessMessage(bytes: rest) else { return 0 }
            guard let again = try? ClusterAwarenessMessage(bytes: message.encoded) else { fatalError("re-encoded awareness message does not decode") }
            if (try? ClusterAwarenessMessage(bytes: again.encoded)) != again { fatalError("awareness message round trip not stable") }
        } else {
            guard let message = try? ClusterMemberMessage(bytes: rest) else { return 0 }
            guard let again = try? ClusterMemberMessage(bytes: message.encoded) else { fatalError("re-encoded member message does not decode") }
            if (try? ClusterMemberMessage(bytes: again.encoded)) != again { fatalError("member message round trip not stable") }
        }
    #if TANDEM_FUZZ_WAL
    case "wal":
        let parsed = WALFormat.parse(bytes)
        // Whatever was kept must survive a re-encode and parse unchanged.
        let again = WALFormat.parse(WALFormat.encode(parsed.records))
        if again.records != parsed.records { fatalError("WAL round trip changed the records") }
    #endif
    default:
        break
    }
    return 0
}
