import Foundation

/// Finds the API key: `ENHANCOR_API_KEY`, or `ENHANCOR_API_KEY_FILE` naming a file that holds
/// it. Never a flag (it would show in `ps`). The key is never printed or stored.
enum APIKey {
    enum Problem: Error, CustomStringConvertible {
        case missing
        case both
        case unreadable(path: String, reason: String)
        case empty(path: String)
        case tooOpen(path: String, mode: Int)

        var description: String {
            switch self {
            case .missing:
                "no API key: set ENHANCOR_API_KEY, or ENHANCOR_API_KEY_FILE to a file that holds it (try `upscale-batch demo` without one)"
            case .both:
                "both ENHANCOR_API_KEY and ENHANCOR_API_KEY_FILE are set: keep one"
            case .unreadable(let path, let reason):
                "cannot read the key file \(path) (ENHANCOR_API_KEY_FILE): \(reason)"
            case .empty(let path):
                "the key file \(path) (ENHANCOR_API_KEY_FILE) is empty"
            case .tooOpen(let path, let mode):
                "the key file \(path) is readable by others (mode \(String(mode, radix: 8))): run `chmod 600 \(path)`"
            }
        }
    }

    /// The key from the environment, or why there is none.
    static func resolve(_ environment: [String: String]) throws(Problem) -> String {
        let direct = environment["ENHANCOR_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let file = environment["ENHANCOR_API_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        switch (direct, file) {
        case (.some, .some): throw .both
        case (.some(let key), nil): return key
        case (nil, .some(let path)): return try read(path)
        case (nil, nil): throw .missing
        }
    }

    /// Reads a key file, refusing one that group or others can read (as ssh does).
    static func read(_ path: String) throws(Problem) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = Int(info.st_mode) & 0o777
        if mode & 0o077 != 0 { throw .tooOpen(path: path, mode: mode) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied")
        }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if key.isEmpty { throw .empty(path: path) }
        return key
    }
}
