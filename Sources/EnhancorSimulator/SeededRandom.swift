/// SplitMix64: a tiny, fast generator, so a configured seed replays the same faults.
///
/// Not cryptographic; it decides durations, faults and id suffixes only.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `rate` (clamped to 0...1); draws nothing when the rate is 0 or 1,
    /// so enabling one fault does not shift the others' sequence more than needed.
    mutating func chance(_ rate: Double) -> Bool {
        if rate <= 0 { return false }
        if rate >= 1 { return true }
        return Double.random(in: 0..<1, using: &self) < rate
    }
}
