import YCRDT
import Wire

/// The Tandem server library: actors, rooms, endpoints, persistence and the socket transport.
public enum Tandem {
    /// The server's version string, reported by `/healthz` and `tandem --version`.
    public static let version = "0.1.0"
}
