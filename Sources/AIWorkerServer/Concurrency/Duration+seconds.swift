/// A duration as fractional seconds, for rates, deadlines and logs.
extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
