import ArgumentParser
import Autograd
import Conformance
import Foundation

/// `kernel-check [PLUGIN.so | MANIFEST.json]...`: the conformance battery over
/// built-in ops or the ops of the given plugins, one row per op and check.
@main
struct KernelCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel-check",
        abstract: "Check that kernels are right: forward, gradients, layouts, special values, threads, crashes.",
        discussion: """
            With no argument, checks every built-in op and every plugin shipped in \
            Plugins/. With plugin files (a shared object or a sidecar manifest), checks \
            the ops they declare. Each op runs in \
            a child process unless --no-isolate is given. Exits with status 0 only when \
            no check failed.
            """)

    @Argument(help: "Plugins to load and check: shared objects or sidecar JSON manifests.")
    var plugins: [String] = []

    @OptionGroup var selection: SelectionOptions
    @OptionGroup var report: ReportOptions

    /// Set when the tool re-executes itself to check one op in a child process.
    @Option(help: .hidden)
    var childOp: String?

    /// Set when the tool re-executes itself to load the plugins in a child process first.
    @Flag(help: .hidden)
    var childLoad = false

    func run() throws {
        let registry = OpRegistry.shared
        var loadRows: [CheckResult] = []
        var pluginOps: [String] = []
        if childLoad {
            throw ExitCode(IsolatedLoad.runChild { for path in plugins { _ = try PluginLoading.load(path, into: registry) } })
        }
        var paths = plugins.isEmpty && childOp == nil ? try ShippedPlugins.paths() : plugins
        if !selection.noIsolate && childOp == nil {
            // A library constructor or manifest function can crash, hang or exit: try each in a child first.
            paths = paths.filter { path in
                let failure = IsolatedLoad.run(path: path, executable: "/proc/self/exe", arguments: [path, "--child-load"],
                                               timeout: selection.loadTimeout)
                if let failure { loadRows.append(failure) }
                return failure == nil
            }
        }
        for path in paths {
            do {
                pluginOps += try PluginLoading.load(path, into: registry)
            } catch {
                // A manifest that is malformed or names a missing symbol is the plugin's declaration failing.
                loadRows.append(CheckResult(op: path, check: .declaration, dtype: nil, status: .fail, message: "\(error)"))
            }
        }
        var configuration = try selection.configuration()
        if selection.noIsolate && childOp == nil {
            // A row per op that says crash isolation was not checked.
            configuration.checks.insert(.crashIsolation)
        }
        if let childOp {
            let status = IsolatedCheck.runChild(KernelCheck(op: childOp, registry: registry, configuration: configuration))
            throw ExitCode(status)
        }

        // An op declared by two files (a library and its sidecar) is checked once.
        var seen = Set<String>()
        pluginOps = pluginOps.filter { seen.insert($0).inserted }
        var result = ConformanceReport(results: loadRows)
        let (ops, missing) = selection.ops(available: plugins.isEmpty ? registry.opNames : pluginOps, registry: registry)
        if !missing.isEmpty {
            // With a plugin that failed to load, its own error (above) says why the op is missing.
            guard !loadRows.isEmpty else {
                throw ValidationError("--op \(missing[0]): no such op; registered ops: \(registry.opNames.joined(separator: ", "))")
            }
            result.results += missing.map {
                CheckResult(op: $0, check: .declaration, dtype: nil, status: .fail,
                            message: "not registered: \(loadRows.count == 1 ? "a plugin" : "plugins") failed to load")
            }
        }
        // With no --op, every op the cases name is accounted for: unregistered ones as skipped rows.
        if selection.ops.isEmpty, let cases = configuration.cases {
            result.results += KernelCheck.unregisteredCaseRows(cases, registry: registry)
        }
        let progress = ProgressIndicator(total: ops.count)
        if selection.noIsolate {
            for (index, op) in ops.enumerated() {
                progress.show(op: op, index: index, detail: "starting")
                result.append(try KernelCheck(op: op, registry: registry, configuration: configuration).run { event in
                    if case .started(let check, let dtype) = event {
                        progress.show(op: op, index: index, detail: check.rawValue + (dtype.map { " (\($0))" } ?? ""))
                    }
                })
            }
        } else {
            let arguments = paths + selection.childArguments
            let rows = ChildRuns(ops: ops, jobs: selection.jobs).run { index, op in
                progress.show(op: op, index: index, detail: "checking")
                return IsolatedCheck.run(op: op, executable: "/proc/self/exe", arguments: arguments + ["--child-op", op],
                                         timeout: selection.timeout)
            }
            result.results += rows.flatMap { $0 }
        }
        progress.finish()
        try report.write(result)
        if !result.failures.isEmpty { throw ExitCode.failure }
    }
}
