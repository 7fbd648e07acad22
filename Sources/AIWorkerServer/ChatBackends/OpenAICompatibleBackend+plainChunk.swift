extension OpenAICompatibleBackend.Chunk {
    /// The chunk read with `JSONByteScanner` when it has the shape nearly every upstream event has: an object with
    /// `choices` and at most an `id` and a null `usage` of the fields this type reads, each once (any other field
    /// skipped); each choice with at most an `index`, a `delta` of strings, a null `logprobs` and a `finish_reason`.
    /// `nil` otherwise, for `JSONDecoder` to read the event (a usage, tool calls and log probabilities come that way)
    /// or to refuse it. What it reads is what `init(from:)` reads from the same bytes (tested). A gateway reads one
    /// chunk a token, and the decoder was a seventh of its CPU.
    init?(plain data: String) {
        var data = data
        guard let chunk = data.withUTF8({ bytes -> Self? in
            var scanner = JSONByteScanner(UnsafeRawBufferPointer(bytes))
            guard let chunk = Self(scanning: &scanner), scanner.atEnd() else { return nil }
            return chunk
        }) else { return nil }
        self = chunk
    }

    /// The names each object's read takes, by position (built once: an array literal is allocated at each call).
    private static let chunkFields = ["id", "choices", "usage"]
    private static let choiceFields = ["index", "delta", "finish_reason", "logprobs"]
    private static let deltaFields = ["content", "reasoning_content", "reasoning", "refusal", "tool_calls"]

    private init?(scanning scanner: inout JSONByteScanner) {
        var id: String?
        var choices: [Choice]?
        let read = Self.fields(&scanner, named: Self.chunkFields) { field, scanner in
            switch field {
            case 0: id = scanner.string()
            case 1: choices = Self.choices(&scanner)
            default: return false  // a usage: left to the decoder
            }
            return field == 0 ? id != nil : choices != nil
        }
        guard read, let choices else { return nil }
        self.init(id: id, choices: choices, usage: nil)
    }

    private static func choices(_ scanner: inout JSONByteScanner) -> [Choice]? {
        guard scanner.take("[") else { return nil }
        var choices: [Choice] = []
        if scanner.take("]") { return choices }
        repeat {
            var index: Int?
            var delta: Choice.Delta?
            var finishReason: String?
            let read = fields(&scanner, named: Self.choiceFields) { field, scanner in
                switch field {
                case 0: index = scanner.integer(); return index != nil
                case 1: delta = Self.delta(&scanner); return delta != nil
                case 2: finishReason = scanner.string(); return finishReason != nil
                default: return false  // log probabilities: left to the decoder
                }
            }
            guard read else { return nil }
            choices.append(Choice(index: index, delta: delta, logprobs: nil, finish_reason: finishReason))
        } while scanner.take(",")
        return scanner.take("]") ? choices : nil
    }

    private static func delta(_ scanner: inout JSONByteScanner) -> Choice.Delta? {
        var strings: [String?] = [nil, nil, nil, nil]
        let read = fields(&scanner, named: Self.deltaFields) { field, scanner in
            guard field < strings.count else { return false }  // tool calls: left to the decoder
            strings[field] = scanner.string()
            return strings[field] != nil
        }
        guard read else { return nil }
        return Choice.Delta(content: strings[0], reasoning_content: strings[1], reasoning: strings[2], refusal: strings[3], tool_calls: nil)
    }

    /// Reads an object: for each of `names` present and not null, `read` with the name's position, which reads the
    /// value and says whether it could; every other field is skipped. False when something is not plain: not an
    /// object, invalid JSON, a name sent twice, or a value `read` could not read.
    private static func fields(
        _ scanner: inout JSONByteScanner, named names: [String], read: (Int, inout JSONByteScanner) -> Bool
    ) -> Bool {
        var seen = 0
        guard scanner.take("{") else { return false }
        if scanner.take("}") { return true }
        repeat {
            guard let name = scanner.string(), scanner.take(":") else { return false }
            guard let field = names.firstIndex(of: name) else {
                guard scanner.skipValue() else { return false }
                continue
            }
            guard seen & 1 << field == 0 else { return false }
            seen |= 1 << field
            guard scanner.takeNull() || read(field, &scanner) else { return false }
        } while scanner.take(",")
        return scanner.take("}")
    }
}
