import JSONValues

/// Limits that a deployment sets: a schema's numeric keyword bound to the setting that fixes it, as
/// `"maxItems": 256, "x-setting": {"maxItems": "CHAT_MAX_MESSAGES"}`. The spec states the default; with
/// `--settings FILE`, runs and fuzz passes check the deployment's own value instead (a request of 5 messages is
/// then invalid on a server started with CHAT_MAX_MESSAGES=4, and a refusal of it is no finding).
extension DeploymentSettings {
    /// The schema extension that binds keywords to settings.
    static let extensionName = "x-setting"

    /// `spec` with every keyword bound to a setting these values name set to its value, and what changed, a line
    /// each; a bound setting whose value is not a number is invalid input.
    func applied(to spec: OpenAPISpec) throws -> (spec: OpenAPISpec, changes: [String]) {
        var changes: [String] = []
        func edit(_ value: JSONValue, _ pointer: JSONPointer) throws -> JSONValue {
            switch value {
            case .object(var object):
                for (key, child) in object { object[key] = try edit(child, pointer.appending(key)) }
                for (keyword, setting) in object[Self.extensionName]?.objectValue ?? [:] {
                    guard let name = setting.stringValue, let text = values[name] else { continue }
                    guard let number = Int64(text).map(JSONValue.integer) ?? Double(text).map(JSONValue.number) else {
                        throw SpecRunnerError.invalidInput("\(file): \(name)=\(text) is not a number, and the spec's \(keyword) at \(pointer) takes its value")
                    }
                    if object[keyword] != number { changes.append("\(keyword) \(text) at \(pointer) (\(name))") }
                    object[keyword] = number
                }
                return .object(object)
            case .array(let array):
                return .array(try array.enumerated().map { try edit($1, pointer.appending($0)) })
            default:
                return value
            }
        }
        let document = try edit(spec.document, .root)
        guard !changes.isEmpty else { return (spec, []) }
        do {
            return (try OpenAPISpec(document: document, source: "\(spec.source) with the settings of \(file)"), changes.sorted())
        } catch let error as SpecError {
            throw SpecRunnerError.invalidInput(error.description)
        }
    }

    /// What is wrong with `bindings`, the `x-setting` of the schema `object`: each must bind a keyword the schema
    /// has, with a number, to a setting's name.
    static func problems(of bindings: JSONValue, in object: [String: JSONValue]) -> [String] {
        guard let bindings = bindings.objectValue else { return ["must be an object of keyword: SETTING_NAME"] }
        return bindings.sorted { $0.key < $1.key }.compactMap { keyword, setting in
            guard setting.stringValue?.isEmpty == false else { return "\(keyword) must name a setting" }
            switch object[keyword] {
            case .integer, .number: return nil
            case nil: return "binds \(keyword), which the schema does not have (it states the default)"
            default: return "binds \(keyword), which is not a number"
            }
        }
    }
}
