import Foundation
import Yams
import JSONValues

/// Reads scenario files (`*.yaml`, `*.yml`) from a folder.
enum ScenarioLoader {
    /// A scenario file as JSON (for checking it against the scenario schema) and as a scenario.
    struct Loaded {
        let file: String
        let document: JSONValue
        let scenario: Scenario
    }

    /// Every scenario in `folder`, sorted by file name; throws `SpecError` naming the file and the problem.
    static func load(folder: URL) throws -> [Loaded] {
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                .filter { ["yaml", "yml"].contains($0.pathExtension) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw SpecError("cannot read the scenarios folder \(folder.path): \(error.localizedDescription)")
        }
        return try files.map(load)
    }

    static func load(file: URL) throws -> Loaded {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch { throw SpecError("cannot read \(file.path): \(error.localizedDescription)") }
        return try load(text: text, file: file.lastPathComponent)
    }

    static func load(text: String, file: String) throws -> Loaded {
        let document: JSONValue
        do {
            document = try JSONValue(any: try Yams.load(yaml: text))
        } catch {
            throw SpecError("\(file): not valid YAML: \(error)")
        }
        do {
            var scenario = try JSONDecoder().decode(Scenario.self, from: JSONEncoder().encode(document))
            scenario.file = file
            if scenario.name.isEmpty {
                scenario.name = (file as NSString).deletingPathExtension
            }
            return Loaded(file: file, document: document, scenario: scenario)
        } catch let error as DecodingError {
            throw SpecError("\(file): \(describe(error))")
        }
    }

    /// A decoding error as `at steps[2].expect.status: expected ...`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context): return "at \(path(context.codingPath + [key])): required but missing"
        case .typeMismatch(let type, let context): return "at \(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context): return "at \(path(context.codingPath)): expected \(type), found null"
        case .dataCorrupted(let context): return "at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
