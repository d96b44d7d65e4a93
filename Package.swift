// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-autograd",
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "Conformance", targets: ["Conformance"]),
        .executable(name: "tour", targets: ["tour"]),
        .executable(name: "kernel-check", targets: ["kernel-check"]),
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
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),

        /// The kernel conformance checks, for kernel-check and for plugin authors' own tests.
        .target(name: "Conformance", dependencies: ["Autograd"]),

        // MARK: - Implementation details

        /// Thread-local grad mode and the FMA kernels that need per-function target attributes.
        .target(name: "CAutogradRuntime"),

        // MARK: - Tools

        .executableTarget(name: "tour", dependencies: ["Autograd"], path: "Tools/tour"),
        .executableTarget(
            name: "kernel-check",
            dependencies: ["Autograd", "Conformance", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/kernel-check"
        ),

        // MARK: - Unit test bundles

        .testTarget(
            name: "ConformanceTests",
            dependencies: ["Autograd", "Conformance", "ConformanceTestSupport"]
        ),
        /// Deliberately broken ops, each failing one conformance check.
        .target(name: "ConformanceTestSupport", dependencies: ["Autograd", "Conformance"], path: "Tests/ConformanceTestSupport"),
        /// The child process that checks a broken op in isolation, for crash tests.
        .executableTarget(name: "broken-ops-host", dependencies: ["Conformance", "ConformanceTestSupport"],
                          path: "Tests/BrokenOpsHost"),
        .testTarget(
            name: "AutogradTests",
            dependencies: ["Autograd"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
