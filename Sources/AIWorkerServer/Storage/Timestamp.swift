import Foundation

/// Timestamps as the API shows them: RFC 3339 in UTC with whole seconds, e.g. `2026-11-29T06:56:40Z`.
enum Timestamp {
    static func now() -> String {
        string(from: .now)
    }

    static func string(from date: Date) -> String {
        date.formatted(.iso8601)
    }
}
