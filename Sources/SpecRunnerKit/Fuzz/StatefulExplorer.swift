import Foundation
import JSONValues

/// `specrunner fuzz --stateful`: random sequences of operations against a small model of what the deployment
/// must hold (users, their keys, active or revoked). Each answer is checked against the spec and against the
/// model; an answer that contradicts the model is a finding, shrunk to the shortest sequence that still shows it.
///
/// The model is this API's (accounts and API keys): the explorer needs the operations register, login,
/// createApiKey, listApiKeys, revokeApiKey and chatCompletions, and says so when a spec lacks them.
struct StatefulExplorer: Sendable {
    enum FindingClass: String, CaseIterable, Sendable {
        case revokedKeyWorks = "revoked_key_works"
        case foreignRevokeAllowed = "foreign_revoke_allowed"
        case listShowsForeignKey = "list_shows_foreign_key"
        case listDiffersFromModel = "list_differs_from_model"
        case unexpectedStatus = "unexpected_status"
        case undocumentedResponse = "undocumented_response"
        case serverError = "server_error"
    }

    /// One step of a sequence; users and keys are named by the number of the action that made them.
    enum Action: Sendable, Equatable {
        case register
        case registerAgain(user: Int)
        case login(user: Int, rightPassword: Bool)
        case createKey(user: Int)
        case list(user: Int)
        case revoke(user: Int, key: Int)
        case revokeUnknown(user: Int)
        case chatWithKey(key: Int, asBearer: Bool)
        case chatWithToken(user: Int)
        case manageWithKey(key: Int)

        /// The actions whose users or keys this one uses.
        var uses: [Int] {
            switch self {
            case .register: []
            case .registerAgain(let user), .login(let user, _), .createKey(let user), .list(let user), .revokeUnknown(let user),
                 .chatWithToken(let user): [user]
            case .revoke(let user, let key): [user, key]
            case .chatWithKey(let key, _), .manageWithKey(let key): [key]
            }
        }
    }

    struct Finding: Sendable {
        let kind: FindingClass
        let actions: [Action]
        let problem: String
    }

    static let needed = ["register", "login", "createApiKey", "listApiKeys", "revokeApiKey", "chatCompletions"]

    let spec: OpenAPISpec
    let baseURL: String
    let seed: UInt64
    let executor: HTTPExecutor

    /// Whether the spec has the operations of this project's accounts and keys.
    static func applies(to spec: OpenAPISpec) -> Bool {
        needed.allSatisfy { spec.operations[$0] != nil }
    }

    init(spec: OpenAPISpec, baseURL: String, seed: UInt64, executor: HTTPExecutor) throws {
        let missing = Self.needed.filter { spec.operations[$0] == nil }
        guard missing.isEmpty else {
            throw SpecRunnerError.invalidInput("--stateful models accounts and API keys and needs the operations \(Self.needed.joined(separator: ", ")); the spec lacks \(missing.joined(separator: ", "))")
        }
        self.spec = spec
        self.baseURL = baseURL
        self.seed = seed
        self.executor = executor
    }

    /// The `index`th random sequence: the same for the same seed.
    func sequence(_ index: Int) -> [Action] {
        var random = SeededRandom.forRequest(seed: seed, index: index)
        var actions: [Action] = [.register]
        var users = [0]
        var keys: [Int] = []
        for position in 1..<Int.random(in: 6...18, using: &random) {
            let user = users.randomElement(using: &random)!
            let key = keys.randomElement(using: &random)
            let options: [Action?] = [
                .register, .registerAgain(user: user), .login(user: user, rightPassword: Bool.random(using: &random)),
                .createKey(user: user), .createKey(user: user), .list(user: user), .list(user: user), .revokeUnknown(user: user),
                .chatWithToken(user: user), key.map { .revoke(user: user, key: $0) }, key.map { .revoke(user: user, key: $0) },
                key.map { .chatWithKey(key: $0, asBearer: Bool.random(using: &random)) }, key.map { .chatWithKey(key: $0, asBearer: false) },
                key.map { .manageWithKey(key: $0) },
            ]
            let action = options.compactMap { $0 }.randomElement(using: &random)!
            if action == .register { users.append(position) }
            if case .createKey = action { keys.append(position) }
            actions.append(action)
        }
        return actions
    }

