import Foundation

/// The system C compiler, for what the tests build at run time: plugins as their
/// authors would build them, and small C drivers.
public enum CCompiler {
    /// `cc` exited with an error.
    public struct Failure: Error, CustomStringConvertible {
        /// cc's exit status.
        public var status: Int32
        /// What it printed.
        public var diagnostics: String
        public var description: String { "cc failed (status \(status)): \(diagnostics)" }
    }

    /// Runs `cc` with `arguments`.
    ///
    /// - Throws: `Failure` with cc's diagnostics when it fails.
    public static func run(_ arguments: [String]) throws {
        let cc = try ToolRun.run("/usr/bin/env", ["cc"] + arguments)
        guard cc.status == 0 else { throw Failure(status: cc.status, diagnostics: cc.standardError + cc.standardOutput) }
    }

    /// Compiles C source files into the plugin `lib<name>.so` in `directory`, as a plugin
    /// author would (`cc -O2 -shared -fPIC -Wall -Werror`, the plugin header on the
    /// include path), and returns its path.
    public static func plugin(sources: [String], name: String, in directory: URL) throws -> String {
        let library = directory.appendingPathComponent("lib\(name).so").path
        try run(["-O2", "-shared", "-fPIC", "-Wall", "-Werror", "-I", PackagePaths.pluginHeaders, "-o", library] + sources + ["-lm"])
        return library
    }

    /// Compiles one C source text into a plugin in a new temporary directory and returns its path.
    public static func plugin(source: String, name: String) throws -> String {
        let directory = try TemporaryFiles.directory("autograd-plugin")
        let path = try TemporaryFiles.write(source, to: "\(name).c", in: directory.path)
        return try plugin(sources: [path], name: name, in: directory)
    }
}
