import Foundation
import JSONValues

/// The keywords that apply to one JSON type each.
extension SchemaValidator {
    func validateNumber(_ number: Double, at path: JSONPointer, _ keywords: [String: JSONValue], _ context: Context) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        func check(_ keyword: String, _ passes: (Double) -> Bool, _ relation: String) {
            if let bound = keywords[keyword]?.numberValue, !passes(bound) {
                issues.append(issue(path, context, keyword, "expected a number \(relation) \(JSONValue.number(bound).jsonText), found \(JSONValue.number(number).jsonText)"))
            }
        }
        check("minimum", { number >= $0 }, ">=")
        check("maximum", { number <= $0 }, "<=")
        check("exclusiveMinimum", { number > $0 }, ">")
        check("exclusiveMaximum", { number < $0 }, "<")
        if let divisor = keywords["multipleOf"]?.numberValue, divisor > 0 {
            let quotient = number / divisor
            let isMultiple = quotient.isFinite && abs(quotient - quotient.rounded()) < 1e-9 * max(1, abs(quotient))
            if !isMultiple {
                issues.append(issue(path, context, "multipleOf", "expected a multiple of \(JSONValue.number(divisor).jsonText), found \(JSONValue.number(number).jsonText)"))
            }
        }
        return issues
    }

    func validateString(_ string: String, at path: JSONPointer, _ keywords: [String: JSONValue], _ context: Context) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let length = string.unicodeScalars.count
        if let minimum = keywords["minLength"]?.numberValue, Double(length) < minimum {
            issues.append(issue(path, context, "minLength", "expected at least \(Int(minimum)) characters, found \(length)"))
        }
        if let maximum = keywords["maxLength"]?.numberValue, Double(length) > maximum {
            issues.append(issue(path, context, "maxLength", "expected at most \(Int(maximum)) characters, found \(length)"))
        }
        if let pattern = keywords["pattern"]?.stringValue, !Self.matches(string, pattern: pattern) {
            issues.append(issue(path, context, "pattern", "expected a string matching /\(pattern)/, found \(JSONValue.string(string).jsonText.prefix(80))"))
        }
        if assertFormats, let format = keywords["format"]?.stringValue, let valid = FormatChecker.check(string, format: format), !valid {
            issues.append(issue(path, context, "format", "expected a \(format) string, found \(JSONValue.string(string).jsonText.prefix(80))"))
        }
        return issues
    }

    func evaluateArray(_ array: [JSONValue], at path: JSONPointer, _ keywords: [String: JSONValue], _ context: Context, into evaluation: inout Evaluation) {
        var issues: [ValidationIssue] = []
        if let minimum = keywords["minItems"]?.numberValue, Double(array.count) < minimum {
            issues.append(issue(path, context, "minItems", "expected at least \(Int(minimum)) items, found \(array.count)"))
        }
        if let maximum = keywords["maxItems"]?.numberValue, Double(array.count) > maximum {
            issues.append(issue(path, context, "maxItems", "expected at most \(Int(maximum)) items, found \(array.count)"))
        }
        if keywords["uniqueItems"] == .bool(true) {
            for second in array.indices {
                if let first = array[..<second].firstIndex(of: array[second]) {
                    issues.append(issue(path, context, "uniqueItems", "expected unique items, but items \(first) and \(second) are equal"))
                    break
                }
            }
        }
        evaluation.issues += issues
        issues = []
        let prefix = keywords["prefixItems"]?.arrayValue ?? []
        for (index, schema) in prefix.enumerated() where index < array.count {
            evaluation.merge(evaluate(array[index], at: path.appending(index), against: schema, context.child("prefixItems", String(index))))
            evaluation.items.insert(index)
        }
        if let items = keywords["items"] {
            for index in array.indices.dropFirst(prefix.count) {
                evaluation.merge(evaluate(array[index], at: path.appending(index), against: items, context.child("items")))
                evaluation.items.insert(index)
            }
        }
        if let contains = keywords["contains"] {
            let matching = array.indices.filter { evaluate(array[$0], at: path.appending($0), against: contains, context.child("contains")).isValid }
            evaluation.items.formUnion(matching)
            let count = matching.count
            let minimum = keywords["minContains"]?.numberValue ?? 1
            if Double(count) < minimum {
                issues.append(issue(path, context, "contains", "expected at least \(Int(minimum)) items matching 'contains', found \(count)"))
            }
            if let maximum = keywords["maxContains"]?.numberValue, Double(count) > maximum {
                issues.append(issue(path, context, "maxContains", "expected at most \(Int(maximum)) items matching 'contains', found \(count)"))
            }
        }
        evaluation.issues += issues
    }

    func evaluateObject(_ object: [String: JSONValue], at path: JSONPointer, _ keywords: [String: JSONValue], _ context: Context, into evaluation: inout Evaluation) {
        var issues: [ValidationIssue] = []
        if let minimum = keywords["minProperties"]?.numberValue, Double(object.count) < minimum {
            issues.append(issue(path, context, "minProperties", "expected at least \(Int(minimum)) properties, found \(object.count)"))
        }
        if let maximum = keywords["maxProperties"]?.numberValue, Double(object.count) > maximum {
            issues.append(issue(path, context, "maxProperties", "expected at most \(Int(maximum)) properties, found \(object.count)"))
        }
        let properties = keywords["properties"]?.objectValue ?? [:]
        // A property kept out of this direction (`readOnly` in requests, `writeOnly` in responses) is never required
        // in it, and present is a finding: a request that sets what only the server sets, or a response that leaks.
        let excluded = context.direction.map { direction in
            Set(properties.filter { annotates($0.value, direction.excludingKeyword, context) }.keys)
        } ?? []
        for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil && !excluded.contains(name) {
            issues.append(issue(path, context, "required", "missing required property '\(name)'"))
        }
        for name in excluded.sorted() where object[name] != nil {
            let message = context.direction == .request
                ? "property '\(name)' is readOnly: only the server sets it, so a request must not send it"
                : "property '\(name)' is writeOnly, but the response carries it (a leak of what the client sent)"
            issues.append(issue(path.appending(name), context.child("properties", name), context.direction!.excludingKeyword, message))
        }
        for (name, required) in keywords["dependentRequired"]?.objectValue ?? [:] where object[name] != nil {
            for other in required.arrayValue?.compactMap(\.stringValue) ?? [] where object[other] == nil {
                issues.append(issue(path, context, "dependentRequired", "property '\(name)' requires property '\(other)'"))
            }
        }
        evaluation.issues += issues
        issues = []
        for (name, schema) in keywords["dependentSchemas"]?.objectValue ?? [:] where object[name] != nil {
            evaluation.merge(evaluate(.object(object), at: path, against: schema, context.child("dependentSchemas", name)))
        }
        if let names = keywords["propertyNames"] {
            for name in object.keys.sorted() {
                evaluation.issues += evaluate(.string(name), at: path.appending(name), against: names, context.child("propertyNames")).issues
            }
        }
        let patterns = keywords["patternProperties"]?.objectValue ?? [:]
        for name in object.keys.sorted() {
            let value = object[name]!
            var evaluated = false
            if let schema = properties[name] {
                evaluated = true
                evaluation.merge(evaluate(value, at: path.appending(name), against: schema, context.child("properties", name)))
            }
            for (pattern, schema) in patterns where Self.matches(name, pattern: pattern) {
                evaluated = true
                evaluation.merge(evaluate(value, at: path.appending(name), against: schema, context.child("patternProperties", pattern)))
            }
            if !evaluated, let additional = keywords["additionalProperties"] {
                evaluated = true
                if additional == .bool(false) {
                    evaluation.issues.append(issue(path.appending(name), context, "additionalProperties", "property '\(name)' is not allowed here"))
                } else {
                    evaluation.merge(evaluate(value, at: path.appending(name), against: additional, context.child("additionalProperties")))
                }
            }
            if evaluated { evaluation.properties.insert(name) }
        }
    }

    /// ECMA-262-style search: the pattern may match anywhere in the string.
    static func matches(_ string: String, pattern: String) -> Bool {
        guard let expression = RegexCache.shared.expression(for: pattern) else { return false }
        return expression.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
    }
}
