// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-autograd",
    products: [
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "Conformance", targets: ["Conformance"]),
        /// Process groups and collectives over MPI, for data-parallel training; links Open MPI.
        .library(name: "AutogradDistributed", targets: ["AutogradDistributed"]),
        .executable(name: "tour", targets: ["tour"]),
        .executable(name: "bench", targets: ["bench"]),
        /// The header C plugin authors include.
        .library(name: "CAutogradPlugin", targets: ["CAutogradPlugin"]),
        /// Activation kernels in C, loaded at run time with `OpRegistry.loadPlugin(at:)`.
        .library(name: "AutogradActivations", type: .dynamic, targets: ["AutogradActivations"]),
        .executable(name: "train-digits", targets: ["train-digits"]),
        .executable(name: "kernel-check", targets: ["kernel-check"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation`: the DocC catalogs of Autograd and Conformance.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
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

        /// The kernel conformance checks, for kernel-check and for plugin authors' own tests.
        .target(name: "Conformance", dependencies: ["Autograd"]),

        /// Process groups, collectives and the distributed sampler. A target of its own so
        /// that `Autograd` does not link MPI.
        .target(name: "AutogradDistributed", dependencies: ["Autograd", "CMPI"]),

        // MARK: - Implementation details

        /// Thread-local grad mode and the FMA kernels that need per-function target attributes.
        .target(name: "CAutogradRuntime"),

        /// The plugin ABI: version macro, status codes, the manifest entry point.
        .target(name: "CAutogradPlugin"),

        /// libffi, through which plugin kernels are called.
        .systemLibrary(name: "CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),

        /// Open MPI, with accessors for the handles `mpi.h` spells as macros.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

        /// The sidecar manifest binding OpenBLAS's gemm, embedded so the library
        /// can load it by default without a resource bundle.
        .target(name: "OpenBLASBinding", path: "Plugins/OpenBLAS", resources: [.embedInCode("openblas.json")]),

        // MARK: - Kernel plugins

        .target(name: "AutogradActivations", dependencies: ["CAutogradPlugin"], path: "Plugins/Activations"),
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
            name: "bench",
            dependencies: [
                "Autograd", "AutogradDistributed", "CFFI", "DigitsExample",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/bench",
            exclude: ["pytorch_bench.py", "compare.py"]
        ),
        .executableTarget(
            name: "train-digits",
            dependencies: [
                "Autograd",
                "AutogradDistributed",
                "DigitsExample",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/train-digits/Command"
        ),
        .executableTarget(
            name: "kernel-check",
            dependencies: ["Autograd", "Conformance", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/kernel-check"
        ),
        /// The parsers' libFuzzer targets (`Tools/fuzz/run`); in a normal build, the
        /// replayer of their corpora.
        .executableTarget(name: "fuzz-parsers", dependencies: ["Autograd", "Conformance", "TestSupport"], path: "Tools/fuzz/Harness"),

        // MARK: - Unit test bundles

        /// What every test bundle shares: the one value comparison, the conformance checks
        /// run at chosen points, the reference-case and program readers, paths, and the
        /// broken ops. A regular target, as test targets cannot depend on test targets.
        .target(name: "TestSupport", dependencies: ["Autograd", "Conformance"], path: "Tests/TestSupport"),
        .testTarget(name: "ConformanceTests", dependencies: ["Autograd", "Conformance", "TestSupport"]),
        /// The child process that checks a broken op in isolation, for crash tests.
        .executableTarget(name: "broken-ops-host", dependencies: ["Conformance", "TestSupport"], path: "Tests/BrokenOpsHost"),
        // Fixtures are read in place (`TestSupport.Fixtures`), not copied into bundles.
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "Conformance", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "PluginTests", dependencies: ["Autograd", "Conformance", "TestSupport"]),
        /// `swift run tour` against what PyTorch printed for the tutorial.
        .testTarget(name: "TourTests", dependencies: ["tour", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "AutogradDistributedTests", dependencies: ["Autograd", "AutogradDistributed", "TestSupport"]),
        /// The program the distributed tests launch under `mpirun -np N`: collectives checked on every rank.
        .executableTarget(name: "distributed-checks", dependencies: ["Autograd", "AutogradDistributed"],
                          path: "Tests/DistributedChecks"),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Autograd", "DigitsExample", "TestSupport"],
            exclude: ["Reference", "Fixtures"]
        ),
        /// Every fuzz corpus and crasher, replayed through `fuzz-parsers`.
        .testTarget(name: "FuzzCorpusTests", dependencies: ["fuzz-parsers"]),
    ],
    swiftLanguageModes: [.v6]
)
