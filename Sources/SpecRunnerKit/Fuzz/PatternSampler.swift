/// Makes strings that match a schema's `pattern`, so that generated requests pass patterned fields (`^itm_[a-z0-9]{12}$`,
/// `^[0-9]{13}$`) instead of being refused for them. It reads the common subset of ECMA-262 patterns: literals,
/// `.`, escapes (`\d`, `\w`, `\s` and their negations, escaped metacharacters), classes with ranges (negated ones
/// too), groups with alternatives, and the quantifiers `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`. Anchors are implied
/// (the whole string is generated); a pattern with look-arounds or back-references is not read (nil).
struct PatternSampler {
    indirect enum Node {
        case characters([Character])
        case sequence([Node])
        case alternatives([Node])
        case repeated(Node, min: Int, max: Int)
    }

    /// The most times an open quantifier (`*`, `+`, `{n,}`) repeats beyond its minimum.
    static let openRepeat = 4
    /// Printable ASCII, what `.` and negated classes choose from.
    static let printable: [Character] = (32...126).map { Character(UnicodeScalar($0)) }
    static let digits: [Character] = Array("0123456789")
    static let word: [Character] = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")

    let root: Node

    /// Nil when the pattern uses what this reader does not (look-arounds, back-references, lazy tricks aside).
    init?(_ pattern: String) {
        var parser = Parser(characters: Array(pattern))
        guard let node = parser.alternatives(), parser.position == parser.characters.count else { return nil }
        root = node
    }

    /// How many characters each position of a match may be, when every match has the same length (a key pattern
    /// such as `^sk_[0-9a-f]{24}$`); nil when lengths vary.
    var positionSizes: [Int]? { Self.sizes(root) }

    private static func sizes(_ node: Node) -> [Int]? {
        switch node {
        case .characters(let choices): return [Set(choices).count]
        case .sequence(let nodes):
            var all: [Int] = []
            for node in nodes {
                guard let sizes = sizes(node) else { return nil }
                all += sizes
            }
            return all
        case .alternatives(let nodes):
            return nodes.count == 1 ? sizes(nodes[0]) : nil
        case .repeated(let inner, let min, let max):
            guard min == max, let sizes = sizes(inner) else { return nil }
            return Array([[Int]](repeating: sizes, count: min).joined())
        }
    }

    func sample(using random: inout SeededRandom) -> String {
        var output = ""
        Self.write(root, into: &output, random: &random)
        return output
    }

    private static func write(_ node: Node, into output: inout String, random: inout SeededRandom) {
        switch node {
        case .characters(let choices): if let character = choices.randomElement(using: &random) { output.append(character) }
        case .sequence(let nodes): nodes.forEach { write($0, into: &output, random: &random) }
        case .alternatives(let nodes): if let chosen = nodes.randomElement(using: &random) { write(chosen, into: &output, random: &random) }
        case .repeated(let inner, let min, let max):
            for _ in 0..<Int.random(in: min...max, using: &random) { write(inner, into: &output, random: &random) }
        }
    }

    private struct Parser {
        let characters: [Character]
        var position = 0

        var current: Character? { position < characters.count ? characters[position] : nil }

        mutating func alternatives() -> Node? {
            var options: [Node] = []
            repeat {
                if current == "|" { position += 1 }
                guard let sequence = sequence() else { return nil }
                options.append(sequence)
            } while current == "|"
            return options.count == 1 ? options[0] : .alternatives(options)
        }

        mutating func sequence() -> Node? {
            var nodes: [Node] = []
            while let character = current, character != "|", character != ")" {
                if character == "^" || character == "$" {
                    position += 1
                    continue
                }
                guard let atom = atom(), let quantified = quantifier(on: atom) else { return nil }
                nodes.append(quantified)
            }
            return .sequence(nodes)
        }

        mutating func atom() -> Node? {
            guard let character = current else { return nil }
            position += 1
            switch character {
            case ".": return .characters(PatternSampler.printable)
            case "\\": return escape(inClass: false).map(Node.characters)
            case "[": return characterClass()
            case "(":
                if current == "?" {
                    guard position + 1 < characters.count, characters[position + 1] == ":" else { return nil }  // look-arounds, named groups
                    position += 2
                }
                guard let inner = alternatives(), current == ")" else { return nil }
                position += 1
                return inner
            case "*", "+", "?", "{", ")", "]": return nil
            default: return .characters([character])
            }
        }

        /// The characters an escape stands for; back-references and word boundaries are not read.
        mutating func escape(inClass: Bool) -> [Character]? {
            guard let character = current else { return nil }
            position += 1
            switch character {
            case "d": return PatternSampler.digits
            case "w": return PatternSampler.word
            case "s": return [" "]
            case "D": return PatternSampler.printable.filter { !$0.isNumber }
            case "W": return PatternSampler.printable.filter { !PatternSampler.word.contains($0) }
            case "S": return PatternSampler.printable.filter { $0 != " " }
            case "n": return ["\n"]
            case "t": return ["\t"]
            case "b" where inClass: return ["\u{8}"]
            case "b", "B", "1"..."9", "k", "p", "P", "u", "x", "c": return nil
            default: return [character]
            }
        }

        mutating func characterClass() -> Node? {
            var negated = false
            if current == "^" {
                negated = true
                position += 1
            }
            var members: [Character] = []
            var first = true
            while let character = current, character != "]" || first {
                first = false
                position += 1
                var low: [Character] = [character]
                if character == "\\" {
                    guard let escaped = escape(inClass: true) else { return nil }
                    low = escaped
                }
                if low.count == 1, current == "-", position + 1 < characters.count, characters[position + 1] != "]" {
                    position += 1
                    guard var high = current else { return nil }
                    position += 1
                    if high == "\\" {
                        guard let escaped = escape(inClass: true), escaped.count == 1 else { return nil }
                        high = escaped[0]
                    }
                    guard let from = low[0].unicodeScalars.first?.value, let to = high.unicodeScalars.first?.value, from <= to, to - from < 5_000 else { return nil }
                    members += (from...to).compactMap { UnicodeScalar($0).map(Character.init) }
                } else {
                    members += low
                }
            }
            guard current == "]" else { return nil }
            position += 1
            let chosen = negated ? PatternSampler.printable.filter { !members.contains($0) } : members
            return chosen.isEmpty ? nil : .characters(chosen)
        }

        mutating func quantifier(on atom: Node) -> Node? {
            var bounds: (Int, Int)?
            switch current {
            case "?": bounds = (0, 1)
            case "*": bounds = (0, PatternSampler.openRepeat)
            case "+": bounds = (1, 1 + PatternSampler.openRepeat)
            case "{":
                guard let close = characters[position...].firstIndex(of: "}") else { return nil }
                let parts = String(characters[(position + 1)..<close]).split(separator: ",", omittingEmptySubsequences: false)
                guard let low = Int(parts[0]) else { return nil }
                let high = parts.count == 1 ? low : parts[1].isEmpty ? low + PatternSampler.openRepeat : Int(parts[1]) ?? -1
                guard high >= low, high <= 10_000 else { return nil }
                bounds = (low, high)
                position = close
            default: return atom
            }
            position += 1
            if current == "?" { position += 1 }  // lazy: the same strings
            return bounds.map { .repeated(atom, min: $0.0, max: $0.1) }
        }
    }
}
