/// The sidecar manifest that binds OpenBLAS's `cblas_sgemm` and `cblas_dgemm`
/// as matmul kernels, compiled into the library so that loading it by default
/// needs no resource bundle. The same file loads with `loadPlugin(at:)`.
public enum OpenBLASBinding {
    /// The manifest's name in error messages and `LoadedPlugin.path`.
    public static let manifestName = "openblas.json (embedded)"

    /// The bytes of `openblas.json`.
    public static var manifest: [UInt8] { PackageResources.openblas_json }
}
