/// Reads the logical fields of an update from their format-specific places (Yjs `UpdateDecoderV1`/`V2`).
///
/// v1 reads everything from one byte stream; v2 reads most fields from run-length columns and the rest from the
/// trailing "rest" stream (yjs-format.md §3.1). The struct and delete-set readers are generic over this protocol.
protocol UpdateFieldDecoder {
    /// The stream of fields without a column: counts, clocks, Any values, binaries, the delete set.
    var rest: ByteReader { get set }
    mutating func readClient() throws(DecodingError) -> ClientID
    mutating func readInfo() throws(DecodingError) -> UInt8
    mutating func readLeftID() throws(DecodingError) -> ID
    mutating func readRightID() throws(DecodingError) -> ID
    mutating func readParentInfo() throws(DecodingError) -> Bool
    mutating func readString() throws(DecodingError) -> YString
    mutating func readTypeRef() throws(DecodingError) -> UInt64
    mutating func readLen() throws(DecodingError) -> UInt64
    mutating func readJSON() throws(DecodingError) -> JSONPayload
    mutating func readKey() throws(DecodingError) -> String
    mutating func resetDsCurVal()
    mutating func readDsClock() throws(DecodingError) -> Clock
    mutating func readDsLen() throws(DecodingError) -> Clock
    /// Whether the struct count of a section is bounded by the rest stream (v1: every struct takes a byte there).
    static var structsTakeRestBytes: Bool { get }
    /// Size of the whole encoded update, for the per-byte block budget.
    var inputSize: Int { get }
}

/// Writes the logical fields of an update to their format-specific places (Yjs `UpdateEncoderV1`/`V2`).
protocol UpdateFieldEncoder {
    var rest: ByteWriter { get set }
    mutating func writeClient(_ client: ClientID)
    mutating func writeInfo(_ info: UInt8)
    mutating func writeLeftID(_ id: ID)
    mutating func writeRightID(_ id: ID)
    mutating func writeParentInfo(_ isYKey: Bool)
    mutating func writeString(_ s: YString)
    mutating func writeString(_ s: String)
    mutating func writeTypeRef(_ ref: UInt64)
    mutating func writeLen(_ len: UInt64)
    mutating func writeJSON(_ value: JSONPayload)
    mutating func writeKey(_ key: String)
    mutating func resetDsCurVal()
    mutating func writeDsClock(_ clock: Clock)
    mutating func writeDsLen(_ len: Clock)
    consuming func finish() -> [UInt8]
}

/// Limits applied while decoding updates, each checked before the work or allocation it bounds.
public struct UpdateDecodingLimits: Sendable {
    /// Most blocks accepted in one update. v2 columns can repeat a value without consuming bytes, so the struct
    /// count is not bounded by the input size; this caps it. Default 2^22 (4,194,304).
    public var maxBlocks: Int = 1 << 22
    /// Most blocks per input byte in a v2 update (plus 1,024), so that a tiny update cannot claim millions of
    /// run-length-encoded structs. v1 needs no such limit: every struct takes at least one byte. Default 16.
    public var maxBlocksPerByte: Int = 16
    /// Nesting limit for `Any` values (``YAny/defaultMaxDepth``).
    public var maxAnyDepth: Int = YAny.defaultMaxDepth

    /// The defaults.
    public static let `default` = UpdateDecodingLimits()

    /// Creates limits.
    public init(maxBlocks: Int = 1 << 22, maxBlocksPerByte: Int = 16, maxAnyDepth: Int = YAny.defaultMaxDepth) {
        self.maxBlocks = maxBlocks
        self.maxBlocksPerByte = maxBlocksPerByte
        self.maxAnyDepth = maxAnyDepth
    }
}

/// Largest clock value accepted (2^53 − 1); clocks are JavaScript numbers in Yjs.
let maxClock: Clock = ByteReader.maxSafeInteger

extension UpdateFieldDecoder {
    mutating func readAny(maxDepth: Int) throws(DecodingError) -> YAny {
        try YAny(from: &self.rest, maxDepth: maxDepth)
    }

    /// Reads the struct sections, calling `section` once per client section header and `block` per block.
    mutating func readSections(
        limits: UpdateDecodingLimits,
        section: (ClientID, Clock, Int) -> Void,
        block: (Block) -> Void
    ) throws(DecodingError) {
        let numClients = try self.rest.readCount(minimumElementSize: Self.structsTakeRestBytes ? 2 : 1, "number of clients")
        var totalBlocks = 0
        let budget = min(limits.maxBlocks, 1024 + limits.maxBlocksPerByte.multipliedReportingOverflow(by: self.inputSize).partialValue)
        for _ in 0 ..< numClients {
            let countOffset = self.rest.offset
            let numStructs = try self.rest.readVarUInt()
            if Self.structsTakeRestBytes {
                guard numStructs <= UInt64(self.rest.remaining) else {
                    throw DecodingError(.lengthTooLarge(numStructs), offset: countOffset, context: "number of structs")
                }
            } else {
                guard numStructs <= UInt64(max(0, budget - totalBlocks)) else {
                    throw DecodingError(.lengthTooLarge(numStructs), offset: countOffset, context: "number of structs (limit maxBlocks / maxBlocksPerByte)")
                }
            }
            totalBlocks += Int(numStructs)
            let client = try self.readClient()
            var clock = try self.rest.readVarUInt()
            section(client, clock, Int(numStructs))
            for _ in 0 ..< numStructs {
                let infoOffset = self.rest.offset
                let b = try self.readBlock(client: client, clock: clock, limits: limits)
                let end = clock + b.length
                guard end <= maxClock else {
                    throw DecodingError(.invalidValue("clock exceeds 2^53 - 1"), offset: infoOffset, context: "struct")
                }
                clock = end
                block(b)
            }
        }
    }

