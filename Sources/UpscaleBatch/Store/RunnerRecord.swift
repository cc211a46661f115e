import Foundation

/// A live runner of the store, as `status` lists it (JSON `runners`): which process on which
/// host, since when, when its lease was last renewed, and how many requests it had in flight
/// then. On PostgreSQL every `run` with an unexpired lease; on SQLite the one run holding the
/// store's run lock.
public struct RunnerRecord: Sendable, Equatable {
    public var id: String
    public var host: String
    public var pid: Int64
    /// ISO-8601 UTC, as the store wrote it.
    public var startedAt: String
    /// ISO-8601 UTC: the last renewal of its lease (its start before the first).
    public var lastSeen: String
    public var inFlight: Int

    public init(id: String, host: String, pid: Int64, startedAt: String, lastSeen: String, inFlight: Int) {
        self.id = id
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.lastSeen = lastSeen
        self.inFlight = inFlight
    }
}

/// What a run's heartbeat (`JobStore.renewRun`) learnt.
public struct RunRenewal: Sendable, Equatable {
    /// The store still holds the run as running. False once another runner has ended it (its
    /// lease lapsed long ago): its scope is gone, so the run must stop.
    public var registered: Bool
    /// The ids of the live runners, this one included: a runner that vanished from this list
    /// left work (claims, reserved jobs) that the others now take over.
    public var liveRunners: Set<String>
    /// The run's part of the store-wide limits until its next heartbeat.
    public var grant: LimitGrant
    /// The parts of the store-wide limits are still moving for this run: it holds less than
    /// its fair part (others have yet to give back) or more than its grant (it gives back as
    /// its requests end). The heartbeat then beats again soon, so parts move in a fraction of
    /// a second instead of a lease/3 per step (`JobRunner.nextBeat`).
    public var settling: Bool

    public init(registered: Bool, liveRunners: Set<String>, grant: LimitGrant = LimitGrant(), settling: Bool = false) {
        self.registered = registered
        self.liveRunners = liveRunners
        self.grant = grant
        self.settling = settling
    }
}
