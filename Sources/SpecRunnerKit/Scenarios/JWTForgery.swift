import Crypto
import Foundation
import JSONValues

/// Makes the bad tokens that security scenarios send, from a real token.
struct JWTForgery {
    let header: [String: JSONValue]
    let payload: [String: JSONValue]
    let signature: String

    init(token: String) throws {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = Self.decode(parts[0])?.objectValue, let payload = Self.decode(parts[1])?.objectValue else {
            throw TemplateError("'\(token.prefix(20))...' is not a JWT")
        }
        self.header = header
        self.payload = payload
        signature = parts[2]
    }

    /// `tamper`: another user's id in the payload with the original signature. `algNone`: header `alg: none`
    /// and no signature. `resign: secret`: the same claims signed HS256 with `secret`. `expire: secret`:
    /// claims that expired an hour ago, signed with `secret`.
    func apply(_ filter: String, secret: String?) throws -> String {
        switch filter {
        case "tamper":
            var claims = payload
            for key in ["sub", "userId"] where claims[key] != nil { claims[key] = .string("someone-else") }
            return "\(Self.encode(.object(header))).\(Self.encode(.object(claims))).\(signature)"
        case "algNone":
            var noneHeader = header
            noneHeader["alg"] = .string("none")
            return "\(Self.encode(.object(noneHeader))).\(Self.encode(.object(payload)))."
        default:
            guard let secret else { throw TemplateError("\(filter) needs a secret: | \(filter): secretVariable") }
            var claims = payload
            if filter == "expire" {
                let now = Date().timeIntervalSince1970.rounded(.down)
                claims["iat"] = .number(now - 7200)
                claims["exp"] = .number(now - 3600)
            }
            var signedHeader = header
            signedHeader["alg"] = .string("HS256")
            let input = "\(Self.encode(.object(signedHeader))).\(Self.encode(.object(claims)))"
            let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            return input + "." + Self.base64URL(Data(mac))
        }
    }

    static func decode(_ part: String) -> JSONValue? {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).flatMap { try? JSONValue.parse($0) }
    }

    static func encode(_ value: JSONValue) -> String {
        base64URL(Data(value.jsonText.utf8))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
