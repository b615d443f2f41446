/// The Yjs update codec and CRDT document, written against the standard library only.
///
/// `YCRDT` has no Foundation and no I/O: every function takes bytes and returns values or bytes, so the same code
/// serves the server, the command-line tools and the benchmarks.
public enum YCRDT {
    /// The Yjs release whose wire format and behaviour this module reproduces.
    public static let yjsVersion = "13.6.31"
}
