import Foundation
import NIOCore

/// The server cannot listen where it was told to: the port is taken, or the host name does not resolve to an
/// address of this machine. A start-up error naming the address and the settings to change.
struct ListenError: StartupError {
    let host: String
    let port: Int
    let reason: String

    /// The error as one line, when `error` is one of listening's (nil for any other error).
    init?(_ error: any Error, host: String, port: Int) {
        self.host = host
        self.port = port
        switch error {
        case let error as IOError where error.errnoCode == EADDRINUSE:
            reason = "the port is in use by another process; stop it, or choose another port"
        case let error as IOError where error.errnoCode == EADDRNOTAVAIL:
            reason = "the address is not one of this machine's"
        case let error as IOError where error.errnoCode == EACCES:
            reason = "this user may not listen on that port (below 1024 needs privileges)"
        case is SocketAddressError.UnknownHost:
            reason = "the host name does not resolve"
        default:
            return nil
        }
    }

    var description: String {
        "Cannot listen on \(host):\(port): \(reason). Set \(Setting.environmentName("http.host")) (\(Setting.flag("http.host"))) "
            + "and \(Setting.environmentName("http.port")) (\(Setting.flag("http.port")))."
    }
}
