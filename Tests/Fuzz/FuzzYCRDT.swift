// libFuzzer entry for the YCRDT decoders; compiled together with Sources/YCRDT/**/*.swift (module YCRDT) by
// Tests/Fuzz/run. The target is chosen with TANDEM_FUZZ_TARGET. Outside input must never trap: any crash found
// here is a bug in the decoder (issue 19).

private let target = FuzzTarget.current(default: "yjs-v1")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYCRDT(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let limits = UpdateDecodingLimits.default
    switch target {
    case "yjs-v1":
        if let update = try? Update(v1: bytes, limits: limits) { _ = update.encodeV1() }
    case "yjs-v2":
        if let update = try? Update(v2: bytes, limits: limits) { _ = update.encodeV2() }
    case "yjs-apply":
        // The first byte picks the format; the rest is split into up to 4 updates applied in order.
        guard let first = bytes.first else { return 0 }
        let format: UpdateFormat = first & 1 == 0 ? .v1 : .v2
        var document = Document(clientID: 1)
        for part in FuzzTarget.split(Array(bytes.dropFirst()), parts: 4) {
            _ = try? document.applyUpdate(part, format: format)
        }
        _ = document.encodeStateAsUpdateV2()
    case "yjs-merge":
        guard let first = bytes.first else { return 0 }
        let format: UpdateFormat = first & 1 == 0 ? .v1 : .v2
        let parts = FuzzTarget.split(Array(bytes.dropFirst()), parts: 3).map { $0[...] }
        _ = try? Update.merge(parts, format: format, limits: limits)
    case "ywebsocket":
        if let message = try? ProtocolMessage(bytes: bytes) { _ = message.encoded() }
    case "awareness":
        if let update = try? AwarenessUpdate(bytes: bytes) { _ = update.encoded() }
    default:
        break
    }
    return 0
}
