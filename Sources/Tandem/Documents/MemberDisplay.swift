/// The name and colour other members see for a member (`ydoc:user:joined`, the admin dashboard), decided by the
/// server rather than the client (issue 19).
///
/// - The **name** is the authenticated user's (``DocumentPeer/userName``: the token's `name` claim, or in Open WebUI
///   mode the host's user record); the `user_name` a client sends in `ydoc:document:join` is ignored. A user without
///   a name is shown as `Anonymous`, Open WebUI's default.
/// - The **colour** is the client's `user_color` when it is a well-formed CSS hex colour (`#rgb` or `#rrggbb`, either
///   case; Open WebUI's editor picks one at random from a fixed palette), kept as sent. Otherwise (missing,
///   malformed, a CSS injection attempt) it is derived from the user id: FNV-1a (64-bit) over the id's UTF-8 bytes,
///   modulo the ten colours of ``palette``, so one user always gets the same colour.
/// See Docs/rooms.md.
public enum MemberDisplay {
    /// The colours a derived colour is picked from (the style of Open WebUI's editor palette).
    public static let palette = [
        "#FF6B6B", "#4ECDC4", "#45B7D1", "#96CEB4", "#FFEAA7", "#DDA0DD", "#98D8C8", "#F7DC6F", "#BB8FCE", "#85C1E9",
    ]

    /// The name shown for `peer`: its authenticated user name, or `Anonymous`.
    public static func name(of peer: DocumentPeer) -> String {
        peer.userName.isEmpty ? "Anonymous" : peer.userName
    }

    /// The colour shown for `userID`: `requested` when it is a well-formed hex colour, else the derived one.
    public static func color(requested: String?, userID: String) -> String {
        if let requested, isHexColor(requested) { return requested }
        return derivedColor(userID: userID)
    }

    /// Whether `value` is `#` followed by exactly 3 or 6 hexadecimal digits.
    public static func isHexColor(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 4 || bytes.count == 7, bytes.first == UInt8(ascii: "#") else { return false }
        return bytes.dropFirst().allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }
    }

    /// The stable colour of `userID`: FNV-1a 64 of its UTF-8 bytes, modulo the palette.
    public static func derivedColor(userID: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in userID.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return palette[Int(hash % UInt64(palette.count))]
    }
}
