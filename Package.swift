// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-autograd",
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .executable(name: "tour", targets: ["tour"]),
        .executable(name: "train-digits", targets: ["train-digits"]),
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

        // MARK: - Implementation details

        /// Thread-local grad mode and the FMA kernels that need per-function target attributes.
        .target(name: "CAutogradRuntime"),

        /// The system zlib, which the digits example reads its gzip-compressed data set with.
        .systemLibrary(
            name: "CZlib",
            path: "Tools/train-digits/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        /// The digits data set and training loop shared by `train-digits` and its tests.
        .target(
            name: "DigitsExample",
            dependencies: ["Autograd", "CZlib"],
            path: "Tools/train-digits/DigitsExample",
            exclude: ["Resources/README.md"],
            resources: [.copy("Resources/digits.csv.gz")]
        ),

        // MARK: - Tools

        .executableTarget(name: "tour", dependencies: ["Autograd"], path: "Tools/tour"),
        .executableTarget(
            name: "train-digits",
            dependencies: [
                "Autograd",
                "DigitsExample",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/train-digits/Command"
        ),

        // MARK: - Unit test bundles

        .testTarget(
            name: "AutogradTests",
            dependencies: ["Autograd"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Autograd", "DigitsExample"],
            exclude: ["Reference"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
