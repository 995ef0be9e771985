// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "searchctl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "searchctl", targets: ["searchctl"]),
        .library(name: "Analysis", targets: ["Analysis"]),
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
        .target(name: "Analysis", dependencies: ["CICU"]),
        .target(name: "Indexer", dependencies: ["Analysis"]),
        .target(name: "Search", dependencies: ["Analysis", "Indexer"]),
        .executableTarget(
            name: "searchctl",
            dependencies: [
                "Analysis", "Indexer", "Search",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis"], exclude: ["Fixtures"]),
        .testTarget(name: "IndexerTests", dependencies: ["Indexer", "Analysis"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Indexer", "Analysis"]),
        .testTarget(name: "searchctlTests", dependencies: ["searchctl"]),
    ]
)
