/// What `limits` does to one store-wide limit: leaves it, clears it (`none`), or sets it.
///
/// Each limit changes on its own (`limits --concurrency N` leaves the rate as it was), so a change
/// names both and the store applies it in one transaction: two hosts changing one limit each at
/// the same moment keep both changes.
public enum LimitChange<Value: Sendable & Equatable>: Sendable, Equatable {
    case keep
    case clear
    case set(Value)
}
