// swift-tools-version:6.0
// libFuzzer targets for searchctl: the query parser and every decoder of the on-disk
// format. Build and run with `Fuzz/run.sh [seconds-per-target]`; see Fuzz/README.md.
import PackageDescription

let search: Target.Dependency = .product(name: "Search", package: "searchctl")
let analysis: Target.Dependency = .product(name: "Analysis", package: "searchctl")
let indexFormat: Target.Dependency = .product(name: "IndexFormat", package: "searchctl")
let indexer: Target.Dependency = .product(name: "Indexer", package: "searchctl")

/// One executable per entry point, with what it fuzzes.
/// Each defines `LLVMFuzzerTestOneInput` (and `LLVMFuzzerInitialize`) and no `main`:
/// libFuzzer's driver is the entry point, so these link only when built with
/// `-Xswiftc -sanitize=fuzzer` (run.sh has the full command).
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("fuzz-query", [search, analysis, indexFormat]),
    ("fuzz-manifest", [indexFormat]),
    ("fuzz-deletions", [indexFormat]),
    ("fuzz-stored", [indexFormat]),
    ("fuzz-segment", [indexFormat, search, analysis]),
    ("fuzz-text", [analysis]),
    ("fuzz-deflate", [indexFormat]),
]

func fuzzTarget(_ name: String, dependencies: [Target.Dependency]) -> Target {
    // FuzzMain defines the `<module>_main` that SwiftPM makes the entry point: it runs
    // libFuzzer's driver (see fuzz_main.c).
    .executableTarget(name: name, dependencies: ["FuzzSupport", "FuzzMain"] + dependencies)
}

let package = Package(
    name: "searchctl-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "searchctl", path: ".."),
    ],
    targets: [
        // Shared by the fuzz targets: seed generation (a real index built from a few
        // small documents), checksum repair, a per-process scratch folder.
        .target(name: "FuzzSupport", dependencies: [analysis, indexFormat, indexer, search]),
        // The entry points: libFuzzer's driver under the names SwiftPM links (fuzz_main.c).
        .target(name: "FuzzMain"),
    ] + fuzzTargets.map { fuzzTarget($0.name, dependencies: $0.dependencies) }
)
