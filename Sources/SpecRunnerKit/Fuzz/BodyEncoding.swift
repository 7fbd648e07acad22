import JSONValues
/// The request body media types the fuzzer writes, in the order it prefers them.
enum BodyEncoding: CaseIterable, Sendable {
    case json, form, multipart

    static let boundary = "specrunner-fuzz-boundary"

    var mediaType: String {
        switch self {
        case .json: "application/json"
        case .form: "application/x-www-form-urlencoded"
        case .multipart: "multipart/form-data"
        }
    }

    var contentType: String {
        self == .multipart ? "\(mediaType); boundary=\(Self.boundary)" : mediaType
    }

    /// `value` as a body of this type. A form or multipart body takes an object's fields: text as it is, arrays as
    /// repeated fields, anything else as JSON text; null fields are left out.
    func encode(_ value: JSONValue) -> String {
        guard self != .json else { return value.jsonText }
        let fields = (value.objectValue ?? [:]).sorted { $0.key < $1.key }.flatMap { name, field -> [(String, String)] in
            switch field {
            case .null: []
            case .array(let items): items.map { (name, $0.displayText) }
            default: [(name, field.displayText)]
            }
        }
        if self == .form { return FormEncoding.encode(fields) }
        let parts = fields.map { name, text in
            "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(name.replacingOccurrences(of: "\"", with: "%22"))\"\r\n\r\n\(text)\r\n"
        }
        return parts.joined() + "--\(Self.boundary)--\r\n"
    }
}

/// An operation's request body as the fuzzer writes it.
struct RequestBody: Sendable {
    let mediaType: String
    /// The pointer of its schema.
    let schema: JSONPointer
    let encoding: BodyEncoding
}
