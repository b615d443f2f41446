/// Pure network protocol framing: HTTP/1.1, RFC 6455 WebSocket, Engine.IO v4 and Socket.IO v5.
///
/// `Wire` never touches a socket. Decoders take bytes and return values or actions; the `Tandem` module drives them.
public enum Wire {}
