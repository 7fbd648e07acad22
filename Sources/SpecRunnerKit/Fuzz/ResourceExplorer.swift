import Foundation
import JSONValues

/// `specrunner fuzz --stateful` on any API: for each collection the spec describes (`ResourceModel`), lifecycles of
/// generated resources checked against properties every REST resource must have. What was created is readable
/// and listed once; a page walk visits no item twice (every other lifecycle keeps its resource, so lists grow pages); an update is visible on the next read; a stale `If-Match` is
/// refused with 412 where the spec documents ETags; after a delete the resource is gone (404 or 410) and stays
/// gone, from the item and from the list. Every answer is also checked against the spec.
struct ResourceExplorer: Sendable {
    enum FindingClass: String, CaseIterable, Sendable {
        case createdNotReadable = "created_not_readable"
        case createdNotListed = "created_not_listed"
        case pageWalkRepeats = "page_walk_repeats"
        case updateNotVisible = "update_not_visible"
        case staleIfMatchAccepted = "stale_if_match_accepted"
        case deletedStillReadable = "deleted_still_readable"
        case deletedStillListed = "deleted_still_listed"
        case undocumentedResponse = "undocumented_response"
        case serverError = "server_error"
    }

    struct Finding: Sendable {
        let kind: FindingClass
        let resource: String
        /// The requests of the lifecycle up to the finding, as `METHOD path → status`.
        let steps: [String]
        let problem: String
    }

    /// The most pages one walk reads, and the page size it asks for (within the parameter's bounds): small enough
    /// that a walk crosses pages with few items.
    static let maxPages = 100
    static let pageSize = 2

    let fuzzer: Fuzzer
    let executor: HTTPExecutor
    let resources: [ResourceModel]

    init(fuzzer: Fuzzer, executor: HTTPExecutor) {
        self.fuzzer = fuzzer
        self.executor = executor
        resources = ResourceModel.all(in: fuzzer.spec)
    }

    /// One line per resource: what was found and how its id travels.
    var description: [String] {
        resources.map { resource in
            let operations = [("create", resource.create), ("read", resource.read), ("list", resource.list), ("update", resource.update), ("delete", resource.delete)]
                .compactMap { name, operation in operation.map { "\(name) \($0.id)" } }.joined(separator: ", ")
            let paging = switch resource.paging {
            case .cursor(let parameter, let next): "; pages by ?\(parameter)= from \(next)"
            case .offset(let parameter): "; pages by ?\(parameter)="
            case nil: ""
            }
            return "\(resource.path): \(operations); id from \(resource.id) (\(resource.fromLinks ? "links" : "inferred"))\(paging)"
        }
    }

    /// Runs `count` lifecycles, one at a time (a page walk must not see other lifecycles' writes), over the
    /// resources in turn, until the deadline.
    func run(count: Int, deadline: ContinuousClock.Instant) async -> FuzzReport {
        var report = FuzzReport()
        guard !resources.isEmpty else { return report }
        for index in 0..<count where ContinuousClock.now < deadline {
            let resource = resources[index % resources.count]
            var lifecycle = Lifecycle(explorer: self, resource: resource, index: index)
            let findings = await lifecycle.run()
            report.sent += 1
            report.reached[resource.path, default: (0, 0)].answered += 1
            if lifecycle.created { report.reached[resource.path, default: (0, 0)].succeeded += 1 }
            if !findings.isEmpty { report.failedCount += 1 }
            for finding in findings {
                report.entries.append(FuzzReport.Entry(
                    operation: finding.resource, kind: finding.kind.rawValue, index: index, request: Self.shortened(finding.steps),
                    problems: [finding.problem]))
            }
            if report.sent % 25 == 0 { print("  \(report.sent) lifecycles, \(report.failedCount) with findings") }
        }
        return report
    }

    /// A lifecycle's requests as one line: a long page walk shows its first and last pages.
    static func shortened(_ steps: [String]) -> String {
        guard steps.count > 12 else { return steps.joined(separator: " → ") }
        return (steps.prefix(6) + ["… \(steps.count - 10) more …"] + steps.suffix(4)).joined(separator: " → ")
    }

    /// One resource's lifecycle: create, read, list, update, delete, and the checks between.
    struct Lifecycle {
        let explorer: ResourceExplorer
        let resource: ResourceModel
        let index: Int
        var random: SeededRandom
        var steps: [String] = []
        var findings: [Finding] = []
        var created = false

        init(explorer: ResourceExplorer, resource: ResourceModel, index: Int) {
            self.explorer = explorer
            self.resource = resource
            self.index = index
            random = SeededRandom.forRequest(seed: explorer.fuzzer.seed ^ 0x5EED, index: index)
        }

        var spec: OpenAPISpec { explorer.fuzzer.spec }

