import Foundation
import ProjectFiles
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

@Suite("Register and login")
struct UserRouteTests {
    /// The server's email rule is the spec's pattern, read on code points as JSON Schema reads it: the same verdict
    /// for addresses where characters and code points differ (a combining mark after `@`, `.` or `-`) and for the
    /// usual ones.
    @Test func theEmailRuleIsTheSpecsPatternOnCodePoints() throws {
        let spec = try #require(ProjectFiles.file("spec/openapi.json").flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        let schemas = (spec["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let email = ((schemas?["Registration"] as? [String: Any])?["properties"] as? [String: Any])?["email"] as? [String: Any]
        let pattern = try NSRegularExpression(pattern: try #require(email?["pattern"] as? String))
        let addresses = [
            "alice@example.com", "a@b", "a@\u{301}b.com", "a\u{301}@b.com", "x@-\u{301}a.com", "x@a-\u{301}.com", "x@a.\u{301}com",
            "x@a.-\u{301}", "é@ü.de", "😀@😀.io", "a@@b.com", "a@b..com", "a @b.com", "a@b.com\u{200B}", "a@b.c\u{2028}",
            String(repeating: "a", count: 64) + "@b.co", String(repeating: "a", count: 65) + "@b.co", String(repeating: "\u{301}", count: 64) + "@b.co",
        ]
        for address in addresses {
            let range = NSRange(address.startIndex..., in: address)
            let matches = pattern.firstMatch(in: address, range: range).map { $0.range == range } ?? false
            #expect(CredentialRules.isEmailSyntax(address) == matches, "\(address.unicodeScalars.map { String($0.value, radix: 16) }): the pattern says \(matches)")
        }
    }

    @Test func registerReturnsMessageAndTokenAtBothPaths() async throws {
        try await withApp { client in
            for path in ["/register", "/users/register"] {
                let response = try await client.send(
                    .post, path, json: #"{"email":"\#(UUID().uuidString)@example.com","password":"secret123"}"#)
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body["message"] as? String == "User created")
                #expect((body["token"] as? String)?.split(separator: ".").count == 3)
            }
        }
    }

    @Test func loginWorksAtBothPathsWithNormalisedEmail() async throws {
        try await withApp { client in
            _ = try await client.send(.post, "/register", json: #"{"email":"Alice@Example.COM","password":"secret123"}"#)
            for path in ["/login", "/users/login"] {
                let response = try await client.send(.post, path, json: #"{"email":"alice@example.com","password":"secret123"}"#)
                #expect(response.status == .ok)
                #expect(try response.json()["token"] is String)
            }
        }
    }

    @Test func duplicateEmailIsConflict() async throws {
        try await withApp { client in
            let body = #"{"email":"bob@example.com","password":"hunter2hunter2"}"#
            #expect(try await client.send(.post, "/register", json: body).status == .ok)
            let second = try await client.send(.post, "/users/register", json: body.replacingOccurrences(of: "bob@", with: "BOB@"))
            #expect(second.status == .conflict)
            #expect(try second.errorCode() == "email_taken")
        }
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameAnswer() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let wrong = try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"wrong password"}"#)
            let unknown = try await client.send(.post, "/login", json: #"{"email":"nobody@example.com","password":"whatever1"}"#)
            for response in [wrong, unknown] {
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(try response.json()["error"] as? String == "Invalid credentials")
                #expect(try response.errorCode() == "invalid_credentials")
            }
        }
    }

    @Test(arguments: [
        (#"{"email":"not-an-email","password":"secret123"}"#, "invalid_email"),
        (#"{"email":"a@b","password":"secret123"}"#, "invalid_email"),
        (#"{"email":"","password":"secret123"}"#, "invalid_email"),
        (#"{"email":" alice@example.com","password":"secret123"}"#, "invalid_email"),
        (#"{"email":"\#(String(repeating: "a", count: 65))@example.com","password":"secret123"}"#, "invalid_email"),
        (#"{"email":"x@example.com","password":"\u0000aaaaaaaa"}"#, "invalid_password"),
        (#"{"email":"x@example.com","password":"ééé"}"#, "weak_password"),
        (#"{"email":"x@example.com","password":"short"}"#, "weak_password"),
        (#"{"email":"x@example.com","password":"\#(String(repeating: "p", count: 257))"}"#, "password_too_long"),
        (#"{"password":"secret123"}"#, "missing_field"),
        (#"{"email":"x@example.com"}"#, "missing_field"),
        (#"{"email":42,"password":"secret123"}"#, "invalid_field"),
        (#"{not json"#, "invalid_json"),
        (#"[1,2]"#, "invalid_json"),
        ("", "invalid_json"),
    ])
    func badRegistrationIsRejectedWith400(body: String, code: String) async throws {
        try await withApp { client in
            let response = try await client.send(.post, "/register", json: body)
            #expect(response.status == .badRequest)
            #expect(try response.errorCode() == code)
        }
    }

    @Test func missingFieldErrorNamesTheField() async throws {
        try await withApp { client in
            let response = try await client.send(.post, "/login", json: #"{"password":"secret123"}"#)
            #expect(response.status == .badRequest)
            #expect((try response.json()["error"] as? String)?.contains("'email'") == true)
        }
    }

    @Test func passwordsAreStoredAsBcryptHashes() async throws {
        let reader = try await testReader()
        let app = try await buildApplication(reader: reader)
        try await app.test(.router) { client in
            _ = try await client.send(.post, "/register", json: #"{"email":"hash@example.com","password":"secret123"}"#)
        }
        let hash = try #require(try await withStorage(reader) { try await $0.users.find(email: "hash@example.com")?.passwordHash })
        #expect(hash.hasPrefix("bcrypt-sha256:$2b$10$"))
        #expect(!hash.contains("secret123"))
    }
}

@Suite("Every character of a password counts")
struct LoginInputTests {
    @Test func aPasswordDifferingPast72BytesDoesNotLogIn() async throws {
        try await withApp { client in
            let password = String(repeating: "ü", count: 100)
            let user = try await client.registerUser(password: password + "a")
            let other = try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"\#(password)b"}"#)
            #expect(other.status == .unauthorized)
            #expect(try other.errorCode() == "invalid_credentials")
            #expect(try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"\#(password)a"}"#).status == .ok)
        }
    }

    @Test func anUnsaltedHashFromAnEarlierImportStillLogsInAndIsReplaced() async throws {
        let reader = try await testReader()
        _ = try await withStorage(reader) {
            try await $0.users.create(email: "legacy@example.com", passwordHash: LegacyPassword.marker + PasswordHasher.prehash("secret123"))
        }
        let app = try await buildApplication(reader: reader)
        try await app.test(.router) { client in
            let wrong = try await client.send(.post, "/login", json: #"{"email":"legacy@example.com","password":"secret124"}"#)
            #expect(wrong.status == .unauthorized)
            let login = try await client.send(.post, "/login", json: #"{"email":"legacy@example.com","password":"secret123"}"#)
            #expect(login.status == .ok)
        }
        let hash = try #require(try await withStorage(reader) { try await $0.users.find(email: "legacy@example.com")?.passwordHash })
        #expect(hash.hasPrefix(PasswordHasher.marker))
    }

    @Test func aHashOfAnotherCostIsRehashedAtTheConfiguredCostOnLogin() async throws {
        let reader = try await testReader()
        let old = PasswordHasher.marker + Bcrypt.hash(PasswordHasher.prehash("secret123"), cost: 11)
        _ = try await withStorage(reader) { try await $0.users.create(email: "cost@example.com", passwordHash: old) }
        let app = try await buildApplication(reader: reader)
        try await app.test(.router) { client in
            let login = try await client.send(.post, "/login", json: #"{"email":"cost@example.com","password":"secret123"}"#)
            #expect(login.status == .ok)
        }
        let hash = try #require(try await withStorage(reader) { try await $0.users.find(email: "cost@example.com")?.passwordHash })
        #expect(hash.hasPrefix(PasswordHasher.marker) && PasswordHasher.cost(of: String(hash.dropFirst(PasswordHasher.marker.count))) == 10)
    }

    @Test func aPlainBcryptHashStillLogsInAndIsReplaced() async throws {
        let reader = try await testReader()
        let app = try await buildApplication(reader: reader)
        let long = String(repeating: "s", count: 72)
        try await withStorage(reader) { storage async throws in
            let old = try await storage.users.create(email: "old@example.com", passwordHash: Bcrypt.hash("secret123", cost: 10))
            try await storage.users.replacePasswordHash(id: old.id, old: old.passwordHash, new: Bcrypt.hash(long, cost: 10))
        }
        try await app.test(.router) { client async throws in
            // Plain bcrypt reads 72 bytes: a longer password sharing them must not pass.
            #expect(try await client.send(.post, "/login", json: #"{"email":"old@example.com","password":"\#(long)x"}"#).status == .unauthorized)
            #expect(try await client.send(.post, "/login", json: #"{"email":"old@example.com","password":"\#(long)"}"#).status == .ok)
        }
        let hash = try #require(try await withStorage(reader) { try await $0.users.find(email: "old@example.com")?.passwordHash })
        #expect(hash.hasPrefix(PasswordHasher.marker))
    }

    @Test func aPasswordWithNULDoesNotLogIn() async throws {
        try await withApp { client in
            let user = try await client.registerUser(password: "aaaaaaaa")
            let response = try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"aaaaaaaa\u0000x"}"#)
            #expect(response.status == .unauthorized)
        }
    }

    @Test func anEmailOver254CharactersIsRefusedLikeUnknownCredentials() async throws {
        try await withApp { client in
            let email = String(repeating: "a", count: 250) + "@example.com"
            let response = try await client.send(.post, "/login", json: #"{"email":"\#(email)","password":"secret123"}"#)
            #expect(response.status == .unauthorized)
            #expect(try response.errorCode() == "invalid_credentials")
        }
    }
}
