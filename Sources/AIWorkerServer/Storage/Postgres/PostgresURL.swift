import Foundation
import NIOSSL
import PostgresNIO

/// `DATABASE_URL` as postgres-nio's configurations: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with
/// `?sslmode=disable|prefer|require` (default `prefer`, as libpq's: TLS when the server offers it).
struct PostgresURL: Sendable {
    enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    let host: String
    let port: Int
    let username: String
    let password: String?
    let database: String
    let tlsMode: TLSMode

    /// Parses `text`; the error never repeats the password.
    init(_ text: String) throws(SettingsError) {
        let invalid = { (expected: String) in
            SettingsError(key: "database.url", value: Self.redact(text), expected: expected)
        }
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw invalid("postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("a host, as in postgres://USER@HOST/DATABASE") }
        guard let username = components.user, !username.isEmpty else { throw invalid("a user, as in postgres://USER@HOST/DATABASE") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw invalid("a database name, as in postgres://USER@HOST/DATABASE") }
        var mode = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode", let value = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw invalid("no query parameter but sslmode=disable, prefer or require")
            }
            mode = value
        }
        self.host = host
        port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        tlsMode = mode
    }

    /// The URL as logs may show it: no password.
    var redacted: String { "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(tlsMode.rawValue)" }

    /// `text` without the password between `:` and `@` of its authority, for error messages.
    static func redact(_ text: String) -> String {
        // Read as text, not parsed: a URL too malformed to parse must not show its password either. Everything from
        // the `:` after the user to the last `@` goes (more than the password if it holds an `@`, never less).
        let authority = text.range(of: "://").map { text[$0.upperBound...] } ?? text[...]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// The pool's configuration.
    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch tlsMode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The configuration of a connection of its own (the notification listener's).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch tlsMode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
