#!/usr/bin/env bash
# Builds the libFuzzer targets (ASan + coverage) and runs each for a while.
#
#   Fuzz/run.sh [seconds-per-target] [target...]     default: 60 s, every target
#
# Targets: query manifest deletions stored segment text deflate (the name after `fuzz-`).
# Each run starts from the committed seeds in Fuzz/Corpora/<target>/ and writes the
# inputs it finds new, and any crash input, to a scratch folder ($FUZZ_SCRATCH, else a
# new temporary folder), never into Fuzz/Corpora. Prints one line per target with
# libFuzzer's stat::number_of_executed_units.
#
# Exit status: 0 no crash; 1 a target crashed, leaked, ran out of memory or time (its
# log's tail and the input are printed); 2 the fuzz package does not build; 4 this
# toolchain cannot build with -sanitize=fuzzer,address at all (nothing was run).
# FUZZ_BUILD_ONLY=1 builds and stops.
set -uo pipefail
cd "$(dirname "$0")"

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(query manifest deletions stored segment text deflate)
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: Fuzz/run.sh [seconds-per-target] [target...]" >&2
    exit 2
fi

flags=(-c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)

# Can this toolchain link a libFuzzer binary at all? (If not, it is not our code's fault.)
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
cat > "$probe/probe.swift" <<'EOF'
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { 0 }
EOF
if ! swiftc -sanitize=fuzzer,address -parse-as-library "$probe/probe.swift" -o "$probe/probe" >"$probe/log" 2>&1; then
    echo "fuzz: this toolchain cannot build with -sanitize=fuzzer,address ($(head -1 "$probe/log")); not fuzzing"
    exit 4
fi

echo "fuzz: building (swift build ${flags[*]})"
build_log="$probe/build.log"
if ! swift build "${flags[@]}" >"$build_log" 2>&1; then
    grep -v "Cannot export local symbol" "$build_log" | tail -40
    echo "fuzz: the fuzz targets do not build"
    exit 2
fi
bin=$(swift build "${flags[@]}" --show-bin-path)
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

scratch=${FUZZ_SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/searchctl-fuzz-run-XXXXXX")}
mkdir -p "$scratch"
echo "fuzz: ${seconds}s per target; new corpus entries, logs and crash inputs in $scratch"

# The Swift runtime's own backtracer would take the crash signal from libFuzzer's
# handler (which saves the input); ASan leak reports are on, as libFuzzer sets them.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:handle_abort=1:symbolize=1}

failed=()
for target in "${targets[@]}"; do
    exe="$bin/fuzz-$target"
    if [ ! -x "$exe" ]; then
        echo "fuzz: no target fuzz-$target" >&2
        failed+=("$target")
        continue
    fi
    corpus="$scratch/corpus/$target"
    artifacts="$scratch/artifacts/$target"
    log="$scratch/$target.log"
    mkdir -p "$corpus" "$artifacts" "Corpora/$target"
    start=$(date +%s)
    # New inputs go to the first folder (scratch); Corpora/<target> is only read.
    "$exe" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" "Corpora/$target" >"$log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))
    executed=$(grep -E "^stat::number_of_executed_units:" "$log" | awk '{print $2}' | tail -1)
    coverage=$(grep -oE "cov: [0-9]+" "$log" | tail -1)
    if [ $status -eq 0 ]; then
        printf "fuzz-%-10s %10s executions in %4ss  %s  ok\n" "$target" "${executed:-?}" "$elapsed" "$coverage"
    else
        printf "fuzz-%-10s %10s executions in %4ss  %s  FAILED (exit %s)\n" "$target" "${executed:-?}" "$elapsed" "$coverage" "$status"
        grep -vE "^(#[0-9]+|INFO:|stat::)" "$log" | tail -60
        for input in "$artifacts"/*; do
            [ -f "$input" ] || continue
            echo "fuzz: input: $input"
            echo "fuzz: base64: $(base64 -w0 "$input" | head -c 4000)"
            echo "fuzz: reproduce: $exe $input"
        done
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]} (logs in $scratch)"
    exit 1
fi
echo "fuzz: no crash in ${#targets[@]} targets"
