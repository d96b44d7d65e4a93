import Conformance
import Foundation

/// Where the test executable and its sibling build products live.
enum BuildProducts {
    /// The directory holding this test bundle: SwiftPM puts every product of the
    /// build (kernel-check, broken-ops-host) next to it.
    static var directory: URL {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent()
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// The reference cases kept with the Autograd tests: format 1 and format 2.
enum Fixtures {
    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AutogradTests/Fixtures/\(name)")
    }

    static var casesURL: URL { url("autograd_cases.json") }
    static var ops2URL: URL { url("ops2_cases.json") }

    /// Both files' first-order cases.
    static let cases: ReferenceCases = {
        do {
            var cases = try ReferenceCases(contentsOf: casesURL)
            cases.append(try ReferenceCases(contentsOf: ops2URL))
            return cases
        } catch {
            fatalError("\(error)")
        }
    }()
}

/// A finished child process.
struct ToolRun {
    var status: Int32
    var standardOutput: String
    var standardError: String

    /// Runs `executable` with `arguments` to completion.
    static func run(_ executable: String, _ arguments: [String]) throws -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolRun(status: process.terminationStatus, standardOutput: String(decoding: output, as: UTF8.self),
                       standardError: String(decoding: error, as: UTF8.self))
    }
}