    mutating func readBlock(client: ClientID, clock: Clock, limits: UpdateDecodingLimits) throws(DecodingError) -> Block {
        let id = ID(client: client, clock: clock)
        let infoOffset = self.rest.offset
        let info = try self.readInfo()
        let ref = info & 0x1F
        guard ref <= 10 else { throw DecodingError(.unknownContentRef(ref), offset: infoOffset, context: "struct info") }
        switch ref {
        case 0: return .gc(id: id, length: try self.readLen())
        case 10: return .skip(id: id, length: try self.rest.readVarUInt())
        default:
            let origin: ID? = info & 0x80 != 0 ? try self.readLeftID() : nil
            let rightOrigin: ID? = info & 0x40 != 0 ? try self.readRightID() : nil
            var parent: Parent? = nil
            var parentSub: String? = nil
            if info & 0xC0 == 0 {
                parent = try self.readParentInfo() ? .root(try self.readString().string) : .id(try self.readLeftID())
                if info & 0x20 != 0 { parentSub = try self.readString().string }
            }
            let content = try self.readContent(ref: ref, limits: limits)
            return .item(Item(
                id: id, origin: origin, rightOrigin: rightOrigin, parent: parent, parentSub: parentSub,
                parentSubFlag: info & 0x20 != 0, content: content
            ))
        }
    }

    mutating func readContent(ref: UInt8, limits: UpdateDecodingLimits) throws(DecodingError) -> Content {
        switch ref {
        case 1:
            return .deleted(length: try self.readLen())
        case 2:
            let at = self.rest.offset
            let n = try self.readLen()
            var items: [String] = []
            var i: UInt64 = 0
            while i < n {
                let text = try self.readString().string
                if text != "undefined" && JavaScriptJSON.parse(text, maxDepth: limits.maxAnyDepth) == nil {
                    throw DecodingError(.invalidValue("ContentJSON element is not JSON"), offset: at, context: "ContentJSON")
                }
                items.append(text)
                i += 1
            }
            return .json(items)
        case 3:
            return .binary(Array(try self.rest.readVarBytes()))
        case 4:
            return .string(try self.readString())
        case 5:
            return .embed(try self.readJSON())
        case 6:
            let key = try self.readKey()
            return .format(key: key, value: try self.readJSON())
        case 7:
            let at = self.rest.offset
            let typeRef = try self.readTypeRef()
            switch typeRef {
            case 0: return .type(.array)
            case 1: return .type(.map)
            case 2: return .type(.text)
            case 3: return .type(.xmlElement(nodeName: try self.readKey()))
            case 4: return .type(.xmlFragment)
            case 5: return .type(.xmlHook(hookName: try self.readKey()))
            case 6: return .type(.xmlText)
            default: throw DecodingError(.unknownTypeRef(typeRef), offset: at, context: "ContentType")
            }
        case 8:
            let at = self.rest.offset
            let n = try self.readLen()
            guard n <= UInt64(self.rest.remaining) else {
                throw DecodingError(.lengthTooLarge(n), offset: at, context: "ContentAny count")
            }
            var values: [YAny] = []
            values.reserveCapacity(Int(n))
            for _ in 0 ..< n { values.append(try self.readAny(maxDepth: limits.maxAnyDepth)) }
            return .any(values)
        case 9:
            let guid = try self.readString().string
            return .doc(guid: guid, options: try self.readAny(maxDepth: limits.maxAnyDepth))
        default:
            throw DecodingError(.unknownContentRef(ref), offset: self.rest.offset, context: "struct info")
        }
    }

    /// Reads a delete set straight into a merge accumulator (Yjs `readDeleteSet` then `mergeDeleteSets`).
    mutating func readDeleteSet(into acc: inout DeleteSetAccumulator) throws(DecodingError) {
        let n = try self.rest.readCount(minimumElementSize: 2, "delete set clients")
        for _ in 0 ..< n {
            self.resetDsCurVal()
            let client = try self.rest.readVarUInt()
            let count = try self.rest.readCount(minimumElementSize: 2, "delete set ranges")
            for _ in 0 ..< count {
                let at = self.rest.offset
                let clock = try self.readDsClock()
                let len = try self.readDsLen()
                guard clock <= maxClock, len <= maxClock - clock else {
                    throw DecodingError(.invalidValue("delete range exceeds 2^53 - 1"), offset: at, context: "delete set")
                }
                acc.add(client: client, DeleteSet.Range(clock: clock, length: len))
            }
        }
    }

