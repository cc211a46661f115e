/// Everything the simulator can be told: timing, prices, and the faults it injects.
///
/// The defaults describe a well-behaved service (every job completes within a few seconds,
/// professional mode costs more than fast), so a test only sets the knobs it is about.
/// Rates are fractions in 0...1; durations are seconds.
public struct SimulatorConfiguration: Sendable {
    /// The only key accepted in `x-api-key`.
    public var apiKey: String = "sim-key"
    /// Address to bind; answers and result URLs name it, so prefer a loopback address.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 lets the OS pick a free one (read it back from `SimulatorServer.port`).
    public var port: Int = 0
    /// Seconds added to every API answer, holding the request in flight meanwhile.
    public var latencySeconds: Double = 0
    /// Seconds from submission to the final state in fast mode.
    public var fastDuration: Double = 2.0
    /// Seconds from submission to the final state in professional mode.
    public var professionalDuration: Double = 4.0
    /// Each job's duration varies by up to plus or minus this fraction.
    public var durationJitter: Double = 0.25
    /// Credits quoted for a fast job, fixed at submission and returned in every status answer.
    public var fastCost: Int = 240
    /// Credits quoted for a professional job.
    public var professionalCost: Int = 480
    /// Fraction of API requests answered 500/502/503 (with a body) before anything happens.
    public var serverErrorRate: Double = 0
    /// Fraction of `/queue` requests that create the request, then break the connection
    /// mid-answer: the client cannot tell whether it was accepted (the ambiguous case).
    public var dropAfterAcceptRate: Double = 0
    /// Above this request rate (token bucket, burst of one second): 429 with `Retry-After`.
    public var rateLimitPerSecond: Double? = nil
    /// Above this many API requests in flight at once: 429 with `Retry-After`.
    public var concurrencyLimit: Int? = nil
    /// The raw `Retry-After` value sent with every 429 (seconds, an HTTP-date, or garbage).
    public var retryAfter: String = "1"
    /// Seconds after start when an outage begins (none when nil) ...
    public var outageAfterSeconds: Double? = nil
    /// ... and how long it lasts: every API request is answered 503 meanwhile.
    public var outageSeconds: Double = 0
    /// An outage counted in requests instead of seconds: the first N API requests are answered
    /// 503, then it ends. Tests use it because it holds whatever the machine's speed (a window
    /// counted from the start can be over before a slow machine sends its first request).
    public var outageRequests: Int = 0
    /// Fraction of 200 answers replaced by truncated JSON, an HTML page, or JSON with wrong
    /// types. A malformed `/queue` answer still creates the request (ambiguous for the client).
    public var malformedRate: Double = 0
    /// Fraction of status answers whose `status` is an undocumented value ("THROTTLED").
    public var unknownStatusRate: Double = 0
    /// Fraction of jobs that end FAILED, with an `error` text.
    public var failureRate: Double = 0
    /// Images whose URL contains this always end FAILED.
    public var failURLSubstring: String? = nil
    /// `/queue` for images whose URL contains this is refused: 402 with `refuseMessage`.
    public var refuseURLSubstring: String? = nil
    /// The message of a refusal (`{"success": false, "message": ...}`).
    public var refuseMessage: String = "insufficient credits"
    /// Whether completed jobs are announced to their `webhookUrl`.
    public var webhooksEnabled: Bool = true
    /// Seconds between a job's completion and its webhook.
    public var webhookDelaySeconds: Double = 0
    /// Fraction of webhooks delivered twice.
    public var webhookDuplicateRate: Double = 0
    /// A random extra delay of 0...x seconds per webhook, so webhooks arrive out of order.
    public var webhookShuffleSeconds: Double = 0
    /// Attempts per webhook delivery (the first one included); a non-2xx answer or a
    /// connection error is retried after a short backoff until they are used up.
    public var webhookAttempts: Int = 3
    /// Status answers never go past IN_PROGRESS for jobs that complete; only the webhook tells
    /// completion. (FAILED jobs are still reported, since they get no webhook.)
    public var holdCompletionFromStatus: Bool = false
    /// Serve HTTPS with a certificate for 127.0.0.1 and localhost made at start.
    public var tls: Bool = false
    /// Where to write the PEM of the CA that signed that certificate, for clients to trust.
    public var tlsCAOutputPath: String? = nil
    /// Deterministic randomness (durations, faults, request ids) when set.
    public var seed: UInt64? = nil

    public init() {}
}