    /// Runs sequences `jobs` at a time until `count` or the deadline; findings shrunk and, with a folder, saved.
    func run(count: Int, deadline: ContinuousClock.Instant, jobs: Int, save folder: String?) async -> FuzzReport {
        var report = FuzzReport()
        var findings: [(Int, Finding)] = []
        await withTaskGroup(of: (Int, Finding?).self) { group in
            var next = 0
            func startNext() {
                guard next < count, ContinuousClock.now < deadline else { return }
                let index = next
                next += 1
                group.addTask { (index, await replay(sequence(index))) }
            }
            for _ in 0..<jobs { startNext() }
            while let (index, finding) = await group.next() {
                report.sent += 1
                if let finding { findings.append((index, finding)) }
                if report.sent % 50 == 0 { print("  \(report.sent) sequences, \(findings.count) with findings") }
                startNext()
            }
        }
        report.failedCount = findings.count
        var shrunk: Set<FindingClass> = []
        for (index, finding) in findings.sorted(by: { $0.0 < $1.0 }) {
            var shown = finding
            if !shrunk.contains(finding.kind) {
                shrunk.insert(finding.kind)
                shown = await shrink(finding)
            }
            var entry = FuzzReport.Entry(
                operation: "(sequence)", kind: shown.kind.rawValue, index: index,
                request: shown.actions.enumerated().map { "\($0.offset): \(Self.describe($0.element))" }.joined(separator: " → "),
                problems: [shown.problem])
            if let folder {
                switch scenario(for: shown, index: index).flatMap({ FuzzReport.save($0.1, as: $0.0, in: folder) }) {
                case .success(let path): entry.saved = path
                case .failure(let error): report.notes.append("not saved: \(error)")
                }
            }
            report.entries.append(entry)
        }
        return report
    }

    // MARK: Replaying a sequence against the model

    /// What the deployment must hold after the actions so far.
    struct Model {
        struct User {
            let email: String
            let password: String
            var token: String?
        }

        struct Key {
            let owner: Int
            var id: String?
            var key: String?
            var active = true
        }

        var users: [Int: User] = [:]
        var keys: [Int: Key] = [:]
    }

    /// Runs the actions from a fresh start; the first contradiction of the model or the spec, if any.
    func replay(_ actions: [Action]) async -> Finding? {
        var model = Model()
        let run = String(seed % 100_000) + "-" + Template.randomCharacters(8).lowercased()
        for (position, action) in actions.enumerated() {
            guard action.uses.allSatisfy({ model.users[$0] != nil || model.keys[$0] != nil }) else { return nil }
            do {
                if let (kind, problem) = try await perform(action, at: position, model: &model, run: run) {
                    return Finding(kind: kind, actions: Array(actions[...position]), problem: "step \(position) (\(Self.describe(action))): \(problem)")
                }
            } catch {
                return Finding(kind: .serverError, actions: Array(actions[...position]), problem: "step \(position): no answer: \(HTTPExecutor.words(for: error, timeout: 30))")
            }
        }
        return nil
    }

