/// What the unsubmitted jobs are expected to cost, per mode (`estimate`, `run --max-spend`).
public struct CostEstimate: Sendable, Equatable {
    /// One entry per mode, in `Mode.allCases` order, even when a mode has no jobs.
    public var modes: [ModeEstimate]

    public init(modes: [ModeEstimate]) { self.modes = modes }

    /// Unsubmitted jobs in scope, all modes.
    public var pending: Int { modes.reduce(0) { $0 + $1.pending } }

    /// The sum of the modes' expected costs; modes without history add nothing, so this is a
    /// lower bound unless `isComplete`.
    public var expectedCost: Int64 { modes.reduce(0) { $0 + ($1.expectedCost ?? 0) } }

    /// Pending jobs whose mode has no history: not in `expectedCost`.
    public var unestimatedJobs: Int { modes.filter(\.lacksHistory).reduce(0) { $0 + $1.pending } }

    /// True when every pending job could be estimated.
    public var isComplete: Bool { unestimatedJobs == 0 }

    /// The estimate for `mode`.
    public subscript(mode: Mode) -> ModeEstimate? { modes.first { $0.mode == mode } }
}
