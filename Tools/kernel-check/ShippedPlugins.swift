import Foundation

/// The plugins in the package's `Plugins/` folder that a run with no argument checks
/// besides the built-in ops. (OpenBLAS's binding is loaded by the library itself
/// when OpenBLAS is installed, and checked through the `matmul` op it speeds up.)
enum ShippedPlugins {
    /// The package root (this file is `Tools/kernel-check/ShippedPlugins.swift`).
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The Activations plugin: the dynamic library SwiftPM builds next to this
    /// executable (`swift build`, `swift test`), or, when only this tool was built
    /// (`swift run kernel-check`), compiled from the package's sources with the system
    /// C compiler; then the sidecar manifests of `Plugins/Bindings`, which bind
    /// libm's and OpenBLAS's functions with no C of their own (OpenBLAS's where it is
    /// installed: like the library's own binding, it is optional).
    static func paths() throws -> [String] {
        let name = "libAutogradActivations.so"
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().appendingPathComponent(name)
        let activations = FileManager.default.fileExists(atPath: beside.path)
            ? beside.path : try compileActivations(into: executable.deletingLastPathComponent(), name: name)
        let bindings = root.appendingPathComponent("Plugins/Bindings")
        let sidecars = try FileManager.default.contentsOfDirectory(atPath: bindings.path)
            .filter { $0.hasSuffix(".json") && ($0 != "openblas-level1.json" || openBLASIsInstalled) }.sorted()
            .map { bindings.appendingPathComponent($0).path }
        return [activations] + sidecars
    }

    private static func compileActivations(into directory: URL, name: String) throws -> String {
        let plugin = root.appendingPathComponent("Plugins/Activations")
        let sources = try FileManager.default.contentsOfDirectory(atPath: plugin.path)
            .filter { $0.hasSuffix(".c") }.sorted().map { plugin.appendingPathComponent($0).path }
        let output = directory.appendingPathComponent(name)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-O2", "-shared", "-fPIC", "-o", output.path,
                        "-I", plugin.appendingPathComponent("include").path,
                        "-I", root.appendingPathComponent("Sources/CAutogradPlugin/include").path] + sources + ["-lm"]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else {
            throw CompileError(description: "could not compile the Activations plugin from \(plugin.path) (cc exited with \(cc.terminationStatus))")
        }
        return output.path
    }

    struct CompileError: Error, CustomStringConvertible {
        let description: String
    }
}

/// Whether the dynamic loader finds OpenBLAS (Debian: libopenblas0).
private let openBLASIsInstalled: Bool = {
    guard let handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL) else { return false }
    dlclose(handle)
    return true
}()