    /// Reads a delete set (Yjs `readDeleteSet`, keeping order and empty clients).
    mutating func readDeleteSet() throws(DecodingError) -> DeleteSet {
        let n = try self.rest.readCount(minimumElementSize: 2, "delete set clients")
        var entries: [DeleteSet.Entry] = []
        entries.reserveCapacity(n)
        for _ in 0 ..< n {
            self.resetDsCurVal()
            let client = try self.rest.readVarUInt()
            let count = try self.rest.readCount(minimumElementSize: 2, "delete set ranges")
            var ranges: [DeleteSet.Range] = []
            ranges.reserveCapacity(count)
            for _ in 0 ..< count {
                let at = self.rest.offset
                let clock = try self.readDsClock()
                let len = try self.readDsLen()
                guard clock <= maxClock, len <= maxClock - clock else {
                    throw DecodingError(.invalidValue("delete range exceeds 2^53 - 1"), offset: at, context: "delete set")
                }
                ranges.append(DeleteSet.Range(clock: clock, length: len))
            }
            entries.append(DeleteSet.Entry(client: client, ranges: ranges))
        }
        return DeleteSet(entries: entries)
    }
}

extension UpdateFieldEncoder {
    mutating func writeAny(_ value: YAny) { value.encode(to: &self.rest) }

    /// Writes one block (Yjs `Item.write` / `GC.write` / `Skip.write` with offset 0).
    mutating func writeBlock(_ block: Block) {
        switch block {
        case .gc(_, let len):
            self.writeInfo(0)
            self.writeLen(len)
        case .skip(_, let len):
            self.writeInfo(10)
            self.rest.writeVarUInt(len)
        case .item(let item):
            self.writeItem(item, yjsInfo: false)
        }
    }

    /// Writes an item; with `yjsInfo`, the parentSub bit is set only when the key is known (Yjs doc-less tools).
    mutating func writeItem(_ item: Item, yjsInfo: Bool) {
            var info = item.info
            if yjsInfo && item.parentSub == nil { info &= ~0x20 }
            self.writeInfo(info)
            if let origin = item.origin { self.writeLeftID(origin) }
            if let right = item.rightOrigin { self.writeRightID(right) }
            if item.origin == nil && item.rightOrigin == nil {
                switch item.parent {
                case .root(let name)?:
                    self.writeParentInfo(true)
                    self.writeString(name)
                case .id(let id)?:
                    self.writeParentInfo(false)
                    self.writeLeftID(id)
                case nil:
                    // Not representable on the wire; an item built without a parent is written under root "".
                    self.writeParentInfo(true)
                    self.writeString("")
                }
                if let sub = item.parentSub { self.writeString(sub) }
            }
            self.writeContent(item.content)
    }

    mutating func writeContent(_ content: Content) {
        switch content {
        case .deleted(let n): self.writeLen(n)
        case .json(let items):
            self.writeLen(UInt64(items.count))
            for s in items { self.writeString(s) }
        case .binary(let b): self.rest.writeVarBytes(b)
        case .string(let s): self.writeString(s)
        case .embed(let v): self.writeJSON(v)
        case .format(let key, let v):
            self.writeKey(key)
            self.writeJSON(v)
        case .type(let ref):
            self.writeTypeRef(ref.rawValue)
            switch ref {
            case .xmlElement(let name): self.writeKey(name)
            case .xmlHook(let name): self.writeKey(name)
            default: break
            }
        case .any(let values):
            self.writeLen(UInt64(values.count))
            for v in values { self.writeAny(v) }
        case .doc(let guid, let options):
            self.writeString(guid)
            self.writeAny(options)
        }
    }

    /// Writes a delete set in its stored order.
    mutating func writeDeleteSet(_ ds: DeleteSet) {
        self.rest.writeVarUInt(ds.entries.count)
        for e in ds.entries {
            self.resetDsCurVal()
            self.rest.writeVarUInt(e.client)
            self.rest.writeVarUInt(e.ranges.count)
            for r in e.ranges {
                self.writeDsClock(r.clock)
                self.writeDsLen(r.length)
            }
        }
    }

    /// Writes struct sections then the delete set.
    mutating func writeUpdate(_ update: Update) {
        self.rest.writeVarUInt(update.sections.count)
        for s in update.sections {
            self.rest.writeVarUInt(s.blocks.count)
            self.writeClient(s.client)
            self.rest.writeVarUInt(s.clock)
            for b in s.blocks { self.writeBlock(b) }
        }
        self.writeDeleteSet(update.deleteSet)
    }
}
