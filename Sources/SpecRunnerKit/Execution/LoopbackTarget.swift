import ArgumentParser
import Foundation

/// The rule of the commands that send many requests (`fuzz`, `bench`): a target on this machine, unless the
/// user says `--allow-remote`.
enum LoopbackTarget {
    /// Throws a `ValidationError` naming `why` when `baseURL` is not a URL, or is not loopback without `allowRemote`.
    static func check(_ baseURL: String, allowRemote: Bool, why: String) throws {
        guard let host = URL(string: baseURL)?.host else { throw ValidationError("--base-url must be a URL such as http://127.0.0.1:8787") }
        guard allowRemote || ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.") else {
            throw ValidationError("\(why): only loopback targets unless --allow-remote")
        }
    }
}
