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

/// The reference cases kept with the Autograd tests.
enum Fixtures {
    static var casesURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AutogradTests/Fixtures/autograd_cases.json")
    }

    static let cases: ReferenceCases = {
        do {
            return try ReferenceCases(contentsOf: casesURL)
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
