import Foundation
import UpscaleBatch

/// Finds the API key: `ENHANCOR_API_KEY`, or `ENHANCOR_API_KEY_FILE` naming a file that holds
/// it. Never a flag (it would show in `ps`). The key is never printed or stored.
///
/// The rules: the key is printable ASCII without spaces. A key file may start with a
/// UTF-8 BOM (editors on Windows write one) and end with one LF or CRLF: both are dropped.
/// Nothing else is trimmed, so a second line or a stray space is an error that names the
/// variable and the position, never the key.
enum APIKey {
    /// A key file is one short line; anything bigger is not a key file.
    static let maxFileBytes = 64 * 1024

    enum Problem: Error, CustomStringConvertible {
        case missing
        case both
        case unreadable(path: String, reason: String)
        case empty(path: String)
        case tooOpen(path: String, mode: Int)
        case notAFile(path: String, kind: String)
        case tooLarge(path: String)
        case invalid(variable: String, path: String?, violation: APIKeyRule.Violation)

        var description: String {
            switch self {
            case .missing:
                "no API key: set ENHANCOR_API_KEY, or ENHANCOR_API_KEY_FILE to a file that holds it (try `upscale-batch demo` without one)"
            case .both:
                "both ENHANCOR_API_KEY and ENHANCOR_API_KEY_FILE are set: keep one"
            case .unreadable(let path, let reason):
                "cannot read the key file \(shown(path)) (ENHANCOR_API_KEY_FILE): \(reason)"
            case .empty(let path):
                "the key file \(shown(path)) (ENHANCOR_API_KEY_FILE) is empty"
            case .tooOpen(let path, let mode):
                "the key file \(shown(path)) is readable by others (mode \(String(mode, radix: 8))): run `chmod 600 \(shown(path))`"
            case .notAFile(let path, let kind):
                "ENHANCOR_API_KEY_FILE names \(kind) (\(shown(path))), not a file holding the key"
            case .tooLarge(let path):
                "the key file \(shown(path)) (ENHANCOR_API_KEY_FILE) is over 64 KiB: it should hold the key alone"
            case .invalid(let variable, let path, let violation):
                (path.map { "the key file \(shown($0)) (\(variable))" } ?? variable)
                    + " holds \(violation): an API key is printable ASCII without spaces"
                    + (path == nil ? "" : " on one line (a BOM at its start and a line break at its end are allowed)")
            }
        }

        private func shown(_ path: String) -> String { TextEscaping.visible(path) }
    }

    /// The key from the environment, or why there is none.
    static func resolve(_ environment: [String: String]) throws(Problem) -> String {
        let direct = environment["ENHANCOR_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let file = environment["ENHANCOR_API_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        switch (direct, file) {
        case (.some, .some): throw .both
        case (.some(let key), nil):
            if let violation = APIKeyRule.firstViolation(in: key.utf8) {
                throw .invalid(variable: "ENHANCOR_API_KEY", path: nil, violation: violation)
            }
            return key
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
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO: break  // a FIFO: `ENHANCOR_API_KEY_FILE=<(pass show enhancor)`
        case S_IFDIR: throw .notAFile(path: path, kind: "a directory")
        default: throw .notAFile(path: path, kind: "a device or socket")
        }
        let mode = Int(info.st_mode) & 0o777
        if mode & 0o077 != 0 { throw .tooOpen(path: path, mode: mode) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, reason: "permission denied")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
        } catch {
            throw .unreadable(path: path, reason: "read failed")
        }
        if data.count > maxFileBytes { throw .tooLarge(path: path) }
        let key = keyBytes(of: data)
        if key.allSatisfy({ $0 == 0x20 || (0x09...0x0D).contains($0) }) { throw .empty(path: path) }
        if let violation = APIKeyRule.firstViolation(in: key) {
            throw .invalid(variable: "ENHANCOR_API_KEY_FILE", path: path, violation: violation)
        }
        return String(decoding: key, as: UTF8.self)
    }

    /// The file's bytes without a leading UTF-8 BOM and one trailing LF or CRLF.
    static func keyBytes(of data: Data) -> ArraySlice<UInt8> {
        var bytes = ArraySlice(data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.last == 0x0A {
            bytes = bytes.dropLast()
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
        }
        return bytes
    }
}
