import Foundation

/// The directory results are kept in.
public enum OutputDirectory {
    /// Creates `path` when missing (its parent must exist: a typo should fail, not build a tree)
    /// and checks it is a writable directory. Returns its absolute, standardised path, which is
    /// what `download_path` records.
    public static func prepare(_ path: String) throws(DownloadSetupError) -> String {
        guard !path.isEmpty else { throw DownloadSetupError("the output directory is empty") }
        let absolute: String
        if path.hasPrefix("/") {
            absolute = (path as NSString).standardizingPath
        } else {
            absolute =
                ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path) as NSString)
                .standardizingPath
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DownloadSetupError("\(shown(path)) exists and is not a directory") }
        } else {
            let parent = (absolute as NSString).deletingLastPathComponent
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw DownloadSetupError("cannot create \(shown(path)): its parent directory \(shown(parent)) does not exist")
            }
            do {
                try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: false)
            } catch {
                throw DownloadSetupError("cannot create \(shown(path)): \(error.localizedDescription)")
            }
        }
        guard access(absolute, W_OK | X_OK) == 0 else {
            throw DownloadSetupError("cannot write into \(shown(path)): \(String(cString: strerror(errno)))")
        }
        return absolute
    }

    /// A path as a message shows it: invisible characters escaped.
    private static func shown(_ path: String) -> String { TextEscaping.visible(path) }
}
