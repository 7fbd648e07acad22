import JSONValues
extension JSONValue {
    /// This value with the node at `pointer` replaced by `transform`'s result (nil removes it from its object or
    /// array); unchanged when the pointer leads nowhere.
    func editing(at pointer: JSONPointer, _ transform: (JSONValue) -> JSONValue?) -> JSONValue {
        editing(tokens: pointer.tokens[...], transform) ?? .null
    }

    private func editing(tokens: ArraySlice<String>, _ transform: (JSONValue) -> JSONValue?) -> JSONValue? {
        guard let token = tokens.first else { return transform(self) }
        switch self {
        case .object(var object):
            guard let child = object[token] else { return self }
            object[token] = child.editing(tokens: tokens.dropFirst(), transform)
            return .object(object)
        case .array(var array):
            guard let index = Int(token), array.indices.contains(index) else { return self }
            if let edited = array[index].editing(tokens: tokens.dropFirst(), transform) {
                array[index] = edited
            } else {
                array.remove(at: index)
            }
            return .array(array)
        default:
            return self
        }
    }

    /// The recursive merge of the OpenAPI Overlay Specification: the properties of `update` replace those of an
    /// object with the same name (objects merged in turn) and new ones are added; an array gets `update` appended;
    /// anything else is replaced.
    func merging(_ update: JSONValue) -> JSONValue {
        switch (self, update) {
        case (.object(var object), .object(let changes)):
            for (key, value) in changes {
                object[key] = object[key].map { existing in
                    if case .object = existing, case .object = value { return existing.merging(value) }
                    return value
                } ?? value
            }
            return .object(object)
        case (.array(let array), _):
            return .array(array + [update])
        default:
            return update
        }
    }
}
