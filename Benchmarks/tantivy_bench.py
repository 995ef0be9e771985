#!/usr/bin/env python3
"""Side-by-side baseline: the searchctl benchmarks, run on Tantivy through its Python bindings.

    python3 Benchmarks/tantivy_bench.py index <folder> <index-dir> [--threads 2] [--heap-mb 256]
    python3 Benchmarks/tantivy_bench.py queries <index-dir> --load <queries.tsv>

`index` indexes the same files searchctl indexes (*.txt, *.md, *.text, recursively,
hidden files and folders and symlinks skipped) and prints a row in the layout of
Benchmarks/run.sh's indexing table. `queries` runs a query mix written by
`searchctl-bench queries <index> --dump <file>` (one query a line, `kind<TAB>query`)
and prints the latency table in the layout of `searchctl-bench queries`.

Needs only the `tantivy` package from PyPI (`pip install tantivy`). Without it, prints
a one-line note and exits 0, so Benchmarks/run.sh works either way.
"""
import argparse
import os
import resource
import shutil
import sys
import time

try:
    import tantivy
except ImportError:
    print("tantivy comparison skipped: the Python bindings are not installed (pip install tantivy)")
    sys.exit(0)

ANALYZER = "dutch_stem"
INCLUDES = (".txt", ".md", ".text")  # searchctl's default include globs
KINDS = ["term", "OR", "AND", "phrase"]


def version():
    try:
        from importlib.metadata import version as dist_version
        return dist_version("tantivy")
    except Exception:
        # "tantivy v0.27.0, index_format v7" in recent releases.
        return getattr(tantivy, "__version__", "?").split(",")[0].replace("tantivy", "").strip()


def register_analyzer(index):
    """Simple tokenizer → lowercase → ASCII folding → Snowball Dutch stemmer.

    Tokenizers are not persisted in a Tantivy index, so this is done on every open."""
    analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                .filter(tantivy.Filter.lowercase())
                .filter(tantivy.Filter.ascii_fold())
                .filter(tantivy.Filter.stemmer("dutch"))
                .build())
    index.register_tokenizer(ANALYZER, analyzer)


def schema():
    b = tantivy.SchemaBuilder()
    # Document identity, untokenized (searchctl keeps a path lookup for incremental updates).
    b.add_text_field("path", stored=True, tokenizer_name="raw", index_option="basic")
    # Stored only, as in searchctl (the title is not searchable there, the body holds it).
    # The bindings' text fields are always indexed, so the title is a stored-only bytes field (UTF-8).
    b.add_bytes_field("title", stored=True, indexed=False)
    b.add_text_field("body", stored=True, tokenizer_name=ANALYZER, index_option="position")
    return b.build()


def walk(root):
    """Files to index, in UTF-8 byte order of their relative paths (searchctl's order)."""
    found = []
    stack = [""]
    while stack:
        rel = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(root, rel) if rel else root))
        except OSError as e:
            print(f"skipped folder {rel or '.'}: {e.strerror}", file=sys.stderr)
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            child = f"{rel}/{e.name}" if rel else e.name
            if e.is_dir(follow_symlinks=False):
                stack.append(child)
            elif e.is_file(follow_symlinks=False) and e.name.endswith(INCLUDES):
                found.append((child, e.path))
    found.sort(key=lambda f: f[0].encode("utf-8", "surrogateescape"))
    return found


def decode(data):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def title_of(text):
    """The first non-empty line, trimmed, at most 300 characters (as searchctl)."""
    for line in text.splitlines():
        t = line.strip()
        if t:
            return t[:300] + "…" if len(t) > 300 else t
    return ""


def directory_bytes(path):
    total = store = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            size = os.lstat(os.path.join(dirpath, n)).st_size
            total += size
            if n.endswith(".store"):
                store += size
    return total, store


def row(*cells):
    # The row() of Benchmarks/run.sh.
    widths = (22, 8, 8, 7, 9, 6, 6, 8)
    print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |")


