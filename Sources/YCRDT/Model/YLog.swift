/// The `.ylog` file format: a sequence of updates, each a lib0 varUint byte length followed by the update bytes.
///
/// Used by the shared fixtures (`automerge-paper.ylog`, `updates.ylog`), `tandem update` and `tandem replay`.
/// Pure parsing: the caller reads the file.
public enum YLog {
    /// Splits a `.ylog` buffer into its records (slices of `bytes`, no copies).
    /// - Throws: ``DecodingError`` if a length runs past the end of the buffer.
    public static func records(_ bytes: [UInt8]) throws(DecodingError) -> [ArraySlice<UInt8>] {
        var reader = ByteReader(bytes)
        var out: [ArraySlice<UInt8>] = []
        while !reader.isAtEnd {
            out.append(try reader.readVarBytes())
        }
        return out
    }

    /// Encodes records as a `.ylog` buffer.
    public static func encode<S: Sequence>(_ records: S) -> [UInt8] where S.Element: Collection, S.Element.Element == UInt8 {
        var writer = ByteWriter()
        for r in records { writer.writeVarBytes(r) }
        return writer.bytes
    }
}
