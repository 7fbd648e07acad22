import Foundation

/// The database cannot be opened or migrated: a start-up error that says where and what to check.
struct DatabaseOpenError: StartupError {
    let path: String
    let underlying: String

    var description: String {
        "Cannot open the database at \(path) (\(underlying)). Check DATABASE_PATH, and that its folder exists or can be created and is writable."
    }
}
