import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who is running: recorded when a run starts, so a submission claim can tell a live run's
/// claim (never taken over) from a dead one's (taken over by the next run).
public struct RunIdentity: Sendable, Equatable {
    public var runID: String
    public var pid: Int32
    public var processStart: String?
    public var host: String
    /// How long the run's claims hold after its last heartbeat (`--lease`, seconds): on a
    /// shared store another runner takes them over once the database's clock says it passed.
    public var lease: Double

    /// The lease when the run names none (cli.md: 30 s, renewed every lease/3).
    public static let defaultLease = 30.0

    public init(
        runID: String, pid: Int32 = getpid(), host: String = RunIdentity.localHost, lease: Double = RunIdentity.defaultLease
    ) {
        self.runID = runID
        self.pid = pid
        self.processStart = Self.processStart(of: pid)
        self.host = host
        self.lease = lease
    }

    /// The lease in milliseconds, as the stores keep it.
    var leaseMillis: Int64 { Int64((lease * 1000).rounded()) }

    /// Whether process `pid`, started at `start` (nil: unknown), is still running.
    static func isAlive(pid: Int32, start: String?) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let start, let now = processStart(of: pid) else { return true }
        return now == start
    }

    /// The boot id and the start time (clock ticks since boot) of process `pid`, from /proc:
    /// together they name one process, where a pid alone may be reused. nil where /proc is absent.
    static func processStart(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3, starttime 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return boot.trimmingCharacters(in: .whitespacesAndNewlines) + ":" + fields[19]
    }

    /// This machine's name as `gethostname` gives it (no DNS lookup, which may hang).
    public static var localHost: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