        mutating func run() async -> [Finding] {
            guard let (id, location) = await create() else { return findings }
            created = true
            var etag: String?
            var read: ReceivedResponse?
            if resource.read != nil {
                read = await get(id, location: location)
                guard let answer = read else { return findings }
                guard answer.status == 200 else {
                    return findings + [finding(.createdNotReadable, "created with \(resource.create.id), but reading it answered \(answer.status)")]
                }
                etag = answer.header("ETag")
            }
            if resource.list != nil, let (ids, complete) = await walk() {
                let times = ids.filter { $0 == id }.count
                if times == 0, complete { findings.append(finding(.createdNotListed, "created \(id), but a walk of every page of \(resource.list!.id) (\(ids.count) items) does not list it")) }
                let repeated = Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
                if !repeated.isEmpty {
                    findings.append(finding(.pageWalkRepeats, "a walk of every page of \(resource.list!.id) lists \(repeated.prefix(3).joined(separator: ", ")) more than once"))
                }
            }
            if let update = resource.update, let body = Fuzzer.jsonBody(of: update, in: spec.document) {
                await checkUpdate(update, body: body, id: id, location: location, etag: etag)
            }
            // Every other lifecycle keeps its resource, so that later page walks have pages to cross.
            if let delete = resource.delete, index % 2 == 0 || resource.list == nil {
                await checkDelete(delete, id: id, location: location)
            }
            return findings
        }

