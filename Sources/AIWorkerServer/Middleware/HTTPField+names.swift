import HTTPTypes

/// Header names the API uses that HTTPTypes does not define.
extension HTTPField.Name {
    static let xAPIKey = Self("X-API-Key")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let link = Self("Link")!
    static let xRequestID = Self("X-Request-Id")!
    static let xRateLimitLimit = Self("X-RateLimit-Limit")!
    static let xRateLimitRemaining = Self("X-RateLimit-Remaining")!
    static let xRateLimitReset = Self("X-RateLimit-Reset")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
