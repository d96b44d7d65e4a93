import Foundation

/// Fresh places in the system's temporary directory: a new name per call, so that
/// tests running in parallel never share one.
public enum TemporaryFiles {
    /// A path no file has yet, ending in `name` (`optimizer-state-<UUID>-adam.safetensors`).
    public static func url(_ prefix: String, _ name: String = "") -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)" + (name.isEmpty ? "" : "-\(name)"))
    }

    /// A new, empty directory.
    public static func directory(_ prefix: String) throws -> URL {
        let directory = url(prefix)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Writes `text` to `name` in `directory` (a new one by default) and returns the file's path.
    @discardableResult
    public static func write(_ text: String, to name: String, in directory: String? = nil) throws -> String {
        let folder = try directory ?? self.directory("autograd-tests").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
