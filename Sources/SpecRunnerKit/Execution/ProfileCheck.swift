// A profile judged against responses (ProfileCheck), with the entries and deviations it reports.

/// One entry of a profile, as reports name it: `overlay 3: $.components.schemas.Error`, `matcher body /code`,
/// `override readme-flow / chat with the key as Bearer`, `path register`.
struct ProfileEntry: Sendable, Hashable {
    let label: String
    let reason: String
}

extension Profile {
    /// Every entry, in the order of the file: paths, overlay actions, matcher rules, overrides.
    var entries: [ProfileEntry] {
        paths.sorted { $0.key < $1.key }.map { pathEntry($0.key) ?? ProfileEntry(label: "path \($0.key)", reason: $0.value.reason) }
            + (overlay?.actions.indices.map(actionEntry) ?? [])
            + matchers.map(entry) + overrides.map(entry)
    }

    func pathEntry(_ operation: String) -> ProfileEntry? {
        paths[operation].map { ProfileEntry(label: "path \(operation) → \($0.path)", reason: $0.reason) }
    }

    func actionEntry(_ index: Int) -> ProfileEntry {
        let action = overlay!.actions[index]
        return ProfileEntry(label: "overlay \(index + 1): \(action.target)", reason: action.description ?? "")
    }

    func entry(_ rule: MatcherRule) -> ProfileEntry {
        ProfileEntry(label: "matcher \(rule.label)" + (rule.operation.map { " in \($0)" } ?? ""), reason: rule.reason)
    }

    func entry(_ override: Override) -> ProfileEntry {
        ProfileEntry(label: "override \(override.label)", reason: override.reason)
    }
}

/// A difference between the contract and a deployment, observed in a step and explained by profile entries.
struct ObservedDeviation: Sendable {
    let scenario: String
    let step: String
    /// What the reference contract expected: the checks that failed against it.
    let contract: [String]
    /// What the deployment answered.
    let deployment: String
    /// The entries that account for the difference.
    let entries: [ProfileEntry]
}

/// A profile ready to judge responses: the deployment's contract (the spec with the overlay), built once, and
/// the contracts without each overlay action, to tell which actions a response needs.
struct ProfileCheck: Sendable {
    let profile: Profile
    let reference: OpenAPISpec
    let contract: OpenAPISpec
    private let contractsWithoutAction: [OpenAPISpec]

    init(profile: Profile, reference: OpenAPISpec) throws {
        self.profile = profile
        self.reference = reference
        contract = try profile.contract(from: reference)
        contractsWithoutAction = try (profile.overlay?.actions.indices ?? 0..<0).map { try profile.contract(from: reference, skippingAction: $0) }
    }

    /// How a step fared under the profile.
    struct Verdict: Sendable {
        var failures: [String] = []
        var deviation: ObservedDeviation?
        /// Entries that say this step differs although it now meets the reference contract.
        var fixed: [ProfileEntry] = []
    }

    /// Judges a response: against the deployment's contract and the step's expectation as the profile changes it.
    /// `check(expectation, spec)` lists what is wrong with the response; `referenceFailures` is its verdict
    /// against the reference contract and the scenario's own expectation.
    func judge(
        _ response: ReceivedResponse, step: Step, scenario: String, referenceFailures: [String],
        check: (Expectation, OpenAPISpec) throws -> [String], matcherFails: (Step, Profile.MatcherRule) throws -> Bool
    ) throws -> Verdict {
        let override = profile.override(scenario: scenario, step: step)
        let (matched, rules) = profile.replacingMatchers(of: step)
        let expectation = override.map { matched.overridden(by: $0.expect) } ?? matched
        let failures = try check(expectation, contract)
        let operation = step.operation.flatMap { reference.operations[$0] }
        var verdict = Verdict()
        switch (failures.isEmpty, referenceFailures.isEmpty) {
        case (true, true):
            break
        case (true, false):
            // The deployment differs from the reference as the profile says: name the entries that account for it.
            var entries = override.map { [profile.entry($0)] } ?? []
            entries += try rules.filter { try matcherFails(step, $0) }.map(profile.entry)
            if let operation, !reference.check(response, operation: operation).isEmpty {
                entries += contractsWithoutAction.indices.filter { index in
                    let contract = contractsWithoutAction[index]
                    return contract.operations[operation.id].map { !contract.check(response, operation: $0).isEmpty } ?? false
                }.map(profile.actionEntry)
            }
            verdict.deviation = ObservedDeviation(
                scenario: scenario, step: step.name, contract: referenceFailures,
                deployment: "\(response.status) \(Redaction.excerpt(of: response))", entries: entries)
        case (false, true):
            // The profile expects a difference that is gone: the deployment now meets the contract here.
            var fixed = override.map { [profile.entry($0)] } ?? []
            fixed += try rules.filter { try !matcherFails(step, $0) }.map(profile.entry)
            if let operation, contract.operations[operation.id].map({ !contract.check(response, operation: $0).isEmpty }) ?? false {
                fixed += contractsWithoutAction.indices.filter { index in
                    let contract = contractsWithoutAction[index]
                    return contract.operations[operation.id].map { contract.check(response, operation: $0).isEmpty } ?? false
                }.map(profile.actionEntry)
            }
            verdict.fixed = fixed
        case (false, false):
            let source = override.map { "the override '\($0.label)' (\($0.reason))" } ?? "the deployment's contract"
            verdict.failures = failures.map { "\($0) [profile '\(profile.name)': \(source)]" }
        }
        return verdict
    }
}
