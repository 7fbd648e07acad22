import Foundation

/// The database cannot be opened or migrated: a start-up error that says where and what to check.
struct DatabaseOpenError: StartupError {
    /// The SQLite path, or the PostgreSQL URL without its password.
    let path: String
    let underlying: String
    var hint = "Check DATABASE_PATH, and that its folder exists or can be created and is writable."

    var description: String {
        "Cannot open the database at \(path) (\(underlying)). \(hint)"
    }
}
