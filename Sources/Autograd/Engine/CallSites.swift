#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CAutogradRuntime
import Runtime

/// Where in the user's code each node's op was called, so errors raised in
/// backward can name it: "MulBackward0 (op mul, called at Model.swift:42)".
///
/// Operators (`a * b`) cannot take `#fileID` and `#line` arguments, so a node
/// keeps a 32-bit identifier of its call stack instead. Recording it walks a
/// few frame pointers and looks the stack's hash up in a small per-thread cache;
/// a stack never seen before (once per call site and path) is interned with a
/// full backtrace, which is symbolicated only when an error needs it.
enum CallSites {
    /// Frames hashed per call: enough to climb out of the library's own frames
    /// in a debug build, where nothing is inlined (about ten), and a few of the
    /// caller's, so one line reached along different paths stays told apart.
    private static let depth = 16
    /// Distinct call stacks kept at most; past that, new ones are unknown (0).
    private static let capacity = 1 << 16

    private struct Table {
        var ids: [UInt64: UInt32] = [:]
        var backtraces: [Backtrace] = []
    }

    private static let table = Locked(Table())

    /// Whether nodes record call sites: on unless `AUTOGRAD_CALL_SITES=0`
    /// (for measuring what recording costs; errors then name no call site).
    ///
    /// Off under Valgrind, whose preloaded libraries it recognises: the Swift
    /// runtime's image map reads the mappings Valgrind lists for itself and
    /// faults there, so a program profiled or checked with Valgrind would crash.
    static let isEnabled: Bool = {
        if let preload = getenv("LD_PRELOAD"), String(cString: preload).contains("vgpreload") { return false }
        guard let value = getenv("AUTOGRAD_CALL_SITES") else { return true }
        return String(cString: value) != "0"
    }()

    /// The identifier of the calling code's stack; 0 when it cannot be had.
    static func current() -> UInt32 {
        withUnsafeTemporaryAllocation(of: UInt.self, capacity: depth) { frames -> UInt32 in
            let count = autograd_return_addresses(frames.baseAddress!, depth)
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for i in 0..<count { hash = (hash ^ UInt64(frames[i])) &* 0x100_0000_01b3 }
            if let id = Cache.lookup(hash) { return id }
            let id = intern(hash)
            Cache.remember(hash, id)
            return id
        }
    }

    private static func intern(_ hash: UInt64) -> UInt32 {
        if let id = table.withLock({ $0.ids[hash] }) { return id }
        // A new call stack: its full backtrace, captured once, symbolicated when an error asks.
        guard let backtrace = try? Backtrace.capture(algorithm: .fast, limit: 32) else { return 0 }
        return table.withLock { t in
            if let id = t.ids[hash] { return id }
            guard t.backtraces.count < capacity else { return 0 }
            t.backtraces.append(backtrace)
            let id = UInt32(t.backtraces.count)
            t.ids[hash] = id
            return id
        }
    }

    /// `Model.swift:42` for the first frame outside this library, or the function's
    /// name when the binary has no line tables; nil when unknown.
    static func describe(_ id: UInt32) -> String? {
        guard id > 0, let backtrace = table.withLock({ t in Int(id) <= t.backtraces.count ? t.backtraces[Int(id) - 1] : nil }),
              let symbolicated = backtrace.symbolicated() else { return nil }
        for frame in symbolicated.frames {
            guard let symbol = frame.symbol else { continue }
            let name = symbol.name
            if isLibraryFrame(name, rawName: symbol.rawName) { continue }
            if let location = symbol.sourceLocation {
                let path = location.path
                let file = path.split(separator: "/").last.map(String.init) ?? path
                return "\(file):\(location.line)"
            }
            return name
        }
        return nil
    }

    private static func isLibraryFrame(_ name: String, rawName: String) -> Bool {
        rawName.hasPrefix("$s8Autograd") || rawName.hasPrefix("$ss") || rawName.hasPrefix("swift_")
            || name.hasPrefix("Autograd.") || name.hasPrefix("closure #") && rawName.hasPrefix("$s8Autograd")
            || rawName.hasPrefix("autograd_") || name.hasPrefix("thunk for")
    }

    /// A direct-mapped cache of recent stacks, per thread: the common case (a
    /// training loop calling the same ops) costs no lock.
    private enum Cache {
        static func lookup(_ hash: UInt64) -> UInt32? {
            let id = autograd_call_site_cache_lookup(hash)
            return id == 0 ? nil : id
        }

        static func remember(_ hash: UInt64, _ id: UInt32) {
            if id != 0 { autograd_call_site_cache_store(hash, id) }
        }
    }
}

extension Node {
    /// `MulBackward0 (op mul, called at Model.swift:42)`: how errors name a node.
    var label: String {
        let site = CallSites.describe(callSite).map { ", called at \($0)" } ?? ""
        return "\(name) (op \(op.name)\(site))"
    }
}
