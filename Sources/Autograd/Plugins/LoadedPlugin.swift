/// What `OpRegistry.loadPlugin(at:)` registered from one plugin.
public struct LoadedPlugin: Sendable, Equatable {
    /// A faster kernel the plugin gave an existing op.
    public struct KernelBinding: Sendable, Equatable {
        /// The registry name of the op the kernel speeds up.
        public let op: String
        /// The dtype the op computes in for which the kernel runs.
        public let dtype: DType
        /// The manifest's `when`: `always`, `2d` or `2d-contiguous`.
        public let condition: String
    }

    /// The file that was loaded (a `.so` or a sidecar `.json`), with symbolic links resolved.
    public let path: String
    /// The manifest's `name`, if it gives one.
    public let name: String?
    /// The shared object opened: its path, or the soname a sidecar gave to the dynamic loader.
    public let library: String
    /// The new ops, in manifest order.
    public let opNames: [String]
    /// The kernel overrides, in manifest order.
    public let kernels: [KernelBinding]
    /// The plugin ABI the manifest declared: `abi` and the least minor version it needs (`abi_minor`).
    public let abi: PluginABIVersion
}

/// A plugin ABI version: a major version (the manifest's `abi`) that the host
/// must speak exactly, and a minor version that only adds manifest fields.
public struct PluginABIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Must equal the host's: a new major version may change what existing fields mean.
    public let major: Int
    /// Counts additions to the manifest: a host loads every minor version up to its own.
    public let minor: Int

    /// The version `major.minor`.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// The version this host speaks (`AUTOGRAD_PLUGIN_ABI_VERSION`.`AUTOGRAD_PLUGIN_ABI_MINOR`):
    /// it loads a manifest of the same major version and any minor version up to its own.
    public static let host = PluginABIVersion(major: PluginManifest.hostABI, minor: PluginManifest.hostABIMinor)

    public static func < (lhs: PluginABIVersion, rhs: PluginABIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// `1.1`.
    public var description: String { "\(major).\(minor)" }
}
