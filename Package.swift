// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-autograd",
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .executable(name: "tour", targets: ["tour"]),
        .executable(name: "bench", targets: ["bench"]),
        /// The header C plugin authors include.
        .library(name: "CAutogradPlugin", targets: ["CAutogradPlugin"]),
        /// Activation kernels in C, loaded at run time with `OpRegistry.loadPlugin(at:)`.
        .library(name: "AutogradActivations", type: .dynamic, targets: ["AutogradActivations"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - Public API

        .target(
            name: "Autograd",
            dependencies: [
                "CAutogradRuntime",
                "CAutogradPlugin",
                "CFFI",
                "OpenBLASBinding",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),

        // MARK: - Implementation details

        /// Thread-local grad mode and the FMA kernels that need per-function target attributes.
        .target(name: "CAutogradRuntime"),

        /// The plugin ABI: version macro, status codes, the manifest entry point.
        .target(name: "CAutogradPlugin"),

        /// libffi, through which plugin kernels are called.
        .systemLibrary(name: "CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),

        /// The sidecar manifest binding OpenBLAS's gemm, embedded so the library
        /// can load it by default without a resource bundle.
        .target(name: "OpenBLASBinding", path: "Plugins/OpenBLAS", resources: [.embedInCode("openblas.json")]),

        // MARK: - Kernel plugins

        .target(name: "AutogradActivations", dependencies: ["CAutogradPlugin"], path: "Plugins/Activations"),

        // MARK: - Tools

        .executableTarget(name: "tour", dependencies: ["Autograd"], path: "Tools/tour"),
        .executableTarget(
            name: "bench",
            dependencies: ["Autograd", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/bench",
            exclude: ["pytorch_bench.py", "compare.py"]
        ),

        // MARK: - Unit test bundles

        .testTarget(
            name: "AutogradTests",
            dependencies: ["Autograd"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "PluginTests", dependencies: ["Autograd"]),
    ],
    swiftLanguageModes: [.v6]
)