    /// Performs one action, updates the model, and returns what contradicts it, if anything.
    private func perform(_ action: Action, at position: Int, model: inout Model, run: String) async throws -> (FindingClass, String)? {
        func send(_ operation: String, body: JSONValue? = nil, token: String? = nil, apiKey: String? = nil, path: [String: String] = [:]) async throws -> ReceivedResponse {
            let spec = self.spec.operations[operation]!
            var url = spec.path
            for (name, value) in path { url = url.replacingOccurrences(of: "{\(name)}", with: value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value) }
            var headers: [(name: String, value: String)] = []
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            if let apiKey { headers.append(("X-API-Key", apiKey)) }
            if body != nil { headers.append(("Content-Type", "application/json")) }
            return try await executor.send(SentRequest(method: spec.method, url: baseURL + url, headers: headers, body: body?.jsonText), timeout: 30)
        }
        func judged(_ response: ReceivedResponse, _ operation: String, expect statuses: [Int]) -> (FindingClass, String)? {
            if response.status >= 500 { return (.serverError, "\(response.status): \(response.text.prefix(160))") }
            if let problem = spec.check(response, operation: spec.operations[operation]!).first { return (.undocumentedResponse, problem) }
            if !statuses.contains(response.status) {
                return (.unexpectedStatus, "expected \(statuses.map(String.init).joined(separator: " or ")), got \(response.status): \(response.text.prefix(160))")
            }
            return nil
        }
        let hello: JSONValue = .object(["messages": .array([.object(["role": .string("user"), "content": .string("hi")])])])
        switch action {
        case .register:
            let user = Model.User(email: "state-\(run)-\(position)@example.com", password: "password-\(position)-\(run)")
            let response = try await send("register", body: .object(["email": .string(user.email), "password": .string(user.password)]))
            if let problem = judged(response, "register", expect: [200]) { return problem }
            model.users[position] = Model.User(email: user.email, password: user.password, token: response.json?["token"]?.stringValue)
        case .registerAgain(let index):
            let user = model.users[index]!
            let response = try await send("register", body: .object(["email": .string(user.email), "password": .string(user.password)]))
            return judged(response, "register", expect: [409])
        case .login(let index, let right):
            let user = model.users[index]!
            let response = try await send("login", body: .object(["email": .string(user.email), "password": .string(right ? user.password : user.password + "x")]))
            if let problem = judged(response, "login", expect: [right ? 200 : 401]) { return problem }
            if right { model.users[index]?.token = response.json?["token"]?.stringValue }
        case .createKey(let index):
            let response = try await send("createApiKey", body: .object(["name": .string("key \(position)")]), token: model.users[index]!.token)
            if let problem = judged(response, "createApiKey", expect: [200]) { return problem }
            model.keys[position] = Model.Key(owner: index, id: response.json?["id"]?.stringValue, key: response.json?["key"]?.stringValue)
        case .list(let index):
            let response = try await send("listApiKeys", token: model.users[index]!.token)
            if let problem = judged(response, "listApiKeys", expect: [200]) { return problem }
            let listed = response.json?.arrayValue ?? []
            let mine = model.keys.filter { $0.value.owner == index }.sorted { $0.key < $1.key }.map(\.value)
            let foreign = Set(model.keys.values.filter { $0.owner != index }.compactMap(\.id))
            if let stranger = listed.compactMap({ $0["id"]?.stringValue }).first(where: foreign.contains) {
                return (.listShowsForeignKey, "the list shows key \(stranger), which belongs to another user")
            }
            let expected = mine.map { "\($0.id ?? "?"):\($0.active)" }
            let actual = listed.map { "\($0["id"]?.stringValue ?? "?"):\($0["active"] == .bool(true))" }
            if expected != actual {
                return (.listDiffersFromModel, "expected the keys [\(expected.joined(separator: ", "))] (id:active, oldest first), got [\(actual.joined(separator: ", "))]")
            }
        case .revoke(let user, let key):
            let target = model.keys[key]!
            let response = try await send("revokeApiKey", token: model.users[user]!.token, path: ["keyId": target.id ?? "?"])
            if target.owner != user {
                if (200..<300).contains(response.status) {
                    return (.foreignRevokeAllowed, "revoking another user's key answered \(response.status)")
                }
                return judged(response, "revokeApiKey", expect: [404])
            }
            if let problem = judged(response, "revokeApiKey", expect: [200]) { return problem }
            model.keys[key]?.active = false
        case .revokeUnknown(let user):
            let response = try await send("revokeApiKey", token: model.users[user]!.token, path: ["keyId": "unknown-\(position)"])
            return judged(response, "revokeApiKey", expect: [404])
        case .chatWithKey(let key, let asBearer):
            let target = model.keys[key]!
            let response = asBearer
                ? try await send("chatCompletions", body: hello, token: target.key) : try await send("chatCompletions", body: hello, apiKey: target.key)
            if !target.active, (200..<300).contains(response.status) {
                return (.revokedKeyWorks, "a revoked key was answered \(response.status)")
            }
            return judged(response, "chatCompletions", expect: [target.active ? 200 : 401])
        case .chatWithToken(let user):
            return judged(try await send("chatCompletions", body: hello, token: model.users[user]!.token), "chatCompletions", expect: [200])
        case .manageWithKey(let key):
            let target = model.keys[key]!
            return judged(try await send("listApiKeys", apiKey: target.key), "listApiKeys", expect: target.active ? [403] : [401, 403])
        }
        return nil
    }

