import Foundation
import Testing
@testable import Autograd

/// Where the package's files and the built plugins are.
enum Paths {
    /// The package root, from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// SwiftPM puts dynamic library products beside the test executable.
    static let buildDirectory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()

    static let activations = buildDirectory + "/libAutogradActivations.so"
    static let openBLASManifest = packageRoot + "/Plugins/OpenBLAS/openblas.json"
    static let pluginHeaders = packageRoot + "/Sources/CAutogradPlugin/include"
}

/// Checks every element of `actual` against `expected`, within `tolerance` of
/// each (absolute plus relative), reporting the first index that differs.
func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Double,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "shapes \(actual.shape) and \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let (a, e) = (actual.scalars, expected.scalars)
    for i in a.indices where !(abs(a[i] - e[i]) <= tolerance * (1 + abs(e[i]))) {
        Issue.record("element \(i): got \(a[i]), expected \(e[i]) (tolerance \(tolerance))", sourceLocation: sourceLocation)
        return
    }
}

/// Central finite differences of `f(x)` with respect to every element of a float64 `x`.
func numericGradient(of f: (Tensor) throws -> Double, at x: Tensor, step: Double = 1e-6) rethrows -> Tensor {
    precondition(x.dtype == .float64)
    let base = x.scalars
    var grad = [Double](repeating: 0, count: base.count)
    for i in base.indices {
        var plus = base, minus = base
        plus[i] += step
        minus[i] -= step
        let fPlus = try f(Tensor(shape: x.shape, scalars: plus, dtype: .float64))
        let fMinus = try f(Tensor(shape: x.shape, scalars: minus, dtype: .float64))
        grad[i] = (fPlus - fMinus) / (2 * step)
    }
    return Tensor(shape: x.shape, scalars: grad, dtype: .float64)
}

/// Compiles C source into a shared object in a fresh temporary directory, as a
/// plugin author would: `cc -O2 -shared -fPIC`.
func compilePlugin(_ source: String, name: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("autograd-plugin-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let sourcePath = directory + "/\(name).c", library = directory + "/lib\(name).so"
    try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
    let cc = Process()
    cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    cc.arguments = ["cc", "-O2", "-shared", "-fPIC", "-Wall", "-Werror", "-I", Paths.pluginHeaders,
                    "-o", library, sourcePath, "-lm"]
    try cc.run()
    cc.waitUntilExit()
    guard cc.terminationStatus == 0 else { throw CompileError(status: cc.terminationStatus) }
    return library
}

struct CompileError: Error { let status: Int32 }

/// Writes `text` to `name` in a fresh temporary directory and returns its path.
func writeTemporaryFile(_ name: String, _ text: String, in directory: String? = nil) throws -> String {
    let dir = directory ?? FileManager.default.temporaryDirectory
        .appendingPathComponent("autograd-plugin-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
