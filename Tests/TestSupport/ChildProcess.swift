import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`, for tests that run the
/// built binary, the nightly script or a separate simulator.
///
/// Why not Foundation's `Process`: its exit is noticed by a monitor of its own, and waiting for it
/// (`waitUntilExit`) blocks a thread; with two cores, two such waits starve Swift's cooperative
/// pool that the in-process simulators need, and a missed exit hangs the suite for ever. Here
/// waiting is a loop of `waitpid(WNOHANG)` and `Task.sleep`, bounded by a deadline, so it
/// never blocks a thread and never waits without end.
///
/// The child starts as cron or a shell would start it: no signal blocked and every signal at
/// its default action. (Threads of the test runner block most signals, and a spawned child
/// inherits both the mask and ignored dispositions, which made a bash `trap` never run.)
public final class ChildProcess: Sendable {
    /// What the child reads on standard input.
    public enum Input: Sendable {
        case null
        /// These bytes, from a temporary file (so writing them can never block the test).
        case bytes(String)
        /// An existing file.
        case file(String)
        /// A pipe whose writing end is `inputWriter`: the child reads what the test writes, and
        /// waits while the test writes nothing (a slow pipe).
        case pipe
    }

    public let processIdentifier: pid_t
    /// With `.pipe` input: the pipe's writing end (close it to end the child's input).
    public let inputWriter: FileHandle?
    private let status = Mutex<Int32?>(nil)
    private let inputFile: String?

    private init(pid: pid_t, inputFile: String?, inputWriter: FileHandle?) {
        processIdentifier = pid
        self.inputFile = inputFile
        self.inputWriter = inputWriter
    }

    /// Starts `executable` with `arguments`. Standard output and error go to the given files
    /// (created or truncated), or to /dev/null when nil.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String? = nil,
        input: Input = .null, stdoutPath: String? = nil, stderrPath: String? = nil
    ) throws -> ChildProcess {
        var inputPath = "/dev/null"
        var inputFile: String?
        var pipeEnds: [Int32] = [-1, -1]
        switch input {
        case .null: break
        case .file(let path): inputPath = path
        case .pipe:
            // Close-on-exec on both ends (every spawn here also closes descriptors from 3 up).
            guard pipe(&pipeEnds) == 0 else {
                throw ChildProcessError.cannotStart(executable, "pipe: \(String(cString: strerror(errno)))")
            }
            for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        case .bytes(let text):
            let path = NSTemporaryDirectory() + "child-input-\(UUID().uuidString)"
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            inputPath = path
            inputFile = path
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if pipeEnds[0] >= 0 {
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Only 0, 1 and 2 reach the child: a descriptor of the test process (a flock'd file, a
        // listening socket) held open by a child would outlive its close here.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let directory {
            guard let addChdir = Self.addChdir else { throw ChildProcessError.cannotStart(executable, "no posix_spawn chdir") }
            _ = addChdir(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                posix_spawn(
                    &pid, executable, &actions, &attributes, UnsafeMutablePointer(mutating: argvBuffer.baseAddress!),
                    UnsafeMutablePointer(mutating: envpBuffer.baseAddress!))
            }
        }
        if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
        guard result == 0 else {
            if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
            if let inputFile { try? FileManager.default.removeItem(atPath: inputFile) }
            throw ChildProcessError.cannotStart(executable, String(cString: strerror(result)))
        }
        let writer = pipeEnds[1] >= 0 ? FileHandle(fileDescriptor: pipeEnds[1], closeOnDealloc: true) : nil
        return ChildProcess(pid: pid, inputFile: inputFile, inputWriter: writer)
    }

    /// The exit code once it has ended (128 + the signal for a process killed by one), else nil.
    public var exitCode: Int32? {
        status.withLock { cached in
            if let cached { return cached }
            var raw: Int32 = 0
            let reaped = waitpid(processIdentifier, &raw, WNOHANG)
            guard reaped == processIdentifier else { return nil }
            let code = Self.code(from: raw)
            cached = code
            if let inputFile { try? FileManager.default.removeItem(atPath: inputFile) }
            return code
        }
    }

    public var isRunning: Bool { exitCode == nil }

    /// Sends `signo`, unless the process has already been reaped (its pid may be reused).
    public func signal(_ signo: Int32) {
        status.withLock { cached in
            if cached == nil { _ = kill(processIdentifier, signo) }
        }
    }

    /// Waits for the exit without blocking a thread. After `timeout` seconds the process is
    /// killed (SIGKILL) and reaped, and `ChildProcessError.timedOut` says so: the caller's test
    /// fails with a message instead of hanging the suite.
    @discardableResult
    public func wait(timeout: Double) async throws -> Int32 {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if let code = exitCode { return code }
            try? await Task.sleep(for: .milliseconds(10))
        }
        if let code = exitCode { return code }
        signal(SIGKILL)
        let reapDeadline = ContinuousClock.now + .seconds(10)
        while exitCode == nil && ContinuousClock.now < reapDeadline { try? await Task.sleep(for: .milliseconds(10)) }
        throw ChildProcessError.timedOut(pid: processIdentifier, seconds: timeout)
    }

    /// Waits blocking the calling thread, polling every 10 ms, for set-up code that cannot be
    /// async (a test trait's condition); nil when it still runs after `timeout` (then killed).
    /// Never call it from a task: it would hold a thread of the cooperative pool.
    public func waitBlocking(timeout: Double) -> Int32? {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if let code = exitCode { return code }
            usleep(10_000)
        }
        signal(SIGKILL)
        return nil
    }

    /// Waits like `wait(timeout:)`, but answers a timeout with the exit code of the kill
    /// (137) instead of throwing, for callers that check the code themselves.
    public func waitOrKill(timeout: Double) async -> Int32 {
        do { return try await wait(timeout: timeout) } catch { return exitCode ?? 128 + SIGKILL }
    }

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which Swift's Glibc module does
    /// not export: looked up once by name.
    private typealias AddChdir =
        @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?
        ) -> Int32
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: AddChdir.self)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), likewise.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }

    private static func code(from raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        if signal == 0 { return (raw >> 8) & 0xFF }
        return 128 + signal
    }
}

public enum ChildProcessError: Error, CustomStringConvertible {
    case cannotStart(String, String)
    case timedOut(pid: pid_t, seconds: Double)

    public var description: String {
        switch self {
        case .cannotStart(let executable, let reason): "cannot start \(executable): \(reason)"
        case .timedOut(let pid, let seconds): "process \(pid) was still running after \(seconds) s and was killed"
        }
    }
}
