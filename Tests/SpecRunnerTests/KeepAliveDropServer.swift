import Foundation
import Glibc

/// A loopback HTTP/1.1 server of raw sockets that answers the first `answersPerConnection` requests of each
/// connection with `200 {}` (keeping the connection open), then closes the connection on the next request without
/// answering: what a client meets when a server or balancer closes a kept-alive connection as a request arrives.
final class KeepAliveDropServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32

    init(answersPerConnection: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, address, &length) == 0
            }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                Thread { Self.serve(connection, answers: answersPerConnection) }.start()
            }
        }.start()
    }

    /// Answers `answers` requests, then closes on the next one.
    private static func serve(_ connection: Int32, answers: Int) {
        defer { close(connection) }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var answered = 0
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            received += buffer[0..<count]
            // Requests without a body: each ends at its blank line.
            while let end = String(decoding: received, as: UTF8.self).range(of: "\r\n\r\n") {
                received.removeFirst(String(decoding: received, as: UTF8.self)[..<end.upperBound].utf8.count)
                guard answered < answers else { return }
                let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"
                _ = response.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                answered += 1
            }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
