import Wire

/// Turns one log event into one line of text or JSON, sanitising what could leak.
///
/// Rules, applied to every line:
/// - a field whose name contains `token`, `authorization`, `secret`, `password` or `cookie` (any case) is written as
///   `[redacted]`, whatever its value;
/// - anything in the message or a value that looks like a JWT (`eyJ…` with two dots) becomes `[redacted-jwt]`;
/// - values longer than ``maxValueLength`` characters are cut (ending in `…`);
/// - control characters never reach the output raw: text lines escape them (`\n`, `\u{1b}`), JSON escapes them, so
///   a peer cannot forge extra log lines.
public struct LogFormatter: Sendable {
    /// Field-name fragments whose values are never written.
    public static let redactedNames = ["token", "authorization", "secret", "password", "cookie"]

    /// The line format.
    public var format: LogFormat
    /// Longest value written, in characters. Default 512.
    public var maxValueLength: Int

    /// A formatter for `format`.
    public init(format: LogFormat, maxValueLength: Int = 512) {
        self.format = format
        self.maxValueLength = maxValueLength
    }

    /// One line, without the trailing newline.
    public func line(time: Double, level: LogLevel, message: String, fields: [(String, any Sendable)]) -> String {
        let timestamp = Self.timestamp(time)
        let message = Self.maskJWTs(message)
        switch self.format {
        case .text:
            var line = timestamp + " " + level.description.uppercased() + " " + Self.escapeControl(message)
            for (key, value) in fields {
                line += " " + Self.safeKey(key) + "=" + self.textValue(key: key, value)
            }
            return line
        case .json:
            var object = JSONObject()
            object["ts"] = .string(timestamp)
            object["level"] = .string(level.description)
            object["msg"] = .string(message)
            for (key, value) in fields {
                var name = Self.safeKey(key)
                if object[name] != nil { name = "field_" + name }
                object[name] = self.jsonValue(key: key, value)
            }
            return JSONValue.object(object).serialized()
        }
    }

    // MARK: Values

    private func jsonValue(key: String, _ value: any Sendable) -> JSONValue {
        if Self.isRedacted(key) { return .string("[redacted]") }
        switch value {
        case let value as Bool: return .bool(value)
        case let value as Int: return .int(Int64(value))
        case let value as Int64: return .int(value)
        case let value as Int32: return .int(Int64(value))
        case let value as UInt16: return .int(Int64(value))
        case let value as UInt32: return .int(Int64(value))
        case let value as UInt64 where value <= UInt64(Int64.max): return .int(Int64(value))
        case let value as Double where value.isFinite: return .double(value)
        default: return .string(self.stringValue(value))
        }
    }

    private func textValue(key: String, _ value: any Sendable) -> String {
        if Self.isRedacted(key) { return "[redacted]" }
        let text = self.stringValue(value)
        let needsQuotes = text.isEmpty || text.unicodeScalars.contains {
            $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F
        }
        guard needsQuotes else { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                quoted += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    private func stringValue(_ value: any Sendable) -> String {
        let text: String
        switch value {
        case let value as String: text = value
        case let value as Substring: text = String(value)
        default: text = String(describing: value)
        }
        let masked = Self.maskJWTs(text)
        guard masked.count > self.maxValueLength else { return masked }
        return String(masked.prefix(max(0, self.maxValueLength))) + "…"
    }

    // MARK: Sanitising

    /// Whether a field of this name is always redacted.
    public static func isRedacted(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return self.redactedNames.contains { lowered.contains($0) }
    }

    /// Field names keep `[A-Za-z0-9_.-]`; anything else becomes `_`.
    static func safeKey(_ key: String) -> String {
        let cleaned = String(key.unicodeScalars.map { scalar -> Character in
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "." || scalar == "-"
            return ok ? Character(scalar) : "_"
        })
        return cleaned.isEmpty ? "_" : cleaned
    }

    /// Escapes control characters in a message (text format).
    static func escapeControl(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Replaces every JWT-looking run (`eyJ` then base64url characters containing exactly two dots) with
    /// `[redacted-jwt]`.
    public static func maskJWTs(_ text: String) -> String {
        guard text.contains("eyJ") else { return text }
        let scalars = Array(text.unicodeScalars)
        func isWordScalar(_ s: Unicode.Scalar) -> Bool {
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "-" || s == "_"
        }
        func isTokenScalar(_ s: Unicode.Scalar) -> Bool { isWordScalar(s) || s == "." }
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if index + 2 < scalars.count, scalars[index] == "e", scalars[index + 1] == "y", scalars[index + 2] == "J",
                index == 0 || !isWordScalar(scalars[index - 1])
            {
                var end = index
                var dots = 0
                while end < scalars.count, isTokenScalar(scalars[end]) {
                    if scalars[end] == "." { dots += 1 }
                    end += 1
                }
                if dots >= 2 {
                    out.append(contentsOf: "[redacted-jwt]".unicodeScalars)
                    index = end
                    continue
                }
            }
            out.append(scalars[index])
            index += 1
        }
        return String(out)
    }

    // MARK: Time

    /// RFC 3339 UTC with milliseconds: `2025-01-02T03:04:05.678Z`.
    public static func timestamp(_ seconds: Double) -> String {
        let millisTotal = Int64((seconds * 1000).rounded(.down))
        let millis = Int((millisTotal % 1000 + 1000) % 1000)
        let secondsTotal = (millisTotal - Int64(millis)) / 1000
        var days = secondsTotal / 86_400
        var secondOfDay = secondsTotal % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay % 3600 / 60, 2) + ":" + pad(secondOfDay % 60, 2) + "." + pad(Int64(millis), 3) + "Z"
    }
}
