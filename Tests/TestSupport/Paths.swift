import Foundation

/// The package's files, found from this file's path: the tests run from the source tree.
public enum PackagePaths {
    /// The package root (this file is `Tests/TestSupport/Paths.swift`).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file or folder of the package, by its path from the root.
    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// The header C plugin authors include (`autograd_plugin.h`).
    public static var pluginHeaders: String { url("Sources/CAutogradPlugin/include").path }
}

/// The fixtures kept beside the tests (`Tests/<target>/Fixtures`), read in place.
public enum Fixtures {
    /// `Tests/<target>/Fixtures/<name>`.
    public static func url(_ name: String, in target: String) -> URL {
        PackagePaths.url("Tests/\(target)/Fixtures/\(name)")
    }
}

/// What the build put beside the running test bundle: SwiftPM puts every product of
/// the package (kernel-check, broken-ops-host, distributed-checks, plugin libraries) there.
public enum BuildProducts {
    /// The directory of the running executable.
    public static var directory: URL {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent()
    }

    /// The product `name` (an executable, `libX.so`) beside the running executable.
    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
