import Foundation

/// A duration as fractional seconds, for reports and timings.
extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
