import Foundation

/// Reads the SQL text that `wrangler d1 export` and SQLite's `.dump` write: statements split on `;`
/// outside quotes and comments, and `INSERT INTO ... VALUES (...)` rows with literal values.
enum SQLDump {
    /// One statement and the line it starts on.
    struct Statement {
        let text: String
        let line: Int
    }

    /// A literal value of an INSERT.
    enum Value: Equatable, Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
    }

    /// The rows of one `INSERT INTO table [(columns)] VALUES (...), (...)`.
    struct Insert {
        let table: String
        /// Empty when the statement names no columns (the table's order applies).
        let columns: [String]
        let rows: [[Value]]
    }

    /// A part of the dump that cannot be read, with its line.
    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    static func statements(_ sql: String) throws -> [Statement] {
        var statements: [Statement] = []
        var current = ""
        var line = 1
        var startLine: Int?
        var characters = Array(sql)[...]
        func append(_ character: Character) {
            if startLine == nil, !character.isWhitespace { startLine = line }
            current.append(character)
            if character == "\n" { line += 1 }
        }
        while let character = characters.popFirst() {
            switch character {
            case "'", "\"", "`", "[":
                let close: Character = character == "[" ? "]" : character
                let opened = line
                append(character)
                var closed = false
                while let next = characters.popFirst() {
                    append(next)
                    if next == close {
                        if close != "]", characters.first == close {
                            append(characters.popFirst()!)
                            continue
                        }
                        closed = true
                        break
                    }
                }
                if !closed { throw ParseError(line: opened, message: "a quoted value opened here is never closed") }
            case "-" where characters.first == "-":
                while let next = characters.popFirst(), next != "\n" {}
                append("\n")
            case "/" where characters.first == "*":
                characters.removeFirst()
                while let next = characters.popFirst() {
                    if next == "\n" { line += 1 }
                    if next == "*", characters.first == "/" { characters.removeFirst(); break }
                }
            case ";":
                let text = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { statements.append(Statement(text: text, line: startLine ?? line)) }
                current = ""
                startLine = nil
            default:
                append(character)
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(Statement(text: rest, line: startLine ?? line)) }
        return statements
    }

    /// The rows of an INSERT statement, or nil for any other statement.
    static func insert(_ statement: Statement) throws -> Insert? {
        var scanner = Scanner(text: statement.text, line: statement.line)
        guard scanner.keyword("INSERT") else { return nil }
        if scanner.keyword("OR") { _ = try scanner.identifier() }
        guard scanner.keyword("INTO") else { throw scanner.error("expected INTO after INSERT") }
        let table = try scanner.identifier()
        var columns: [String] = []
        if scanner.symbol("(") {
            repeat { columns.append(try scanner.identifier()) } while scanner.symbol(",")
            guard scanner.symbol(")") else { throw scanner.error("expected ) after the column names") }
        }
        guard scanner.keyword("VALUES") else { throw scanner.error("expected VALUES (only literal rows can be imported)") }
        var rows: [[Value]] = []
        repeat {
            guard scanner.symbol("(") else { throw scanner.error("expected ( to start a row") }
            var row: [Value] = []
            repeat { row.append(try scanner.value()) } while scanner.symbol(",")
            guard scanner.symbol(")") else { throw scanner.error("expected ) to end a row") }
            rows.append(row)
        } while scanner.symbol(",")
        guard scanner.isAtEnd else { throw scanner.error("unexpected text after the rows") }
        return Insert(table: table, columns: columns, rows: rows)
    }

    /// A cursor over one statement's text.
    private struct Scanner {
        let characters: [Character]
        var index = 0
        let line: Int

        init(text: String, line: Int) {
            characters = Array(text)
            self.line = line
        }

        var isAtEnd: Bool {
            mutating get {
                skipSpace()
                return index == characters.count
            }
        }

        func error(_ message: String) -> ParseError {
            let lineHere = line + characters[..<min(index, characters.count)].filter { $0 == "\n" }.count
            return ParseError(line: lineHere, message: message)
        }

        mutating func skipSpace() {
            while index < characters.count, characters[index].isWhitespace { index += 1 }
        }

        mutating func keyword(_ word: String) -> Bool {
            skipSpace()
            let end = index + word.count
            guard end <= characters.count, String(characters[index..<end]).uppercased() == word,
                end == characters.count || !(characters[end].isLetter || characters[end].isNumber || characters[end] == "_")
            else { return false }
            index = end
            return true
        }

        mutating func symbol(_ symbol: Character) -> Bool {
            skipSpace()
            guard index < characters.count, characters[index] == symbol else { return false }
            index += 1
            return true
        }

        /// A bare or quoted ("x", `x`, [x]) name.
        mutating func identifier() throws -> String {
            skipSpace()
            guard index < characters.count else { throw error("expected a name") }
            let first = characters[index]
            if first == "\"" || first == "`" || first == "[" {
                return try quoted(close: first == "[" ? "]" : first)
            }
            let start = index
            while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "_" { index += 1 }
            guard index > start else { throw error("expected a name") }
            return String(characters[start..<index])
        }

        mutating func quoted(close: Character) throws -> String {
            index += 1
            var text = ""
            while index < characters.count {
                let character = characters[index]
                index += 1
                if character == close {
                    if close != "]", index < characters.count, characters[index] == close {
                        text.append(close)
                        index += 1
                        continue
                    }
                    return text
                }
                text.append(character)
            }
            throw error("a quoted value is never closed")
        }

        mutating func value() throws -> Value {
            skipSpace()
            guard index < characters.count else { throw error("expected a value") }
            if characters[index] == "'" { return .text(try quoted(close: "'")) }
            if keyword("NULL") { return .null }
            if keyword("TRUE") { return .integer(1) }
            if keyword("FALSE") { return .integer(0) }
            let start = index
            if characters[index] == "-" || characters[index] == "+" { index += 1 }
            while index < characters.count, characters[index].isNumber || ".eE+-".contains(characters[index]) { index += 1 }
            let literal = String(characters[start..<index])
            if let integer = Int64(literal) { return .integer(integer) }
            if let real = Double(literal), !literal.isEmpty { return .real(real) }
            index = start
            throw error("expected a literal value (text, number or NULL), found '\(String(characters[start..<min(start + 20, characters.count)]))'")
        }
    }
}
