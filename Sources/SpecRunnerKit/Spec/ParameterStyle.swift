import Foundation
import JSONValues

/// How a parameter's value is written into a request, as its `style` and `explode` say (OpenAPI 3.1, "Style
/// Values"): arrays and objects in a path (`simple`, `label`, `matrix`), a query (`form`, `spaceDelimited`,
/// `pipeDelimited`, `deepObject`), a header (`simple`) or a cookie (`form`). Primitives are their text.
struct ParameterStyle: Sendable, Equatable {
    let location: String
    let style: String
    let explode: Bool

    /// The parameter's style and explode, with the defaults of its place (`form` exploded in the query and cookies,
    /// `simple` in the path and headers).
    init(parameter: JSONValue) {
        location = parameter["in"]?.stringValue ?? "query"
        let defaultStyle = ["query", "cookie"].contains(location) ? "form" : "simple"
        style = parameter["style"]?.stringValue ?? defaultStyle
        explode = parameter["explode"]?.boolValue ?? (style == "form")
    }

    init(location: String, style: String, explode: Bool) {
        self.location = location
        self.style = style
        self.explode = explode
    }

    /// A query or cookie parameter as `name=value` items, each name and value form-encoded and the style's
    /// delimiters (`,`, `%20`, `|`) left as delimiters; an empty array is `name=`, or nothing when exploded.
    func items(name: String, value: JSONValue) -> [String] {
        let encode = FormEncoding.component
        let delimiter = switch style {
        case "spaceDelimited": "%20"
        case "pipeDelimited": "|"
        default: ","
        }
        switch value {
        case .array(let elements):
            let texts = elements.map { encode($0.displayText) }
            // An empty list is `name=` when not exploded (RFC 6570's form expansion), and nothing when exploded.
            if texts.isEmpty { return explode ? [] : ["\(encode(name))="] }
            return explode ? texts.map { "\(encode(name))=\($0)" } : ["\(encode(name))=\(texts.joined(separator: delimiter))"]
        case .object(let object):
            let entries = object.keys.sorted().map { (encode($0), encode(object[$0]!.displayText)) }
            if style == "deepObject" { return entries.map { "\(encode(name + "["))\($0.0)\(encode("]"))=\($0.1)" } }
            return explode ? entries.map { "\($0.0)=\($0.1)" } : ["\(encode(name))=\(entries.flatMap { [$0.0, $0.1] }.joined(separator: delimiter))"]
        default:
            return ["\(encode(name))=\(encode(value.displayText))"]
        }
    }

    /// A path or header parameter's text; `encode` is applied to each name and value (percent-encoding in a path),
    /// never to the delimiters the style adds.
    func text(name: String, value: JSONValue, encode: (String) -> String = { $0 }) -> String {
        let separator = explode ? (style == "label" ? "." : style == "matrix" ? ";\(encode(name))=" : ",") : ","
        let body: String
        switch value {
        case .array(let items):
            body = items.map { encode($0.displayText) }.joined(separator: separator)
        case .object(let object):
            let keys = object.keys.sorted()
            if explode {
                let joint = style == "label" ? "." : style == "matrix" ? ";" : ","
                let entries = keys.map { "\(encode($0))=\(encode(object[$0]!.displayText))" }.joined(separator: joint)
                return style == "label" ? "." + entries : style == "matrix" ? ";" + entries : entries
            }
            body = keys.flatMap { [encode($0), encode(object[$0]!.displayText)] }.joined(separator: ",")
        default:
            body = encode(value.displayText)
        }
        switch style {
        case "label": return "." + body
        case "matrix": return ";\(encode(name))=" + body
        default: return body
        }
    }

    /// A header's or parameter's text as the JSON value its schema describes: a number, an integer or a boolean
    /// where the schema says so (`"42"` as 42), an array of those from `a,b`; otherwise the text.
    static func typed(_ text: String, schemaAt pointer: JSONPointer, in spec: OpenAPISpec) -> JSONValue {
        let sampler = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: 0))
        guard let (at, schema) = sampler.resolved(pointer) else { return .string(text) }
        switch SchemaSampler.type(of: schema) {
        case "integer": return Int64(text.trimmingCharacters(in: .whitespaces)).map(JSONValue.integer) ?? .string(text)
        case "number": return Double(text.trimmingCharacters(in: .whitespaces)).map(JSONValue.number) ?? .string(text)
        case "boolean": return ["true": JSONValue.bool(true), "false": .bool(false)][text] ?? .string(text)
        case "array":
            return .array(text.split(separator: ",").map { typed($0.trimmingCharacters(in: .whitespaces), schemaAt: at.appending("items"), in: spec) })
        default: return .string(text)
        }
    }
}
