import Foundation

// The build tool behind the EmbedProjectFiles plugin: `EmbedProjectFilesTool ROOT OUTPUT PATH...` writes OUTPUT, a
// Swift file holding each PATH under ROOT as a raw string literal, keyed by PATH (`ProjectFiles.embedded`); a PATH
// that is a folder stands for the `.yaml` files in it (not in its subfolders), as they are when the tool runs.

/// A raw multi-line string literal whose value is exactly `text`.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"\(hashes)") || text.contains("\\\(hashes)") { hashes += "#" }
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: EmbedProjectFilesTool ROOT OUTPUT PATH...\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: arguments.first!)
let output = URL(fileURLWithPath: arguments.dropFirst().first!)
/// `path`, or the `.yaml` files of the folder `path` (as `folder/name.yaml`), sorted.
func files(at path: String) -> [String] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isFolder), isFolder.boolValue else { return [path] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(path).path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(path)/\($0)" }
}

var entries: [String] = []
for path in arguments.dropFirst(2).flatMap(files(at:)).sorted() {
    do {
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        entries.append("        \"\(path)\": \(literal(text)),")
    } catch {
        FileHandle.standardError.write(Data("EmbedProjectFilesTool: cannot read \(path) as UTF-8: \(error)\n".utf8))
        exit(1)
    }
}
let source = """
    // Generated at build time by the EmbedProjectFiles plugin from the files it names; not committed.

    extension ProjectFiles {
        /// Path in the repository -> contents.
        static let embedded: [String: String] = [
    \(entries.joined(separator: "\n"))
        ]
    }

    """
// Written only when it changes, so an unchanged build does not recompile the target.
if (try? String(contentsOf: output, encoding: .utf8)) != source {
    do {
        try source.write(to: output, atomically: true, encoding: .utf8)
    } catch {
        FileHandle.standardError.write(Data("EmbedProjectFilesTool: cannot write \(output.path): \(error)\n".utf8))
        exit(1)
    }
}
