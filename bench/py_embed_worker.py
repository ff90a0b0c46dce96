"""The Python bindings' side of bench.py's `bindings` section: the same worker protocol as
ragppo-bench-embed (one JSON object per line), through `import ragppo`.

After loading and warming up it prints its settings; then "run" embeds every text
(Embedder.embed) and prints {"s": seconds}; "search N" times N top-3 searches
(VectorStore.search) of an index of the last vectors, each row in turn the query.
"""

import argparse
import json
import sys
import time

import ragppo


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--texts", required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--max-tokens", type=int, default=0)
    ap.add_argument("--warmup-texts", type=int, default=64)
    a = ap.parse_args()
    with open(a.texts) as f:
        texts = [json.loads(line) for line in f if line.strip()]
    t0 = time.perf_counter()
    e = ragppo.Embedder(max_tokens=a.max_tokens, n_threads=a.threads, query_instruction="")
    load_s = time.perf_counter() - t0
    e.embed(texts[: a.warmup_texts])
    print(json.dumps({"contender": "ragppo-python", "n_texts": len(texts), "dim": e.dim, "threads": a.threads,
                      "load_s": load_s}), flush=True)
    vectors = None
    for cmd in sys.stdin:
        cmd = cmd.strip()
        if cmd == "run":
            t0 = time.perf_counter()
            vectors = e.embed(texts)
            reply = {"s": time.perf_counter() - t0}
        elif cmd.startswith("search ") and vectors is not None:
            n = int(cmd.split()[1])
            store = ragppo.VectorStore(e.dim)
            store.add([ragppo.Node(t, uid=str(i)) for i, t in enumerate(texts)], vectors)
            # The rows as views, taken before the clock starts: numpy's row indexing
            # (about 0.1 us) is not the binding's, and the C++ worker's loop has none.
            rows = list(vectors)
            found = 0
            t0 = time.perf_counter()
            for i in range(n):
                found += len(store.search(rows[i % len(rows)], 3))
            reply = {"s": time.perf_counter() - t0, "hits": found}
        else:
            reply = {"error": f"unknown command: {cmd}"}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
