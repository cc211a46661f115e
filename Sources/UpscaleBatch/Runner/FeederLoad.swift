/// The pool's occupancy and the feeder's sleep: who holds a slot, how many requests are out,
/// and whether the feeder sleeps (so that an answer, a commit or a stop wakes it, and a wake-up
/// that comes while it decides is not lost).
///
/// Changed by the feeder (takes and sleeps) and by whoever ends a request or wakes it.
struct FeederLoad: Sendable {
    /// Slots the feeder took for work not finished yet (from choosing it to its answer): while
    /// one is held the run cannot be over.
    private(set) var held = 0
    /// API requests in flight.
    private(set) var requests = 0
    /// The feeder sleeps on its wake-up semaphore.
    private(set) var sleeping = false
    /// A wake-up came since the feeder last looked for work.
    private var woken = false
    /// How many times the feeder has looked for work: the monitor, which reads the store
    /// between two looks at the pool, knows from it whether the feeder did anything meanwhile.
    private(set) var looks = 0

    /// The feeder took a slot and looks for work: wake-ups from now on count.
    mutating func looking() {
        held += 1
        looks &+= 1
        woken = false
    }

    /// The slot was given back without a request (nothing to do, or a stop).
    mutating func released() { held -= 1 }

    /// A request started; returns how many are in flight now.
    mutating func requestStarted() -> Int {
        requests += 1
        return requests
    }

    /// A request's answer is handled: its slot is free.
    mutating func requestEnded() {
        requests -= 1
        held -= 1
    }

    /// The feeder is about to sleep; false when a wake-up came in the meantime (do not sleep).
    mutating func sleep() -> Bool {
        if woken { return false }
        sleeping = true
        return true
    }

    mutating func awake() { sleeping = false }

    /// Something may have made work: true when the feeder sleeps and must be signalled.
    mutating func wake() -> Bool {
        woken = true
        return sleeping
    }
}
