import Synchronization
import UpscaleBatch

/// `list`'s output as the store streams jobs into it: the renderer and the buffered standard
/// output behind one lock, because the store may call from any thread (one at a time, in order).
final class JobListing: Sendable {
    private let state: Mutex<(renderer: JobListRenderer, output: StandardOutput)>

    init(format: OutputFormat) {
        let renderer = JobListRenderer(format: format)
        var output = StandardOutput()
        renderer.begin(into: &output)
        state = Mutex((renderer, output))
    }

    /// One job's line, row or object.
    func write(_ job: Job) {
        state.withLock { $0.renderer.write(job, into: &$0.output) }
    }

    /// Closes the listing (a JSON array's bracket) and flushes what is buffered.
    func end() {
        state.withLock { state in
            state.renderer.end(into: &state.output)
            state.output.flush()
        }
    }
}
