import HTTPTypes

extension HTTPFields {
    /// A request field's value as `self[name]` gives it (the values joined by ", " when the field occurs more than
    /// once), read without that subscript's generic lazy join when it occurs once, as nearly every field does: the
    /// subscript's unspecialized generic code was a thirtieth of a chat request's CPU in a profile.
    func value(of name: HTTPField.Name) -> String? {
        guard let first = firstIndex(where: { $0.name == name }) else { return nil }
        if self[index(after: first)...].contains(where: { $0.name == name }) { return self[name] }
        return self[first].value
    }
}
