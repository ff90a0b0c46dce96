"""The Python bindings' side of bench.py's `bindings` section: the same worker protocol as
ragppo-bench-embed (one JSON object per line), through `import ragppo`.

After loading and warming up it prints its settings; then "run" embeds every text
(Embedder.embed) and prints {"s": seconds}, and "run cpp" times the same embedding as
C++ does it, in this process (the module's _embed_seconds_in_cpp: only the C++ call
timed). "search both N [NODES]" times N top-3 searches (VectorStore.search) of an index of
the last vectors, each row in turn the query, and N in a C++ loop (_search_seconds_in_cpp),
alternating in chunks: the binding's overhead without the noise between processes. With
NODES the index holds that many nodes: the texts and vectors again, each further vector
its text's plus seeded noise (a flat search costs the same whatever the vectors hold).
"""

import argparse
import json
import sys
import time

import numpy as np
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

    def store_of(v, n_nodes):
        n_nodes = max(n_nodes, len(v))
        rows = np.resize(v, (n_nodes, v.shape[1]))
        noisy = rows[len(v):] + np.random.default_rng(0).normal(0, 0.05, rows[len(v):].shape).astype(np.float32)
        rows[len(v):] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
        store = ragppo.VectorStore(e.dim)
        # Ids of their own, as long as the default (its text's sha256, which a store holds
        # once: the repeated texts would be skipped).
        store.add([ragppo.Node(texts[i % len(texts)], uid=str(i), id=f"{i:064x}") for i in range(n_nodes)], rows)
        return store

    def search_seconds(store, rows, n):
        # The rows are views taken before the clock starts: numpy's row indexing (about
        # 0.1 us) is not the binding's, and the C++ loop has none.
        found = 0
        t0 = time.perf_counter()
        for i in range(n):
            found += len(store.search(rows[i % len(rows)], 3))
        elapsed = time.perf_counter() - t0
        if n and not found:
            raise SystemExit("the searches found nothing")
        return elapsed

    for cmd in sys.stdin:
        cmd = cmd.strip()
        if cmd == "run":
            t0 = time.perf_counter()
            vectors = e.embed(texts)
            reply = {"s": time.perf_counter() - t0}
        elif cmd == "run cpp":
            reply = {"s": e._embed_seconds_in_cpp(texts)}
        elif cmd.startswith("search both ") and vectors is not None:
            # Python's and C++'s searches in 20 alternating chunks of the same queries, so
            # that both see the same state of the machine; seconds of each side.
            words = cmd.split()
            n, chunks = int(words[2]), 20
            store, rows = store_of(vectors, int(words[3]) if len(words) > 3 else 0), list(vectors)
            python_s = cpp_s = 0.0
            for c in range(chunks):
                for side in ("python", "cpp") if c % 2 == 0 else ("cpp", "python"):
                    if side == "cpp":
                        cpp_s += store._search_seconds_in_cpp(vectors, n // chunks, 3)
                    else:
                        python_s += search_seconds(store, rows, n // chunks)
            reply = {"python": python_s, "cpp": cpp_s}
        else:
            reply = {"error": f"unknown command: {cmd}"}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
