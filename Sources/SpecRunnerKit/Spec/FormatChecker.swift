import Foundation

/// The formats asserted when validating responses: date-time, date, time, email, uuid.
enum FormatChecker {
    /// `nil` for a format this checker does not know (which then passes, as JSON Schema prescribes).
    static func check(_ value: String, format: String) -> Bool? {
        switch format {
        case "date-time":
            let parts = value.split(whereSeparator: { $0 == "T" || $0 == "t" })
            return parts.count == 2 && isDate(String(parts[0])) && isTime(String(parts[1]))
        case "date": return isDate(value)
        case "time": return isTime(value)
        case "email": return isEmail(value)
        case "uuid":
            return SchemaValidator.matches(value, pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        default: return nil
        }
    }

    /// RFC 3339 full-date with real month lengths and leap years.
    static func isDate(_ value: String) -> Bool {
        guard SchemaValidator.matches(value, pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$") else { return false }
        let numbers = value.split(separator: "-").compactMap { Int($0) }
        let (year, month, day) = (numbers[0], numbers[1], numbers[2])
        guard (1...12).contains(month) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// RFC 3339 full-time: `HH:MM:SS[.frac](Z|±HH:MM)`; a leap second only at 23:59:60 UTC.
    static func isTime(_ value: String) -> Bool {
        let pattern = "^([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.[0-9]+)?([Zz]|[+-]([0-9]{2}):([0-9]{2}))$"
        guard let expression = RegexCache.shared.expression(for: pattern),
            let match = expression.firstMatch(in: value, range: NSRange(value.startIndex..., in: value))
        else { return false }
        func group(_ index: Int) -> Int? {
            Range(match.range(at: index), in: value).flatMap { Int(value[$0]) }
        }
        guard let hour = group(1), let minute = group(2), let second = group(3), hour < 24, minute < 60, second <= 60 else { return false }
        let offsetHour = group(6) ?? 0
        let offsetMinute = group(7) ?? 0
        guard offsetHour < 24, offsetMinute < 60 else { return false }
        if second == 60 {
            let sign = value.contains("-") ? 1 : -1
            let utcMinutes = ((hour * 60 + minute + sign * (offsetHour * 60 + offsetMinute)) % 1440 + 1440) % 1440
            return utcMinutes == 23 * 60 + 59
        }
        return true
    }

    /// `local@domain` with no spaces and a dotted domain.
    static func isEmail(_ value: String) -> Bool {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        let local = String(parts[0])
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        return !value.contains(where: \.isWhitespace)
    }
}
