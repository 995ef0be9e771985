#!/usr/bin/env bash
# Recreates the committed seed corpora in Fuzz/Corpora/<target>/ from scratch: every
# target's seed mode (SEARCHCTL_FUZZ_WRITE_SEEDS) writes its own seeds; the binary
# formats' seeds come from a real index of a few small documents (FuzzSupport's
# SampleIndex). Crash inputs kept as regression seeds (Corpora/<target>/crash-*) stay.
# Usage: Fuzz/make-seeds.sh   (builds the fuzz targets first, as run.sh does)
set -euo pipefail
cd "$(dirname "$0")"
FUZZ_BUILD_ONLY=1 ./run.sh
bin=$(swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --show-bin-path)
for target in query manifest deletions stored segment text deflate; do
    dir="Corpora/$target"
    mkdir -p "$dir"
    rm -f "$dir"/seed-*
    SEARCHCTL_FUZZ_WRITE_SEEDS="$PWD/$dir" ASAN_OPTIONS=detect_leaks=0 "$bin/fuzz-$target"
done
du -sh Corpora
