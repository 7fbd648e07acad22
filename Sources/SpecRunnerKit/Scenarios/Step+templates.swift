import JSONValues
extension Step {
    /// Every templated text of the step (request and expectations), as one JSON value to search.
    var templates: JSONValue {
        var texts: [JSONValue] = [.object(path), .object(query), .object(headers), .object(form ?? [:]), body ?? .null]
        texts += ([rawBody, request?.path, url].compactMap { $0 } + (auth?.texts ?? [])).map(JSONValue.string)
        let matchers = Array(expect.body.values) + Array(expect.headers.values) + Array(expect.values.values) + [expect.text, expect.stream?.text].compactMap { $0 }
            + Array(expect.stream?.lastEvent.values ?? [:].values) + Array(expect.stream?.errorEvent.values ?? [:].values)
        texts += matchers.flatMap(\.templates)
        texts += expect.values.keys.map(JSONValue.string)
        texts += [expect.bodySubset].compactMap { $0 }
        return .array(texts)
    }

    /// Every variable the step's templates read.
    var references: [String] { templates.templateReferences }
}

extension Matcher {
    /// The matcher's templated values, its claims matcher's included.
    var templates: [JSONValue] {
        [equals, notEquals, contains.map(JSONValue.string), matches.map(JSONValue.string), notContains.map(JSONValue.string)].compactMap { $0 }
            + (jwtClaims?.templates ?? [])
    }
}

extension JSONValue {
    /// Every variable the templates in this value's strings read.
    var templateReferences: [String] {
        switch self {
        case .string(let text): Template.references(in: text)
        case .array(let array): array.flatMap(\.templateReferences)
        case .object(let object): object.values.flatMap(\.templateReferences)
        default: []
        }
    }
}