        /// Creates a resource from a generated valid body; its id and `Location`, or nil when it was not created
        /// (a refusal is the plain fuzzer's to judge, not a lifecycle's).
        private mutating func create() async -> (String, String?)? {
            var sampler = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: random.next()))
            guard let body = sampler.valid(at: resource.createBody.schema),
                  let answer = await send(resource.create, id: nil, body: body), (200..<300).contains(answer.status)
            else { return nil }
            let location = answer.header("Location")
            let id: String? = switch resource.id {
            case .body(let pointer): answer.json.flatMap { pointer.resolve(in: $0) }.map(\.displayText)
            case .location: location.flatMap { URLComponents(string: $0)?.path.split(separator: "/").last.map(String.init)?.removingPercentEncoding }
            }
            guard let id else {
                findings.append(finding(.undocumentedResponse, "the create answered \(answer.status) without the id at \(resource.id)"))
                return nil
            }
            return (id, location)
        }

        /// Reads the resource: at its `Location` when the id travels there, else at the item path.
        private mutating func get(_ id: String, location: String?) async -> ReceivedResponse? {
            guard let read = resource.read else { return nil }
            if resource.id == .location, let location {
                let url = location.hasPrefix("http") ? location : explorer.fuzzer.baseURL + (location.hasPrefix("/") ? "" : "/") + location
                return await send(read, id: id, body: nil, url: url)
            }
            return await send(read, id: id, body: nil)
        }

        /// The ids of every item the list shows, page after page, and whether the walk reached the last page (within
        /// `maxPages`); nil when a page could not be read.
        private mutating func walk() async -> ([String], complete: Bool)? {
            guard let list = resource.list, let items = resource.listItems else { return nil }
            var ids: [String] = []
            // Small pages, so that a walk crosses pages even with few items.
            let size = spec.parameters(of: list).first { ["limit", "page_size", "pagesize", "per_page", "size"].contains(($0.name ?? "").lowercased()) }
            let pageSize = size.flatMap { parameter in
                parameter.name.map { name in
                    let schema = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: 0)).resolved(parameter.schema)?.1
                    let bounded = min(Int(schema?["maximum"]?.numberValue ?? Double(ResourceExplorer.pageSize)), ResourceExplorer.pageSize)
                    return (name, max(Int(schema?["minimum"]?.numberValue ?? 1), bounded))
                }
            }
            let sized = pageSize.map { [($0.0, String($0.1))] } ?? []
            var query = sized
            for _ in 0..<ResourceExplorer.maxPages {
                guard let answer = await send(list, id: nil, body: nil, query: query), answer.status == 200, let json = answer.json,
                      let page = items.resolve(in: json)?.arrayValue else { return nil }
                ids += page.compactMap { resource.itemID.resolve(in: $0)?.displayText }
                switch resource.paging {
                case .cursor(let parameter, let next):
                    guard let cursor = next.resolve(in: json), cursor != .null, !cursor.displayText.isEmpty else { return (ids, true) }
                    query = sized + [(parameter, cursor.displayText)]
                case .offset(let parameter):
                    guard !page.isEmpty else { return (ids, true) }
                    query = sized + [(parameter, String(ids.count))]
                case nil:
                    return (ids, true)
                }
            }
            return (ids, false)
        }

        /// Updates the resource and reads it back: what was sent must show; then a stale `If-Match` must get 412
        /// where the read gave an ETag and the update documents 412.
        private mutating func checkUpdate(_ update: OpenAPISpec.Operation, body schema: JSONPointer, id: String, location: String?, etag: String?) async {
            var sampler = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: random.next()))
            guard let body = sampler.valid(at: schema) else { return }
            let ifMatch = etag.map { [("If-Match", $0)] } ?? []
            guard let answer = await send(update, id: id, body: body, headers: ifMatch), (200..<300).contains(answer.status) else { return }
            if resource.read != nil, let reread = await get(id, location: location), reread.status == 200, let json = reread.json {
                let readable = SchemaShapes(document: spec.document)
                let shown = spec.response(for: resource.read!, status: 200)?.content["application/json"].flatMap { $0 }.map { readable.properties(at: $0) } ?? []
                for (name, sent) in (body.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where shown.contains(name) && sent.objectValue == nil && sent.arrayValue == nil {
                    if let read = json[name], read != sent, !(read.numberValue != nil && read.numberValue == sent.numberValue) {
                        findings.append(finding(.updateNotVisible, "\(update.id) set \(name) to \(sent.jsonText.prefix(60)), but the next read shows \(read.jsonText.prefix(60))"))
                        break
                    }
                }
            }
            guard let etag, answer.header("ETag") != etag, update.statuses.contains("412") else { return }
            guard let stale = await send(update, id: id, body: body, headers: [("If-Match", etag)]) else { return }
            if stale.status != 412 {
                findings.append(finding(.staleIfMatchAccepted, "\(update.id) with If-Match \(etag) (the ETag before the update) answered \(stale.status), not 412"))
            }
        }

        /// Deletes the resource: then it is gone from the item and the list, and stays gone.
        private mutating func checkDelete(_ delete: OpenAPISpec.Operation, id: String, location: String?) async {
            guard let answer = await send(delete, id: id, body: nil), (200..<300).contains(answer.status) else { return }
            guard resource.read != nil else { return }
            for attempt in ["right after the delete", "again, after a list"] {
                if attempt.hasPrefix("again"), resource.list != nil, let (ids, _) = await walk(), ids.contains(id) {
                    findings.append(finding(.deletedStillListed, "\(delete.id) answered \(answer.status), but the list still shows \(id)"))
                }
                guard let read = await get(id, location: location) else { return }
                if ![404, 410].contains(read.status) {
                    findings.append(finding(.deletedStillReadable, "\(delete.id) answered \(answer.status), but reading it \(attempt) answered \(read.status)"))
                    return
                }
            }
        }

        /// Sends one request of the lifecycle: the id in the item path, credentials as the operation's security says,
        /// required parameters generated; the answer is checked against the spec (5xx and undocumented answers are
        /// findings). Nil when nothing answered.
        private mutating func send(
            _ operation: OpenAPISpec.Operation, id: String?, body: JSONValue?, query: [(String, String)] = [], headers extra: [(String, String)] = [],
            url: String? = nil
        ) async -> ReceivedResponse? {
            var path = operation.path
            var query = query
            var headers = extra.map { (name: $0.0, value: $0.1) }
            var sampler = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: random.next()))
            for parameter in spec.parameters(of: operation) {
                guard let name = parameter.name else { continue }
                if parameter.location == "path" {
                    let value = name == resource.parameter ? id.map(JSONValue.string) : sampler.valid(at: parameter.schema)
                    path = path.replacingOccurrences(of: "{\(name)}", with: parameter.style.text(name: name, value: value ?? .string("x"), encode: FormEncoding.component))
                } else if parameter.isRequired, !query.contains(where: { $0.0 == name }), !headers.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }),
                          let value = sampler.valid(at: parameter.schema)
                {
                    if parameter.location == "query" { query.append((name, value.displayText)) }
                    if parameter.location == "header" { headers.append((name, value.displayText)) }
                }
            }
            if let requirement = Fuzzer.satisfiable(operation, in: spec.document, having: Set(explorer.fuzzer.credentials.keys)).first {
                for scheme in requirement { explorer.fuzzer.place(scheme, into: &headers, query: &query) }
            }
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let target = url ?? explorer.fuzzer.baseURL + path + (query.isEmpty ? "" : "?" + FormEncoding.encode(query))
            let request = SentRequest(method: operation.method, url: target, headers: headers, body: body?.jsonText)
            let shown = Redaction.request(request)
            let answer: ReceivedResponse
            do {
                answer = try await explorer.executor.send(request, timeout: 30, retryAfterBudget: FuzzRun.retryAfterBudget)
            } catch {
                steps.append("\(shown.method) \(Self.pathOf(shown.url)) → no answer")
                findings.append(finding(.serverError, "\(operation.id): no answer: \(HTTPExecutor.words(for: error, timeout: 30))"))
                return nil
            }
            steps.append("\(shown.method) \(Self.pathOf(shown.url)) → \(answer.status)")
            let busy = answer.status == 503 && answer.header("Retry-After") != nil
            if answer.status >= 500, !busy {
                findings.append(finding(.serverError, "\(operation.id) answered \(answer.status): \(answer.text.prefix(160))"))
            } else if let problem = spec.check(answer, operation: operation).first {
                findings.append(finding(.undocumentedResponse, "\(operation.id): \(problem)"))
            }
            return answer
        }

        private func finding(_ kind: FindingClass, _ problem: String) -> Finding {
            Finding(kind: kind, resource: resource.path, steps: steps, problem: problem)
        }

        /// A URL's path and query, for the lifecycle's steps.
        static func pathOf(_ url: String) -> String {
            URLComponents(string: url).map { $0.percentEncodedPath + ($0.percentEncodedQuery.map { "?\($0)" } ?? "") } ?? url
        }
    }
}
