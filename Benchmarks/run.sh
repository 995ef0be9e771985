#!/usr/bin/env bash
# Builds in release mode, generates corpora, indexes them and runs the query mix.
# Usage: Benchmarks/run.sh [documents...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=${BENCH_WORK:-/tmp/searchctl-bench}
mkdir -p "$work"
swift build -c release --product searchctl >/dev/null
swift build -c release --product searchctl-bench >/dev/null
bin=.build/release
threads=$(nproc)
# Both indexers get the same memory, given to each explicitly: a sixteenth of the
# machine's, 256 to 1024 MB (searchctl's default --memory-mb is 256; with 1024 the
# 100k corpus is one segment instead of three).
memory_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 / 16 ))
memory_mb=$(( memory_mb < 256 ? 256 : memory_mb > 1024 ? 1024 : memory_mb ))
# Tantivy (Python bindings) side by side when installed: see Benchmarks/tantivy_bench.py.
tantivy=0
if python3 -c "import tantivy" 2>/dev/null; then tantivy=1; else python3 Benchmarks/tantivy_bench.py; fi

row() { printf "| %-22s | %8s | %8s | %7s | %9s | %6s | %6s | %8s |\n" "$@"; }
echo
row corpus "input MB" "index s" "MB/s" "index MB" "ratio" "w/o st" "peak MB"
row ---------------------- -------- -------- ------- --------- ------ ------ --------
measure() {
    local name=$1 folder=$2 index=$work/index-$1
    rm -rf "$index"
    # The bytes of the files themselves (not `du`, which adds the folders' own sizes).
    local input_bytes; input_bytes=$(find -H "$folder" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    # Read the files once first, so that every engine indexes from the page cache.
    find -H "$folder" -type f -print0 | xargs -0 cat > /dev/null
    # A corpus under 64 MB is indexed 5 times (a fresh index each time) and the median
    # run is shown: one run of a fraction of a second varies by 10–20% on a shared
    # machine. Wall time to the millisecond (GNU time's %e has 10 ms steps).
    local runs=1
    [ "$input_bytes" -lt $((64 << 20)) ] && runs=5
    local log; log=$(mktemp)
    local results=() t0 t1 seconds peak_kb
    for ((r = 0; r < runs; r++)); do
        rm -rf "$index"
        t0=$(date +%s.%N)
        /usr/bin/time -f "%M" -o "$log" $bin/searchctl index "$folder" --index "$index" --threads "$threads" --memory-mb "$memory_mb" --quiet
        t1=$(date +%s.%N)
        results+=("$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}") $(cat "$log")")
    done
    read -r seconds peak_kb < <(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    local stats; stats=$($bin/searchctl stats --index "$index" --json)
    local bytes stored
    bytes=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['bytes'])" "$stats")
    # Stored text: the compressed documents and their preset dictionaries.
    stored=$(python3 -c "import json,sys; k=json.loads(sys.argv[1])['bytes_by_kind']; print(k.get('stored text',0)+k.get('stored dictionaries',0))" "$stats")
    row "$name" "$(awk "BEGIN{printf \"%.1f\", $input_bytes/1048576}")" "$seconds" \
        "$(awk "BEGIN{printf \"%.1f\", $input_bytes/1048576/$seconds}")" \
        "$(awk "BEGIN{printf \"%.1f\", $bytes/1048576}")" \
        "$(awk "BEGIN{printf \"%.2f\", $bytes/$input_bytes}")" \
        "$(awk "BEGIN{printf \"%.2f\", ($bytes-$stored)/$input_bytes}")" \
        "$(awk "BEGIN{printf \"%.0f\", $peak_kb/1024}")"
    if [ $tantivy = 1 ]; then
        # The same number of runs; the row of the median time (its 4th column).
        local rows=()
        for ((r = 0; r < runs; r++)); do
            rows+=("$(python3 Benchmarks/tantivy_bench.py index "$folder" "$work/tantivy-$name" --threads "$threads" --heap-mb "$memory_mb" \
                --input-bytes "$input_bytes" --name "  tantivy" --row)") || { echo "tantivy_bench.py index failed on $name"; break; }
        done
        if [ ${#rows[@]} = "$runs" ]; then
            local median; median=$(printf '%s\n' "${rows[@]}" | sort -t'|' -k4 -n | sed -n "$(((runs + 1) / 2))p")
            echo "$median"
            # Ratios: Tantivy's index time over ours (above 1: we index faster), our index
            # size over Tantivy's (below 1: ours is smaller).
            echo "$median" | awk -F'|' -v s="$seconds" -v b="$bytes" \
                '{ printf "|   ratio to tantivy     | indexing %.2fx as fast, index %.2fx the size\n", $4 / s, (b / 1048576) / $6 }'
        fi
    fi
}

for n in "${sizes[@]}"; do
    corpus=$work/corpus-$n
    [ -d "$corpus" ] || $bin/searchctl-bench generate "$corpus" --docs "$n" --seed 42 >/dev/null
    measure "generated-$n" "$corpus"
done
if [ -f ../shared/data/libreoffice-help-nl/corpus.tar.gz ]; then
    [ -d "$work/lo-nl" ] || tar xzf ../shared/data/libreoffice-help-nl/corpus.tar.gz -C "$work"
    measure "libreoffice-help-nl" "$work/lo-nl"
fi

echo
for n in "${sizes[@]}"; do
    echo "== generated-$n"
    # No-op re-index (incremental, nothing changed).
    /usr/bin/time -f "no-op re-index: %e s" $bin/searchctl index "$work/corpus-$n" --index "$work/index-generated-$n" --quiet
    ours=$(mktemp)
    $bin/searchctl-bench queries "$work/index-generated-$n" --count 2000 --no-snippet --threads 1 --dump "$work/queries-generated-$n.tsv" | tee "$ours"
    if [ $tantivy = 1 ]; then
        # The same 2000 queries (one thread each: Tantivy's searcher uses one here); with
        # path/title of the hits (as above), then matching and scoring alone.
        theirs=$(mktemp)
        python3 Benchmarks/tantivy_bench.py queries "$work/tantivy-generated-$n" --load "$work/queries-generated-$n.tsv" | tee "$theirs" \
            || echo "tantivy_bench.py queries failed on generated-$n"
        # Our latency over Tantivy's per kind (below 1: we are faster), both as above.
        python3 - "$ours" "$theirs" <<'PY'
import re, sys
def table(path):
    rows = {}
    for line in open(path):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) == 5 and re.fullmatch(r"[0-9.]+", cells[2]):
            rows[cells[0]] = [float(c) for c in cells[2:]]
    return rows
ours, theirs = table(sys.argv[1]), table(sys.argv[2])
print("ratio to tantivy (ours / tantivy's, path/title fetched; below 1: faster)")
print("kind   |  p50 |  p95 |  p99")
print("-------|------|------|-----")
for kind in ours:
    if kind in theirs:
        r = [a / b if b > 0 else float("nan") for a, b in zip(ours[kind], theirs[kind])]
        print(f"{kind:<6} | {r[0]:.2f} | {r[1]:.2f} | {r[2]:.2f}")
PY
        rm -f "$theirs"
        python3 Benchmarks/tantivy_bench.py queries "$work/tantivy-generated-$n" --load "$work/queries-generated-$n.tsv" --no-fetch \
            || echo "tantivy_bench.py queries failed on generated-$n"
    fi
    rm -f "$ours"
    # As `searchctl search --batch` runs them: snippets, and costly queries shared among
    # the default threads (its throughput line gives one core's rate too).
    $bin/searchctl-bench queries "$work/index-generated-$n" --count 2000
    # The same mix through the CLI, `searchctl search --batch` as a new process (index
    # opening and JSON output included), default threads: on the whole machine, and held
    # to one processor by `taskset` (the default threads are then one).
    python3 - "$bin/searchctl" "$work/index-generated-$n" "$work/queries-generated-$n.tsv" <<'PY'
import os, shutil, subprocess, sys, time
binary, index, tsv = sys.argv[1], sys.argv[2], sys.argv[3]
queries = "".join(line.split("\t", 1)[1] for line in open(tsv) if "\t" in line).encode()
count = queries.count(b"\n")
runs = [("all processors", [])]
if shutil.which("taskset"):
    cpu = str(min(os.sched_getaffinity(0)))
    runs.append((f"one processor (taskset -c {cpu})", ["taskset", "-c", cpu]))
for name, launcher in runs:
    rates = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(launcher + [binary, "search", "--batch", "--index", index], input=queries, stdout=subprocess.DEVNULL, check=True)
        rates.append(count / (time.perf_counter() - t))
    rates.sort()
    print(f"'searchctl search --batch' process, {count} queries, {name}: {rates[1]:.0f} queries/s (median of 3)")
PY
    # One-shot process latency, index opening included; and ripgrep (`rg -l -i`, the
    # files holding the word) over the same folder for the same words, when installed.
    python3 - "$bin/searchctl" "$work/index-generated-$n" "$work/corpus-$n" <<'PY'
import shutil, subprocess, sys, time
binary, index, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
words = ["de", "het", "van", "een", "aanval", "regering", "minister", "artikel"]
times = []
for i in range(60):
    q = words[i % len(words)]
    t = time.perf_counter()
    subprocess.run([binary, "search", q, "--index", index, "--json"], stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
p50 = times[len(times)//2]
print(f"one-shot 'searchctl search' process: p50 {p50:.1f} ms, p95 {times[int(len(times)*0.95)]:.1f} ms")
if shutil.which("rg"):
    subprocess.run(["rg", "-l", "-i", "zzzz", corpus], stdout=subprocess.DEVNULL)  # warm the page cache
    rg = []
    for q in words:
        t = time.perf_counter()
        subprocess.run(["rg", "-l", "-i", q, corpus], stdout=subprocess.DEVNULL)
        rg.append((time.perf_counter() - t) * 1000)
    rg.sort()
    print(f"'rg -l -i <word>' over the folder: p50 {rg[len(rg)//2]:.0f} ms, {rg[len(rg)//2] / p50:.0f}x the one-shot search")
PY
done
echo
$bin/searchctl-bench analysis "$work/lo-nl" --repeats 3 2>/dev/null || true
