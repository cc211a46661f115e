/// The simulator could not start listening, with a message fit for a user.
public struct SimulatorStartError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