    // MARK: Shrinking and saving

    /// The shortest sequence found (dropping one action at a time) that still ends in a finding of the same kind.
    func shrink(_ finding: Finding) async -> Finding {
        var best = finding
        var improved = true
        var attempts = 0
        while improved, attempts < 60 {
            improved = false
            for position in best.actions.indices.dropLast().reversed() {
                attempts += 1
                let candidate = best.actions.enumerated().filter { $0.offset != position }.map(\.element)
                // Renumber references past the removed action; skip if something depended on it.
                guard !candidate.contains(where: { $0.uses.contains(position) }) else { continue }
                let renumbered = candidate.map { Self.renumber($0, removing: position) }
                if let found = await replay(renumbered),
                   found.kind == finding.kind, found.actions.count == renumbered.count
                {
                    best = found
                    improved = true
                    break
                }
            }
        }
        return best
    }

    /// `action` with references to actions after `removed` moved one back.
    static func renumber(_ action: Action, removing removed: Int) -> Action {
        func shift(_ index: Int) -> Int { index > removed ? index - 1 : index }
        return switch action {
        case .register: .register
        case .registerAgain(let user): .registerAgain(user: shift(user))
        case .login(let user, let right): .login(user: shift(user), rightPassword: right)
        case .createKey(let user): .createKey(user: shift(user))
        case .list(let user): .list(user: shift(user))
        case .revoke(let user, let key): .revoke(user: shift(user), key: shift(key))
        case .revokeUnknown(let user): .revokeUnknown(user: shift(user))
        case .chatWithKey(let key, let bearer): .chatWithKey(key: shift(key), asBearer: bearer)
        case .chatWithToken(let user): .chatWithToken(user: shift(user))
        case .manageWithKey(let key): .manageWithKey(key: shift(key))
        }
    }

    static func describe(_ action: Action) -> String {
        switch action {
        case .register: "register a user"
        case .registerAgain(let user): "register user \(user)'s email again"
        case .login(let user, let right): "log in as user \(user) with the \(right ? "right" : "wrong") password"
        case .createKey(let user): "user \(user) creates a key"
        case .list(let user): "user \(user) lists keys"
        case .revoke(let user, let key): "user \(user) revokes key \(key)"
        case .revokeUnknown(let user): "user \(user) revokes an unknown key"
        case .chatWithKey(let key, let bearer): "chat with key \(key)\(bearer ? " as Bearer" : "")"
        case .chatWithToken(let user): "chat as user \(user)"
        case .manageWithKey(let key): "list keys with key \(key)"
        }
    }

