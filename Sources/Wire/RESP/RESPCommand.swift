/// A Redis command: the array of bulk strings every client sends (RESP "Sending commands to a Redis server").
///
/// Arguments are binary-safe bytes; ``RESPArgument`` lets call sites mix strings, byte arrays and integers:
/// `RESPCommand("SET", "key", payload, "EX", 60)`. The name is an argument like any other, so the encoding is
/// `*<n>\r\n` followed by `$<len>\r\n<bytes>\r\n` for each argument.
public struct RESPCommand: Sendable, Hashable, CustomStringConvertible {
    /// The arguments, command name first.
    public var arguments: [[UInt8]]

    /// A command from raw arguments (name first).
    public init(arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    /// A command from a name and arguments of any ``RESPArgument`` type.
    public init(_ name: String, _ arguments: any RESPArgument...) {
        self.init(name, arguments: arguments)
    }

    /// A command from a name and an argument array (for commands built in a loop).
    public init(_ name: String, arguments: [any RESPArgument]) {
        var all: [[UInt8]] = [Array(name.utf8)]
        all.reserveCapacity(arguments.count + 1)
        for argument in arguments { all.append(argument.respBytes) }
        self.arguments = all
    }

    /// The command name, upper-cased (for logs and metrics).
    public var name: String {
        String(decoding: self.arguments.first ?? [], as: UTF8.self).uppercased()
    }

    /// The RESP encoding.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        self.encode(into: &bytes)
        return bytes
    }

    /// Appends the RESP encoding to `buffer` (pipelines write many commands into one buffer).
    public func encode(into buffer: inout [UInt8]) {
        var size = 16
        for argument in self.arguments { size += argument.count + 16 }
        buffer.reserveCapacity(buffer.count + size)
        RESPEncoder.appendHeader(UInt8(ascii: "*"), Int64(self.arguments.count), to: &buffer)
        for argument in self.arguments {
            RESPEncoder.appendHeader(UInt8(ascii: "$"), Int64(argument.count), to: &buffer)
            buffer.append(contentsOf: argument)
            buffer.append(contentsOf: RESPEncoder.crlf)
        }
    }

    /// The name and the argument count; arguments are left out because they may hold secrets (AUTH) or user data.
    public var description: String {
        "\(self.name) (\(self.arguments.count - 1) arguments)"
    }
}

/// A value usable as a ``RESPCommand`` argument.
public protocol RESPArgument {
    /// The bytes sent as the bulk string.
    var respBytes: [UInt8] { get }
}

extension String: RESPArgument {
    /// The UTF-8 bytes.
    public var respBytes: [UInt8] { Array(self.utf8) }
}

extension Substring: RESPArgument {
    /// The UTF-8 bytes.
    public var respBytes: [UInt8] { Array(self.utf8) }
}

extension Array: RESPArgument where Element == UInt8 {
    /// The bytes themselves.
    public var respBytes: [UInt8] { self }
}

extension Int: RESPArgument {
    /// The decimal digits, as Redis expects for counts, TTLs and indexes.
    public var respBytes: [UInt8] { Array(String(self).utf8) }
}

extension Int64: RESPArgument {
    /// The decimal digits.
    public var respBytes: [UInt8] { Array(String(self).utf8) }
}
