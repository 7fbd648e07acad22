import Foundation
import Testing
import JSONValues

@testable import SpecRunnerKit

/// OpenAPI's promises beyond plain JSON Schema: `readOnly` and `writeOnly` by direction, parameter styles, and
/// `--header` credentials.
@Suite("OpenAPI promises")
struct OpenAPIPromisesTests {
    /// An item whose `id` only the server sets and whose `secret` only the client sends, both required, one of them
    /// through a `$ref` (how specs usually mark a shared schema).
    static let document = try! JSONValue.parse(#"""
        {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
         "paths": {"/items/{id}": {"get": {"operationId": "getItem", "parameters": [
             {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "style": "label", "explode": true},
             {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}}, "explode": false},
             {"name": "filter", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
             {"name": "X-Trace", "in": "header", "schema": {"type": "array", "items": {"type": "integer"}}}],
           "responses": {"200": {"description": "ok"}}}}},
         "components": {
           "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}, "bearer": {"type": "http", "scheme": "bearer"}},
           "schemas": {
             "Id": {"type": "string", "readOnly": true},
             "Item": {"type": "object", "required": ["id", "name", "secret"], "additionalProperties": false, "properties": {
               "id": {"$ref": "#/components/schemas/Id"},
               "name": {"type": "string", "minLength": 1},
               "secret": {"type": "string", "writeOnly": true}}}}}}
        """#)
    static let item = JSONPointer("#/components/schemas/Item")!

    static func validate(_ json: String, _ direction: SchemaValidator.Direction?) throws -> [ValidationIssue] {
        SchemaValidator(document: document).validate(try JSONValue.parse(json), schemaAt: item, direction: direction)
    }

    @Test func aReadOnlyPropertyIsNeitherRequiredNorAllowedInARequest() throws {
        #expect(try Self.validate(#"{"name": "n", "secret": "s"}"#, .request).isEmpty)
        let sent = try Self.validate(#"{"id": "1", "name": "n", "secret": "s"}"#, .request)
        #expect(sent.map(\.message) == ["property 'id' is readOnly: only the server sets it, so a request must not send it"])
        #expect(sent.first?.instancePath.description == "/id")
        #expect(try Self.validate(#"{"secret": "s"}"#, .request).map(\.message) == ["missing required property 'name'"])
    }

    @Test func aWriteOnlyPropertyIsNeitherRequiredNorAllowedInAResponse() throws {
        #expect(try Self.validate(#"{"id": "1", "name": "n"}"#, .response).isEmpty)
        let leaked = try Self.validate(#"{"id": "1", "name": "n", "secret": "s"}"#, .response)
        #expect(leaked.map(\.message) == ["property 'secret' is writeOnly, but the response carries it (a leak of what the client sent)"])
        #expect(leaked.first?.schemaPath == "#/components/schemas/Item/properties/secret/writeOnly")
    }

    @Test func plainJSONSchemaTreatsBothAsAnnotations() throws {
        #expect(try Self.validate(#"{"id": "1", "name": "n", "secret": "s"}"#, nil).isEmpty)
        #expect(try Self.validate(#"{"name": "n"}"#, nil).count == 2)
    }

    @Test func theSamplerNeverSendsAReadOnlyPropertyAndTheViolationsStayOutOfIt() throws {
        let spec = try OpenAPISpec(document: Self.document, source: "test")
        var sampler = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: 7))
        for _ in 0..<40 {
            let sample = sampler.valid(at: Self.item)
            let value = try #require(sample)
            #expect(value["id"] == nil && value["secret"] != nil, "\(value.jsonText)")
            #expect(sampler.violations(of: value, at: Self.item).allSatisfy { $0.value["id"] == nil })
        }
    }

    /// A value the set-up captured feeds body properties of its name, as it feeds parameters, where the schema allows it.
    @Test func setUpCapturesFeedBodyPropertiesOfTheirName() throws {
        let spec = try OpenAPISpec(document: try JSONValue.parse(#"""
            {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
             "paths": {"/transfers": {"post": {"operationId": "transfer", "security": [],
               "requestBody": {"required": true, "content": {"application/json": {"schema": {
                 "type": "object", "required": ["account_id", "amount", "lines"], "properties": {
                   "account_id": {"type": "string", "pattern": "^acc_[0-9]{4}$"}, "amount": {"type": "integer", "minimum": 1},
                   "lines": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["order"], "properties": {"order": {"type": "integer"}}}}}}}}},
               "responses": {"201": {"description": "made"}}}}}}
            """#), source: "test")
        let fuzzer = Fuzzer(spec: spec, baseURL: "http://127.0.0.1:1", seed: 5, credentials: [:], knownValues: ["account_id": "acc_0042", "order": "17", "amount": "-3"])
        let bodies = (0..<400).map { fuzzer.plan($0) }.filter { $0.fuzzCase == .valid }.compactMap { $0.request.body.flatMap { try? JSONValue.parse($0) } }
        #expect(bodies.count > 20)
        let fed = bodies.filter { $0["account_id"] == .string("acc_0042") }.count
        #expect(fed * 2 > bodies.count, "three in four bodies use the captured account: \(fed) of \(bodies.count)")
        #expect(bodies.contains { $0["lines"]?.arrayValue?.first?["order"] == .integer(17) }, "nested, and typed as the schema says")
        #expect(!bodies.contains { $0["amount"] == .integer(-3) }, "never where the schema forbids it")
    }

    /// The examples of the OpenAPI 3.1 specification's "Style Examples" table (an object's keys in sorted order).
    @Test(arguments: [
        ("path", "simple", false, "5", "3,4,5", "firstName,Alex,role,admin"),
        ("path", "simple", true, "5", "3,4,5", "firstName=Alex,role=admin"),
        ("path", "label", false, ".5", ".3,4,5", ".firstName,Alex,role,admin"),
        ("path", "label", true, ".5", ".3.4.5", ".firstName=Alex.role=admin"),
        ("path", "matrix", false, ";color=5", ";color=3,4,5", ";color=firstName,Alex,role,admin"),
        ("path", "matrix", true, ";color=5", ";color=3;color=4;color=5", ";firstName=Alex;role=admin"),
    ])
    func pathAndHeaderStylesWriteTheSpecificationsExamples(
        _ location: String, _ style: String, _ explode: Bool, _ primitive: String, _ array: String, _ object: String
    ) {
        let writer = ParameterStyle(location: location, style: style, explode: explode)
        #expect(writer.text(name: "color", value: .integer(5)) == primitive)
        #expect(writer.text(name: "color", value: .array([.integer(3), .integer(4), .integer(5)])) == array)
        #expect(writer.text(name: "color", value: .object(["role": .string("admin"), "firstName": .string("Alex")])) == object)
    }

    /// The query examples of the same table (an object's keys in sorted order).
    @Test(arguments: [
        ("form", true, "color=3&color=4&color=5", "firstName=Alex&role=admin"),
        ("form", false, "color=3,4,5", "color=firstName,Alex,role,admin"),
        ("spaceDelimited", false, "color=3%204%205", "color=firstName%20Alex%20role%20admin"),
        ("pipeDelimited", false, "color=3|4|5", "color=firstName|Alex|role|admin"),
        ("deepObject", true, "color=3&color=4&color=5", "color%5BfirstName%5D=Alex&color%5Brole%5D=admin"),
    ])
    func queryStylesWriteTheSpecificationsExamples(_ style: String, _ explode: Bool, _ array: String, _ object: String) {
        let writer = ParameterStyle(location: "query", style: style, explode: explode)
        #expect(writer.items(name: "color", value: .array([.integer(3), .integer(4), .integer(5)])).joined(separator: "&") == array)
        #expect(writer.items(name: "color", value: .object(["role": .string("admin"), "firstName": .string("Alex")])).joined(separator: "&") == object)
        #expect(writer.items(name: "color", value: .array([])) == (explode ? [] : ["color="]), "an empty array: nothing, or name= unexploded")
        #expect(writer.items(name: "q", value: .string("a b,c")) == ["q=a+b%2Cc"], "a delimiter inside a value is encoded")
    }

    @Test func theDefaultsAreFormExplodedInTheQueryAndSimpleInThePath() {
        #expect(ParameterStyle(parameter: .object(["in": .string("query")])) == ParameterStyle(location: "query", style: "form", explode: true))
        #expect(ParameterStyle(parameter: .object(["in": .string("cookie")])) == ParameterStyle(location: "cookie", style: "form", explode: true))
        #expect(ParameterStyle(parameter: .object(["in": .string("path")])) == ParameterStyle(location: "path", style: "simple", explode: false))
        #expect(ParameterStyle(parameter: .object(["in": .string("header")])) == ParameterStyle(location: "header", style: "simple", explode: false))
    }

    /// The requests a one-step scenario's step makes with each set of variables, against http://127.0.0.1:1.
    static func requests(_ yaml: String, variables: [[String: JSONValue]] = [[:]]) async throws -> [SentRequest] {
        let spec = try OpenAPISpec(document: document, source: "test")
        let step = try ScenarioLoader.load(text: yaml, file: "step.yaml").scenario.steps[0]
        let executor = HTTPExecutor()
        let runner = ScenarioRunner(spec: spec, executor: executor, baseURL: "http://127.0.0.1:1", variables: [:], defaultTimeout: 1, runId: "r")
        let built = variables.map { values in Result { try runner.buildRequest(step, template: Template(runId: "r", variables: values)) } }
        try await executor.shutdown()
        return try built.map { try $0.get() }
    }

    @Test func aScenarioStepWritesArraysAndObjectsAsEachParameterSays() async throws {
        let request = try #require(try await Self.requests("""
            name: styles
            steps:
              - operation: getItem
                path: { id: [x, "y z"] }
                query: { tags: [a, c], filter: { kind: big } }
                headers: { X-Trace: [1, 2] }
            """).first)
        #expect(request.url == "http://127.0.0.1:1/items/.x.y%20z?filter%5Bkind%5D=big&tags=a,c")
        #expect(request.headers.map { "\($0.name): \($0.value)" } == ["X-Trace: 1,2"])
    }

    @Test func headerCredentialsBelongToTheSchemeThatNamesThem() throws {
        let spec = try OpenAPISpec(document: Self.document, source: "test")
        let split = spec.credentials(in: [("x-api-key", "k1"), ("Authorization", "Bearer t1"), ("X-Tenant", "acme")])
        #expect(split.credentials == ["key": "k1", "bearer": "t1"])
        #expect(split.others.map(\.name) == ["X-Tenant"])
        #expect(HeaderOptions.parse("X-Tenant:  acme ")! == ("X-Tenant", "acme"))
        #expect(HeaderOptions.parse("Bad Name: x") == nil && HeaderOptions.parse("novalue") == nil)
    }

    @Test func retryAfterIsReadAsSecondsOrAnHTTPDate() {
        #expect(HTTPExecutor.retryAfterSeconds("3") == 3)
        #expect(HTTPExecutor.retryAfterSeconds("soon") == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let seconds = HTTPExecutor.retryAfterSeconds(formatter.string(from: Date().addingTimeInterval(30)))
        #expect(seconds.map { (25...31).contains($0) } == true, "\(String(describing: seconds))")
    }

    @Test func aDiscriminatorPicksTheBranchThatJudgesTheValue() throws {
        let document = try JSONValue.parse(#"""
            {"components": {"schemas": {
              "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                      "discriminator": {"propertyName": "kind", "mapping": {"cat": "Cat", "dog": "#/components/schemas/Dog"}}},
              "Cat": {"type": "object", "required": ["kind", "lives"], "properties": {"kind": {"type": "string"}, "lives": {"type": "integer", "maximum": 9}}},
              "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "good": {"type": "boolean"}}}}}}
            """#)
        let validator = SchemaValidator(document: document)
        let pet = JSONPointer("#/components/schemas/Pet")!
        #expect(validator.validate(try JSONValue.parse(#"{"kind": "cat", "lives": 9}"#), schemaAt: pet).isEmpty)
        let tooMany = validator.validate(try JSONValue.parse(#"{"kind": "cat", "lives": 10}"#), schemaAt: pet)
        #expect(tooMany.map(\.schemaPath) == ["#/components/schemas/Cat/properties/lives/maximum"], "judged by Cat alone, not 'matches none'")
        let unknown = validator.validate(try JSONValue.parse(#"{"kind": "fish"}"#), schemaAt: pet)
        #expect(unknown.map(\.message) == ["'fish' names none of the schemas oneOf allows (Cat, Dog)"])
        let branches = [pet.appending("oneOf").appending(0), pet.appending("oneOf").appending(1)]
        #expect(validator.branch(of: try JSONValue.parse(#"{"kind": "dog"}"#), among: branches, discriminator: document["components"]?["schemas"]?["Pet"]?["discriminator"]) == branches[1])
    }

    @Test func aCollectionWithoutLinksIsInferredFromItsPaths() throws {
        let spec = try ForeignAPITests.notesSpec()
        let resource = try #require(ResourceModel.all(in: spec).first)
        #expect(resource.path == "/notes" && !resource.fromLinks && resource.id == .body(JSONPointer("/id")!))
        #expect(resource.paging == .offset(parameter: "offset") && resource.listItems == JSONPointer("/items"))
        #expect(resource.update?.method == "PATCH" && resource.delete != nil)
    }

    @Test func aStepMayTargetACapturedURLAbsoluteOrRelative() async throws {
        let yaml = """
            name: located
            steps:
              - operation: getItem
                url: "{{ location }}"
                query: { limit: 2 }
            """
        let requests = try await Self.requests(yaml, variables: [
            ["location": .string("/items/itm_1?x=1")], ["location": .string("http://127.0.0.2:9/items/itm_2")],
        ])
        #expect(requests.map(\.url) == ["http://127.0.0.1:1/items/itm_1?x=1&limit=2", "http://127.0.0.2:9/items/itm_2?limit=2"])
        #expect(try ScenarioLoader.load(text: yaml, file: "step.yaml").scenario.steps[0].references == ["location"])
    }
}