def table(header, rows):
    # The table() of searchctl-bench.
    widths = [len(h) for h in header]
    for r in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, r)]

    def line(cells):
        return " | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells))

    print(line(header))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def index_command(args):
    folder = args.folder.rstrip("/") or "/"
    if not os.path.isdir(folder):
        sys.exit(f"tantivy_bench: {folder} is not a folder")
    if os.path.exists(args.index):
        # Only ever remove an earlier Tantivy index (or an empty folder), never anything else.
        if os.listdir(args.index) and not os.path.exists(os.path.join(args.index, "meta.json")):
            sys.exit(f"tantivy_bench: {args.index} exists and is not a Tantivy index; not overwriting it")
        shutil.rmtree(args.index)
    os.makedirs(args.index)

    start = time.perf_counter()
    files = walk(folder)
    index = tantivy.Index(schema(), path=args.index, reuse=False)
    register_analyzer(index)
    writer = index.writer(heap_size=args.heap_mb * 1_000_000, num_threads=args.threads)
    input_bytes = 0
    for rel, absolute in files:
        try:
            with open(absolute, "rb") as f:
                data = f.read()
        except OSError as e:
            print(f"skipped {rel}: {e.strerror}", file=sys.stderr)
            continue
        input_bytes += len(data)
        text = decode(data)
        doc = tantivy.Document()
        doc.add_text("path", rel)
        doc.add_bytes("title", title_of(text).encode("utf-8"))
        doc.add_text("body", text)
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - start

    index.reload()
    searcher = index.searcher()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    size, store = directory_bytes(args.index)
    basis = args.input_bytes or input_bytes
    mb = basis / 1048576
    if not args.row:
        print(f"tantivy {version()}: {searcher.num_docs} documents from {folder}, {searcher.num_segments} segments, "
              f"{args.threads} indexing threads, heap {args.heap_mb} MB, analyzer simple → lowercase → ascii_fold → stemmer(dutch)")
        row("corpus", "input MB", "index s", "MB/s", "index MB", "ratio", "w/o st", "peak MB")
        row("-" * 22, "-" * 8, "-" * 8, "-" * 7, "-" * 9, "-" * 6, "-" * 6, "-" * 8)
    row(args.name, f"{mb:.1f}", f"{seconds:.2f}", f"{mb / seconds:.1f}", f"{size / 1048576:.1f}",
        f"{size / basis:.2f}" if basis else "-", f"{(size - store) / basis:.2f}" if basis else "-", f"{peak_mb:.0f}")


def load_queries(path):
    queries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t", 1)
            if len(parts) == 2:
                queries.append((parts[0], parts[1]))
    return queries


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


def queries_command(args):
    queries = load_queries(args.load)
    if not queries:
        sys.exit(f"tantivy_bench: no queries in {args.load} (expected kind<TAB>query lines)")
    t0 = time.perf_counter()
    index = tantivy.Index.open(args.index)
    register_analyzer(index)
    index.reload()
    searcher = index.searcher()
    open_ms = (time.perf_counter() - t0) * 1000

    # The dump is already in Tantivy's query language: `a b c` is OR (the parser's default
    # conjunction), `+a +b` is AND, `"a b"` a phrase; all on the default field body.
    times = {}
    hits = errors = 0
    fields = ["body"]
    start = time.perf_counter()
    for kind, text in queries:
        t = time.perf_counter()
        try:
            query = index.parse_query(text, fields)
        except ValueError:
            query, _ = index.parse_query_lenient(text, fields)
            errors += 1
        result = searcher.search(query, args.limit, count=True)
        if args.fetch:
            # searchctl returns path and title of each hit.
            for _, address in result.hits:
                doc = searcher.doc(address)
                doc.get_first("path"), doc.get_first("title")
        times.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        hits += 1 if result.count > 0 else 0
    seconds = time.perf_counter() - start

    print(f"tantivy {version()} query latency (ms, in-process, top {args.limit} by BM25 + count, "
          f"{'path/title fetched' if args.fetch else 'no stored fields'}), {searcher.num_docs} documents, "
          f"{searcher.num_segments} segments, open {open_ms:.2f} ms")
    rows = []
    for kind in KINDS + sorted(k for k in times if k not in KINDS):
        if kind in times:
            v = times[kind]
            rows.append([kind, str(len(v)), f"{pct(v, 0.5):.3f}", f"{pct(v, 0.95):.3f}", f"{pct(v, 0.99):.3f}"])
    everything = [x for v in times.values() for x in v]
    rows.append(["all", str(len(everything)), f"{pct(everything, 0.5):.3f}", f"{pct(everything, 0.95):.3f}",
                 f"{pct(everything, 0.99):.3f}"])
    table(["kind", "queries", "p50", "p95", "p99"], rows)
    note = f"; {errors} parsed leniently" if errors else ""
    print(f"throughput: {len(queries) / seconds:.0f} queries/s on one thread; "
          f"{hits} of {len(queries)} queries had hits{note}")


def main():
    p = argparse.ArgumentParser(description="Tantivy baseline for the searchctl benchmarks.")
    sub = p.add_subparsers(dest="command", required=True)
    i = sub.add_parser("index", help="index a folder, print time, MB/s and size")
    i.add_argument("folder")
    i.add_argument("index", help="index folder (an earlier Tantivy index there is replaced)")
    i.add_argument("--threads", type=int, default=2, help="indexing threads (default 2)")
    i.add_argument("--heap-mb", type=int, default=256, help="writer heap, all threads together (default 256; run.sh passes searchctl's --memory-mb)")
    i.add_argument("--name", default="tantivy", help="label of the row")
    i.add_argument("--input-bytes", type=int, default=0, help="input size for MB/s and ratios (default: bytes of the files read)")
    i.add_argument("--row", action="store_true", help="print only the table row (for Benchmarks/run.sh)")
    q = sub.add_parser("queries", help="run a dumped query mix, print latency per kind")
    q.add_argument("index")
    q.add_argument("--load", required=True, help="file written by searchctl-bench queries --dump")
    q.add_argument("--limit", type=int, default=10)
    q.add_argument("--no-fetch", dest="fetch", action="store_false",
                   help="do not read path/title of the hits from the doc store")
    args = p.parse_args()
    if args.command == "index":
        index_command(args)
    else:
        queries_command(args)


if __name__ == "__main__":
    main()
