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
    case "note-content":
        // Note content from REST or the host (HTML, Markdown, plain text, ProseMirror JSON; the first byte picks):
        // parsed, written into a document twice (seed, then replace), rendered; the state replayed into a fresh
        // document must render the same.
        guard let first = bytes.first else { return 0 }
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let node: ProseMirrorNode
        switch first % 4 {
        case 0: node = HTMLParser.parse(text)
        case 1: node = MarkdownParser.parse(text)
        case 2: node = MarkdownParser.parsePlainText(text)
        default:
            guard let parsed = try? ProseMirrorNode(parsing: text) else { return 0 }
            node = parsed
        }
        var document = Document(clientID: 1)
        _ = document.replaceProseMirror(with: node)
        _ = document.replaceProseMirror(with: MarkdownParser.parsePlainText(text))
        _ = document.replaceProseMirror(with: node)
        let rendered = document.renderNote()
        var replay = Document(clientID: 2)
        do {
            try replay.applyUpdate(document.encodeStateAsUpdate())
        } catch {
            fatalError("the document's own state does not decode: \(error)")
        }
        if replay.renderNote().jsonText != rendered.jsonText { fatalError("the replayed state renders differently") }
    default:
        break
    }
    return 0
}
