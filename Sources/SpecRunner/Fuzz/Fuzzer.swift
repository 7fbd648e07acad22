import Foundation

/// Negative and random testing generated from the spec: for each operation, valid random bodies and bodies
/// broken on purpose, sent with good and bad credentials. A finding is a 5xx, a status or body the spec does not
/// document, or a 2xx for a request the spec forbids.
struct Fuzzer: Sendable {
    /// How one request departs from a valid one.
    enum Mutation: String, CaseIterable, Sendable {
        case valid, missingRequired, wrongType, outOfRange, extraField, notAnObject, invalidJSON, invalidUTF8
        case oddUnicode, hugeNumber, wrongContentType, noCredentials, garbageCredentials
    }

    /// One generated request and what the spec says of it.
    struct Plan: Sendable {
        let index: Int
        let operation: OpenAPISpec.Operation
        let mutation: Mutation
        let request: SentRequest
        /// Whether the spec allows this request (its body matches the schema, its credentials are sent).
        let allowedBySpec: Bool
    }

    struct Finding: Sendable {
        let plan: Plan
        let status: Int?
        let problems: [String]
    }

    let spec: OpenAPISpec
    let baseURL: String
    let seed: UInt64
    /// A session token and an API key of a user made for the run.
    let token: String
    let apiKey: String

    /// Operations with their request body schema pointer (if any), in a fixed order.
    var operations: [(OpenAPISpec.Operation, JSONPointer?)] {
        spec.operations.values.sorted { $0.id < $1.id }.map { operation in
            let pointer = operation.pointer.appending("requestBody").appending("content").appending("application/json").appending("schema")
            return (operation, pointer.resolve(in: spec.document) == nil ? nil : pointer)
        }
    }

    /// The `index`th request of the run: the same for the same seed, whatever order requests are sent in.
    func plan(_ index: Int) -> Plan {
        var random = SeededRandom.forRequest(seed: seed, index: index)
        let all = operations
        let (operation, bodyPointer) = all[index % all.count]
        let mutation = Mutation.allCases.randomElement(using: &random)!
        var sampler = SchemaSampler(document: spec.document, random: random)
        var allowed = true
        var headers: [(name: String, value: String)] = []
        var body: String?
        var bytes: [UInt8]?
        let requiresCredentials = Self.requiresCredentials(operation, in: spec.document)
        switch mutation {
        case .noCredentials:
            allowed = !requiresCredentials
        case .garbageCredentials:
            headers.append(("Authorization", "Bearer garbage.\(sampler.random.next())"))
            allowed = !requiresCredentials
        default:
            if requiresCredentials {
                let useKey = operation.path.hasPrefix("/chat") || operation.path.hasPrefix("/v1")
                headers.append(("Authorization", "Bearer \(useKey && Bool.random(using: &sampler.random) ? apiKey : token)"))
            }
        }
        if let bodyPointer, let schema = bodyPointer.resolve(in: spec.document) {
            var value = sampler.valid(schema)
            // Which leaf to change comes from a generator of its own, so the replacement may use the sampler's.
            var picker = SeededRandom(seed: sampler.random.next())
            switch mutation {
            case .missingRequired:
                if case .object(var object) = value, let name = object.keys.sorted().randomElement(using: &sampler.random) {
                    object[name] = nil
                    value = .object(object)
                }
            case .wrongType:
                value = Self.replacingRandomLeaf(in: value, random: &picker) { sampler.wrongType(for: $0) }
            case .outOfRange:
                value = Self.replacingRandomLeaf(in: value, random: &picker) { leaf in
                    switch leaf {
                    case .number(let number): .number(Bool.random(using: &sampler.random) ? -number - 1 : number + 1e6)
                    default: .string(String(repeating: "y", count: 70_000))
                    }
                }
            case .extraField:
                if case .object(var object) = value { object["unexpected_\(sampler.random.next() % 100)"] = .string("extra"); value = .object(object) }
            case .notAnObject:
                value = [JSONValue.null, .array([value]), .string("text"), .number(7)].randomElement(using: &sampler.random)!
            case .oddUnicode:
                value = Self.replacingRandomLeaf(in: value, random: &picker) { _ in .string(SchemaSampler.oddStrings.randomElement(using: &sampler.random)!) }
            default:
                break
            }
            body = value.jsonText
            if mutation == .hugeNumber {
                body = body!.replacingOccurrences(of: #"(:\s*)-?[0-9.]+"#, with: "$11e309", options: .regularExpression)
                if body == value.jsonText { body = #"{"n":123456789012345678901234567890123456789}"# }
            }
            switch mutation {
            case .invalidJSON: body = String(body!.dropLast(max(1, body!.count / 3)))
            case .invalidUTF8: bytes = Array(#"{"email":""#.utf8) + [0xFF, 0xFE, 0xC3] + Array(#"","password":"x"}"#.utf8)
            default: break
            }
            headers.append(("Content-Type", mutation == .wrongContentType ? ["text/plain", "application/xml", "multipart/form-data"].randomElement(using: &sampler.random)! : "application/json"))
            if [.invalidJSON, .invalidUTF8, .wrongContentType, .hugeNumber].contains(mutation) {
                allowed = false
            } else if let parsed = body.flatMap({ try? JSONValue.parse($0) }) {
                allowed = allowed && spec.validator.validate(parsed, schemaAt: bodyPointer).isEmpty
            }
        }
        var path = operation.path
        for name in ScenarioLinter.pathParameters(operation.path) {
            let value = ["does-not-exist", "' OR 1=1 --", "%00", String(repeating: "k", count: 300)].randomElement(using: &sampler.random)!
            path = path.replacingOccurrences(of: "{\(name)}", with: value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)
        }
        return Plan(
            index: index, operation: operation, mutation: mutation,
            request: SentRequest(method: operation.method, url: baseURL + path, headers: headers, body: bytes == nil ? body : nil, bytes: bytes),
            allowedBySpec: allowed)
    }

    /// What is wrong with the answer to a plan.
    func check(_ response: ReceivedResponse, for plan: Plan) -> [String] {
        var problems: [String] = []
        if response.status >= 500 { problems.append("server error \(response.status): \(response.text.prefix(200))") }
        problems += spec.check(response, operation: plan.operation)
        if !plan.allowedBySpec, (200..<300).contains(response.status) {
            problems.append("accepted (\(response.status)) a request the spec forbids (\(plan.mutation.rawValue))")
        }
        return problems
    }

    /// Whether every security requirement of the operation needs credentials (none is `{}`).
    static func requiresCredentials(_ operation: OpenAPISpec.Operation, in document: JSONValue) -> Bool {
        guard let requirements = operation.pointer.appending("security").resolve(in: document)?.arrayValue ?? document["security"]?.arrayValue else {
            return false
        }
        return !requirements.isEmpty && !requirements.contains { $0.objectValue?.isEmpty ?? true }
    }

    /// `value` with one of its leaves (a string, number, boolean or null) replaced.
    static func replacingRandomLeaf(in value: JSONValue, random: inout SeededRandom, _ replace: (JSONValue) -> JSONValue) -> JSONValue {
        switch value {
        case .object(var object) where !object.isEmpty:
            let key = object.keys.sorted().randomElement(using: &random)!
            object[key] = replacingRandomLeaf(in: object[key]!, random: &random, replace)
            return .object(object)
        case .array(var array) where !array.isEmpty:
            let index = Int.random(in: 0..<array.count, using: &random)
            array[index] = replacingRandomLeaf(in: array[index], random: &random, replace)
            return .array(array)
        default:
            return replace(value)
        }
    }
}
