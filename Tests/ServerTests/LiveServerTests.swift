import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

@Suite("Live socket")
struct LiveServerTests {
    @Test func readmeFlowWorksOverARealSocket() async throws {
        let app = try await buildApplication(reader: testReader())
        try await app.test(.live) { client in
            let user = try await client.registerUser(email: "alice@example.com", password: "secret123")
            let login = try await client.send(.post, "/login", json: #"{"email":"alice@example.com","password":"secret123"}"#)
            #expect(login.status == .ok)
            let token = try #require(try login.json()["token"] as? String)
            #expect(!token.isEmpty && !user.token.isEmpty)
            let key = try await client.createKey(token: token, name: "my key")
            let chat = try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key))
            #expect(chat.status == .ok)
            #expect(try chat.json()["response"] as? String == "[mock @cf/meta/llama-3-8b-instruct] You said: Hello there")
            #expect(try await client.send(.post, "/api-keys/revoke/\(key.id)", headers: bearer(token)).status == .ok)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .unauthorized)
        }
    }

    /// Connections a burst opens wait in a queue of 4,096 (as far as the kernel's `somaxconn` allows) until the
    /// server accepts them, not Hummingbird's default 256, which dropped connections of 5,000 streams opened at once.
    @Test func theListenQueueHoldsABurstOfConnections() async throws {
        let app = try await buildApplication(reader: testReader())
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let ss = Process()
            ss.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            ss.arguments = ["ss", "-ltnH", "sport = :\(port)"]
            let output = Pipe()
            ss.standardOutput = output
            try ss.run()
            let listing = try await onOwnThread {
                defer { ss.waitUntilExit() }
                return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            // State, Recv-Q (connections waiting now), Send-Q (the queue's length), address.
            let columns = listing.split(whereSeparator: \.isWhitespace)
            let somaxconn = try Int(String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(columns.count >= 4 && columns[0] == "LISTEN", "\(listing)")
            #expect(columns.count >= 4 && Int(columns[2]) == min(4096, somaxconn ?? 4096), "\(listing)")
        }
    }
}
