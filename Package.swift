// swift-tools-version:6.0
import PackageDescription

/// The hot paths are single-threaded per object and checked by tests: dynamic
/// exclusivity checks cost about 5% of indexing time, so release builds leave them out.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
/// The postings reader's small accessors (advance, frequency, positions) are called per
/// document from `Search`: cross-module optimization lets them inline there, which makes
/// queries 20–40% faster. (On `Analysis` it slowed indexing slightly, so it is left out there.)
let crossModule: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "searchctl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "searchctl", targets: ["searchctl"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "IndexFormat", targets: ["IndexFormat"]),
        .library(name: "Indexer", targets: ["Indexer"]),
        .library(name: "Search", targets: ["Search"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System ICU (Debian libicu-dev) behind a thin C shim with stable names.
        // ICU's own headers are included only in the shim's .c file.
        .target(
            name: "CICU",
            linkerSettings: [
                .linkedLibrary("icuuc"),
                .linkedLibrary("icui18n"),
            ]
        ),
        // System zlib (DEFLATE for stored text, CRC-32 for checksums) behind a shim.
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        // AVX2 kernels (bit unpacking for the postings reader, BM25 sums for the window
        // scorer), used when the CPU has it.
        .target(name: "CSIMD"),
        .target(name: "Analysis", dependencies: ["CICU"], swiftSettings: hotPath),
        // The on-disk format, shared by the writer (Indexer) and the readers (Search).
        .target(name: "IndexFormat", dependencies: ["Analysis", "CZlib", "CSIMD"], swiftSettings: crossModule),
        .target(name: "Indexer", dependencies: ["Analysis", "IndexFormat"], swiftSettings: hotPath),
        .target(name: "Search", dependencies: ["Analysis", "IndexFormat", "CSIMD"], swiftSettings: crossModule),
        .executableTarget(
            name: "searchctl",
            dependencies: [
                "Analysis", "Indexer", "Search",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The Swift runtime and libraries linked in: a process then starts about 3 ms
            // sooner (no symbol binding across a dozen shared libraries), which is a fifth
            // of a one-shot search. Only ICU, zlib and the C and C++ runtimes stay shared.
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims"], .when(configuration: .release))]
        ),
        // Reproducible benchmarks (run in release mode; see Benchmarks/README.md).
        .executableTarget(
            name: "searchctl-bench",
            dependencies: ["Analysis", "IndexFormat", "Indexer", "Search"],
            path: "Benchmarks/Sources/searchctl-bench"
        ),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis"], exclude: ["Fixtures"]),
        .testTarget(name: "IndexerTests", dependencies: ["Indexer", "IndexFormat", "Analysis", "Search"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Indexer", "IndexFormat", "Analysis", "CSIMD"]),
        .testTarget(name: "searchctlTests", dependencies: ["searchctl"], exclude: ["Fixtures"]),
    ]
)
