import Foundation
import YCRDT

/// Converts values to Foundation JSON objects so tests can compare them with `expected.json` structurally
/// (numbers and booleans as doubles; binary as `{"binary": [...]}`, as the fixture generator prints it).
enum JSONCompare {
    static func foundation(_ value: YAny) -> NSObject {
        switch value {
        case .undefined, .null: return NSNull()
        case .bool(let b): return NSNumber(value: b ? 1.0 : 0.0)
        case .string(let s): return s as NSString
        case .bytes(let bytes): return ["binary": bytes.map { NSNumber(value: Double($0)) }] as NSDictionary
        case .array(let values): return values.map { foundation($0) } as NSArray
        case .object(let entries):
            let dict = NSMutableDictionary()
            for (key, value) in entries { dict[key] = foundation(value) }
            return dict
        case .bigint(let i): return NSNumber(value: Double(i))
        default: return NSNumber(value: value.doubleValue ?? 0)
        }
    }

    /// Normalises a parsed JSON value: numbers become doubles so 1 and 1.0 compare equal.
    static func normalized(_ value: Any) -> NSObject {
        switch value {
        case let n as NSNumber:
            return NSNumber(value: n.doubleValue)
        case let a as [Any]: return a.map { normalized($0) } as NSArray
        case let d as [String: Any]:
            let out = NSMutableDictionary()
            for (k, v) in d { out[k] = normalized(v) }
            return out
        case let s as String: return s as NSString
        default: return NSNull()
        }
    }

    static func delta(_ ops: [TextDelta], _ doc: Document) -> NSObject {
        ops.map { op -> NSObject in
            let dict = NSMutableDictionary()
            switch op.insert {
            case .string(let s): dict["insert"] = s
            case .embed(let v): dict["insert"] = foundation(v)
            case .type(let ref, _): dict["insert"] = foundation(doc.toJSON(ref))
            }
            if !op.attributes.isEmpty {
                let attrs = NSMutableDictionary()
                for (k, v) in op.attributes { attrs[k] = foundation(v) }
                dict["attributes"] = attrs
            }
            return normalized(dict)
        } as NSArray
    }

    /// Structural equality; numbers compare with a relative tolerance of 1e-12 because Foundation's JSON parser
    /// on Linux does not round-trip every double exactly.
    static func equal(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (let x as NSNumber, let y as NSNumber):
            let p = x.doubleValue, q = y.doubleValue
            return p == q || abs(p - q) <= 1e-12 * max(abs(p), abs(q))
        case (let x as NSArray, let y as NSArray):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (let x as NSDictionary, let y as NSDictionary):
            guard x.count == y.count else { return false }
            for (k, v) in x {
                guard let w = y[k] else { return false }
                if !equal(v, w) { return false }
            }
            return true
        case (let x as NSString, let y as NSString):
            return x == y
        case (is NSNull, is NSNull):
            return true
        default:
            return false
        }
    }
}
