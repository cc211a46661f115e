import Foundation

/// Where the build put `upscale-batch` and the package root: the one place tests look.
public enum BuiltBinary {
    /// The package's root, found from this file's path (Tests/TestSupport/BuiltBinary.swift).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The debug binary `swift build` / `swift test` leaves beside the test bundle, else the
    /// package's `.build/debug/upscale-batch`.
    public static let path: String = {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("upscale-batch").path,
            Bundle.main.bundleURL.appendingPathComponent("upscale-batch").path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "upscale-batch"
            ).path,
            packageRoot + "/.build/debug/upscale-batch",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[3]
    }()
}
