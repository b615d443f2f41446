/// The length-prefixed text fields of the cluster channel's messages (``ClusterAwarenessMessage``,
/// ``ClusterMemberMessage``): one length byte, then that many bytes of UTF-8.
enum ClusterFields {
    /// Why the fields could not be read.
    enum Failure: Error, Equatable {
        case truncated
        case invalidText
    }

    /// Reads `count` fields from `offset`, advancing it past them; never reads past the end of `bytes`.
    static func read(_ count: Int, from bytes: [UInt8], at offset: inout Int) throws(Failure) -> [String] {
        var texts: [String] = []
        texts.reserveCapacity(count)
        for _ in 0..<count {
            guard offset < bytes.count else { throw .truncated }
            let length = Int(bytes[offset])
            offset += 1
            guard bytes.count - offset >= length else { throw .truncated }
            let slice = bytes[offset..<(offset + length)]
            guard UTF8Validator.isValid(slice) else { throw .invalidText }
            texts.append(String(decoding: slice, as: UTF8.self))
            offset += length
        }
        return texts
    }
}
