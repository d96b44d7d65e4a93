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
}