    /// The sequence as a scenario whose steps expect what the model predicts, so it replays the finding.
    func scenario(for finding: Finding, index: Int) -> Result<(String, String), FailureScenarioError> {
        var steps: [JSONValue] = []
        var variables: [JSONValue] = []
        var model: [Int: (owner: Int?, active: Bool)] = [:]
        let hello: JSONValue = .object(["messages": .array([.object(["role": .string("user"), "content": .string("hi")])])])
        for (position, action) in finding.actions.enumerated() {
            var step: [String: JSONValue] = ["name": .string("\(position): \(Self.describe(action))")]
            switch action {
            case .register:
                variables.append(.object(["email\(position)": .string("{{ $randomEmail }}")]))
                step["operation"] = .string("register")
                step["body"] = .object(["email": .string("{{ email\(position) }}"), "password": .string("password \(position)")])
                step["expect"] = .object(["status": .number(200)])
                step["capture"] = .object(["user\(position)": .string("/token")])
                model[position] = (nil, true)
            case .registerAgain(let user):
                step["operation"] = .string("register")
                step["body"] = .object(["email": .string("{{ email\(user) }}"), "password": .string("password \(user)")])
                step["expect"] = .object(["status": .number(409)])
            case .login(let user, let right):
                step["operation"] = .string("login")
                step["body"] = .object(["email": .string("{{ email\(user) }}"), "password": .string("password \(user)\(right ? "" : "x")")])
                step["expect"] = .object(["status": .number(right ? 200 : 401)])
                if right { step["capture"] = .object(["user\(user)": .string("/token")]) }
            case .createKey(let user):
                step["operation"] = .string("createApiKey")
                step["auth"] = .object(["bearer": .string("{{ user\(user) }}")])
                step["body"] = .object(["name": .string("key \(position)")])
                step["expect"] = .object(["status": .number(200)])
                step["capture"] = .object(["key\(position)": .string("/key"), "key\(position)id": .string("/id")])
                model[position] = (user, true)
            case .list(let user):
                step["operation"] = .string("listApiKeys")
                step["auth"] = .object(["bearer": .string("{{ user\(user) }}")])
                let mine = model.filter { $0.value.owner == user }.sorted { $0.key < $1.key }
                var body: [String: JSONValue] = ["": .object(["length": .number(Double(mine.count))])]
                for (offset, key) in mine.enumerated() {
                    body["/\(offset)/id"] = .string("{{ key\(key.key)id }}")
                    body["/\(offset)/active"] = .bool(key.value.active)
                }
                step["expect"] = .object(["status": .number(200), "body": .object(body)])
            case .revoke(let user, let key):
                step["operation"] = .string("revokeApiKey")
                step["auth"] = .object(["bearer": .string("{{ user\(user) }}")])
                step["path"] = .object(["keyId": .string("{{ key\(key)id }}")])
                let own = model[key]?.owner == user
                step["expect"] = .object(["status": .number(own ? 200 : 404)])
                if own { model[key]?.active = false }
            case .revokeUnknown(let user):
                step["operation"] = .string("revokeApiKey")
                step["auth"] = .object(["bearer": .string("{{ user\(user) }}")])
                step["path"] = .object(["keyId": .string("unknown-\(position)")])
                step["expect"] = .object(["status": .number(404)])
            case .chatWithKey(let key, let bearer):
                step["operation"] = .string("chatCompletions")
                step["auth"] = .object([bearer ? "bearer" : "apiKey": .string("{{ key\(key) }}")])
                step["body"] = hello
                step["expect"] = .object(["status": .number(model[key]?.active == true ? 200 : 401)])
            case .chatWithToken(let user):
                step["operation"] = .string("chatCompletions")
                step["auth"] = .object(["bearer": .string("{{ user\(user) }}")])
                step["body"] = hello
                step["expect"] = .object(["status": .number(200)])
            case .manageWithKey(let key):
                step["operation"] = .string("listApiKeys")
                step["auth"] = .object(["apiKey": .string("{{ key\(key) }}")])
                step["expect"] = .object(["status": model[key]?.active == true ? .number(403) : .array([.number(401), .number(403)])])
            }
            steps.append(.object(step))
        }
        let name = "fuzz-stateful-\(finding.kind.rawValue.replacingOccurrences(of: "_", with: "-"))-\(index)"
        let scenario: JSONValue = .object([
            "name": .string(name),
            "description": .string("Found by specrunner fuzz --stateful --seed \(seed) (sequence #\(index)) and shrunk: \(finding.problem)"),
            "tags": .array([.string("fuzz"), .string("stateful"), .string(finding.kind.rawValue)]),
            "variables": .array(variables),
            "steps": .array(steps),
        ])
        return FailureScenario.file(named: name, scenario, label: "sequence #\(index)")
    }
}
