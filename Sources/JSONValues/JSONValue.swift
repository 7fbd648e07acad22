import Foundation

/// A JSON document as a value: what SpecRunner reads responses, schemas and scenario files into, and what the server
/// carries without interpreting it (a tool's parameter schema, log probabilities, fields an upstream knows).
/// Strings compare by code points, as JSON Schema requires (Swift's `==` would equate canonically equivalent strings).
/// Integers that fit 64 bits are kept exactly (`integer`), so an id above 2^53 is sent back as it came; numbers
/// compare by value, so `integer(1)` equals `number(1.0)`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text; throws for anything that is not JSON.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Data(text.utf8))
    }

    /// Converts what Yams or JSONSerialization produce.
    public init(any value: Any?) throws {
        switch value {
        case nil, is NSNull: self = .null
        case let value as Bool: self = .bool(value)
        case let value as Int: self = .integer(Int64(value))
        case let value as Double: self = .number(value)
        case let value as String: self = .string(value)
        case let value as [Any?]: self = .array(try value.map { try JSONValue(any: $0) })
        case let value as [String: Any?]: self = .object(try value.mapValues { try JSONValue(any: $0) })
        case let value as [AnyHashable: Any?]:
            self = .object(
                try Dictionary(uniqueKeysWithValues: value.map { key, element in ("\(key.base)", try JSONValue(any: element)) }))
        case let value as Date: self = .string(value.formatted(.iso8601))
        default: throw JSONValueError(message: "unsupported value \(String(describing: value)) of type \(type(of: value!))")
        }
    }

    /// The JSON type name as JSON Schema spells it (`integer` for whole numbers).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number(let number): number.isWholeNumber ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var numberValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The value as an exact integer: an `integer`, or a whole `number` that fits 64 bits.
    public var integerValue: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value): value.isWholeNumber && abs(value) < 9.2e18 ? Int64(value) : nil
        default: nil
        }
    }

    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Compact JSON text with sorted keys.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    /// The value as text for messages and templates: strings bare, everything else as JSON.
    public var displayText: String {
        if case .string(let value) = self { return value }
        return jsonText
    }
}

extension Double {
    public var isWholeNumber: Bool { isFinite && rounded() == self }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value):
            if value.isWholeNumber, abs(value) < 9.0e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// Why a value is not JSON.
public struct JSONValueError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}

extension JSONValue {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.integer(let a), .number(let b)), (.number(let b), .integer(let a)): JSONValue.number(b).integerValue == a
        case (.string(let a), .string(let b)): a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && a.allSatisfy { key, value in b[key] == value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .integer(let value): hasher.combine(value)
        case .number(let value):
            // Equal numbers hash alike: a whole double as the integer it equals.
            if let integer = integerValue { hasher.combine(integer) } else { hasher.combine(value) }
        case .string(let value): value.unicodeScalars.forEach { hasher.combine($0) }
        case .array(let value): hasher.combine(value)
        case .object(let value): hasher.combine(value.count)
        }
    }
}
