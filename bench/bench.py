#!/usr/bin/env python3
"""Runs ragppo's benchmarks beside the reference implementations and writes the report.

Called by bench/run.sh (which installs the requirements and builds the programs):

  bench.py --bin BUILD/bin --out BUILD/bench --doc docs/BENCHMARKS.md
           --recipes ../shared/data/recipes/recipenlg_sample.csv --minilm HF_DIR

Every contender is a long-lived worker process (loaded and warmed up once) that
times one full pass per "run" request, so the contenders can be interleaved round
by round on a shared machine: round r times every contender once, in a rotated
order. Figures are the best and the median of the rounds.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import statistics
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

EMBED_GOAL_TORCH = 2.0
EMBED_GOAL_ONNX = 1.5
GEN_GOAL = 0.95


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- workload
def document_text(title: str, ingredients: list[str], steps: list[str]) -> str:
    """The reference setup's document text: name, ingredients and steps around blank lines."""
    return title + " \n\n " + ", ".join(ingredients) + " \n\n " + " ".join(steps)


def write_texts(recipes_csv: Path, n: int, out: Path) -> list[str]:
    """The first n rows of RecipeNLG's sample CSV as document texts, one JSON string per line."""
    texts = []
    with open(recipes_csv, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            texts.append(document_text(row["title"], json.loads(row["ingredients"]), json.loads(row["directions"])))
            if len(texts) == n:
                break
    if len(texts) < n:
        raise SystemExit(f"{recipes_csv} has only {len(texts)} recipes, need {n}")
    out.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
    return texts


# --------------------------------------------------------------------------- workers
class Worker:
    """A benchmark process speaking one JSON object per line over stdin/stdout."""

    def __init__(self, name: str, argv: list[str], env: dict | None = None):
        self.name = name
        log(f"starting {name}: {' '.join(argv)}")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env, bufsize=1)
        self.info = self._read()
        log(f"{name} ready: {json.dumps(self.info)}")

    def _read(self) -> dict:
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit(f"{self.name} exited (code {self.proc.wait()}) before answering")
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)

    def ask(self, cmd: str) -> dict:
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        reply = self._read()
        if "error" in reply:
            raise SystemExit(f"{self.name}: {reply['error']}")
        return reply

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def summary(samples: list[float]) -> dict:
    return {"samples": samples, "best": min(samples), "median": statistics.median(samples)}


# --------------------------------------------------------------------------- embeddings
def bench_embed(args, texts_path: Path, n_texts: int) -> dict:
    threads, max_tokens = args.threads, args.max_tokens
    embed_bin = str(Path(args.bin) / "ragppo-bench-embed")
    common = ["--texts", str(texts_path), "--threads", str(threads), "--max-tokens", str(max_tokens),
              "--warmup-texts", str(args.warmup_texts)]
    workers: dict[str, Worker] = {}
    errors: dict[str, str] = {}
    # batch_tokens 0 = the library's default for its engine.
    for bt in args.batch_tokens:
        workers[f"ragppo:{bt}"] = Worker(f"ragppo batch_tokens={bt or 'default'}",
                                         [embed_bin, *common, "--batch-tokens", str(bt)])
    # The same library on llama.cpp's own BERT graph: what ragppo's graph is measured against.
    workers["ragppo:llama"] = Worker("ragppo on llama.cpp's graph", [embed_bin, *common, "--llama-graph"])
    st = [sys.executable, str(HERE / "st_embed_worker.py"), "--model", args.minilm, "--texts", str(texts_path),
          "--threads", str(threads), "--max-length", str(max_tokens), "--warmup-texts", str(args.warmup_texts)]
    for backend in ("torch", "onnx"):
        try:
            workers[f"st:{backend}"] = Worker(f"sentence-transformers {backend}", [*st, "--backend", backend])
        except SystemExit as e:  # e.g. the ONNX backend cannot be installed or exported here
            errors[f"st:{backend}"] = str(e)
            log(f"sentence-transformers {backend} unavailable: {e}")

    names = list(workers)
    times: dict[str, list[float]] = {k: [] for k in names}
    # The matmul ceiling, measured before and after the rounds (best_rate).
    cfg = json.loads((Path(args.minilm) / "config.json").read_text())
    shapes = layer_shapes(2048, cfg["hidden_size"], cfg["intermediate_size"])
    gemm_rates = [gemm_rate(shapes, threads)] if "st:torch" in workers else []
    load = {"before": loadavg()}
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for k in order:
            s = workers[k].ask("run")["s"]
            times[k].append(s)
            log(f"embed round {r + 1}/{args.rounds} {workers[k].name}: {s:.2f} s ({n_texts / s:.1f} texts/s)")
    load["after"] = loadavg()

    # Parity: the vectors of the last pass, ragppo (default batch) and ONNX against PyTorch.
    parity = {}
    if "st:torch" in workers:
        import numpy as np

        vecs = {}
        for k in [names[0], "ragppo:llama", "st:torch", "st:onnx"]:
            if k in workers:
                path = Path(args.out) / f"vectors-{k.replace(':', '-')}.f32"
                workers[k].ask(f"save {path}")
                vecs[k] = np.fromfile(path, dtype=np.float32).reshape(n_texts, -1)
                path.unlink()
        ref = vecs["st:torch"]
        for k, v in vecs.items():
            if k != "st:torch":
                cos = np.sum(v * ref, axis=1) / (np.linalg.norm(v, axis=1) * np.linalg.norm(ref, axis=1))
                parity[k] = {"min_cosine": float(cos.min()), "mean_cosine": float(cos.mean())}

    for w in workers.values():
        w.close()
    result = {"n_texts": n_texts, "threads": threads, "max_tokens": max_tokens, "rounds": args.rounds,
              "loadavg": load, "errors": errors, "parity_vs_torch": parity, "contenders": {}}
    if "st:torch" in workers:
        result["encoder_gflop"] = encoder_gflop(cfg, workers["st:torch"].info)
        gemm_rates.append(gemm_rate(shapes, threads))
        result["gemm_rate"] = best_rate(gemm_rates)
    for k in names:
        t = summary(times[k])
        result["contenders"][k] = {
            "info": workers[k].info,
            "seconds": t,
            "texts_per_s": {"best": n_texts / t["best"], "median": n_texts / t["median"]},
        }
    return result


def encoder_gflop(cfg: dict, st_info: dict) -> float:
    """The multiply-adds (x2) of a BERT encoder (`cfg`: its HF config.json) over the texts,
    padding excluded: the layers' matmuls (QKV, output, FFN up and down) per token and
    attention's QK^T and AV per token pair of each text. Norms, GELU and softmax are left
    out (a few %)."""
    d, f, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    per_token = 2 * (4 * d * d + 2 * d * f)
    per_token_pair = 4 * d
    return layers * (per_token * st_info["n_tokens"] + per_token_pair * st_info["n_tokens_squared"]) / 1e9


def layer_shapes(tokens: int, d: int, f: int) -> str:
    """A transformer layer's matmuls over `tokens` tokens, as gemm_rate.py takes them:
    QKV, attention output, FFN up, FFN down."""
    return ",".join(f"{tokens}x{k}x{n}" for k, n in ((d, 3 * d), (d, d), (d, f), (f, d)))


def gemm_rate(shapes: str, threads: int) -> dict:
    """PyTorch's matmul rate on this CPU on these shapes (bench/gemm_rate.py, a process of
    its own); {} if it could not run."""
    out = subprocess.run([sys.executable, str(HERE / "gemm_rate.py"), "--threads", str(threads), "--shapes", shapes],
                         capture_output=True, text=True)
    if out.returncode != 0:
        log(f"gemm_rate.py failed: {out.stderr.strip()[-300:]}")
        return {}
    return {"shapes": shapes, **json.loads(out.stdout)}


def best_rate(rates: list[dict]) -> dict:
    """Of gemm_rate() runs before and after a section's rounds, the faster: one run can
    land on a moment when other work shares the machine."""
    return max(rates, key=lambda r: r.get("float32", 0), default={})


def bf16_rate(rate: dict) -> str:
    b = rate.get("bfloat16")
    return f"bfloat16 {b:.0f} GFLOP/s" if b else "bfloat16 not native here (emulated, not timed)"


# --------------------------------------------------------------------------- Python bindings
BINDINGS_GOAL = 1.05  # the bindings add less than 5% over the C++ call


def bench_bindings(args, texts_path: Path, n_texts: int) -> dict:
    """The same calls through `import ragppo` and through the C++ API, round by round:
    Embedder.embed of every text vs embed_documents, and top-3 VectorStore.search vs
    vector_store_search (args.searches queries, each text's vector in turn). The C++
    calls are timed twice: in the Python worker's own process (the module's C++ loops:
    what the goal is judged on, as no difference between processes enters it) and in a
    C++ process of their own (ragppo-bench-embed)."""
    common = ["--texts", str(texts_path), "--threads", str(args.threads), "--max-tokens", str(args.max_tokens),
              "--warmup-texts", str(args.warmup_texts)]
    env = dict(os.environ, PYTHONPATH=str(Path(args.bin).parent / "python"))
    cpp = Worker("ragppo C++", [str(Path(args.bin) / "ragppo-bench-embed"), *common])
    py = Worker("ragppo Python bindings", [sys.executable, str(HERE / "py_embed_worker.py"), *common], env=env)
    # Embedding: each contender's pass in turn. Searching: the C++ process alone, and the
    # Python worker's own searches alternating with its C++ loop in chunks ("search both").
    contenders = {"cpp": (cpp, "run"), "python": (py, "run"), "inproc": (py, "run cpp")}
    names = list(contenders)  # the first round embeds through "python" before anything searches its vectors
    times = {k: {"embed": [], "search": [], "search_ref": []} for k in names}
    load = {"before": loadavg()}
    for r in range(args.rounds):
        for k in names[r % len(names):] + names[: r % len(names)]:
            w, embed_cmd = contenders[k]
            times[k]["embed"].append(w.ask(embed_cmd)["s"])
            if k == "cpp":
                times[k]["search"].append(w.ask(f"search {args.searches}")["s"])
            elif k == "python":
                both = py.ask(f"search both {args.searches}")
                times["python"]["search"].append(both["python"])
                times["inproc"]["search"].append(both["cpp"])
                ref = py.ask(f"search both {args.ref_searches} {args.ref_nodes}")
                times["python"]["search_ref"].append(ref["python"])
                times["inproc"]["search_ref"].append(ref["cpp"])
            log(f"bindings round {r + 1}/{args.rounds} {k}: embed {times[k]['embed'][-1]:.3f} s"
                + (f", {args.searches} searches {times[k]['search'][-1]:.3f} s" if k != "inproc" else "")
                + (f" (C++ loop in the same process {times['inproc']['search'][-1]:.3f} s; {args.ref_searches} searches"
                   f" of {args.ref_nodes} nodes {times['python']['search_ref'][-1]:.3f} s vs C++"
                   f" {times['inproc']['search_ref'][-1]:.3f} s)" if k == "python" else ""))
    load["after"] = loadavg()
    for w in (cpp, py):
        w.close()
    result = {"n_texts": n_texts, "searches": args.searches, "ref_nodes": args.ref_nodes,
              "ref_searches": args.ref_searches, "threads": args.threads, "rounds": args.rounds, "loadavg": load,
              "contenders": {k: {f"{what}_s": summary(t[what]) for what in t if t[what]} for k, t in times.items()}}
    c = result["contenders"]
    for what in ("embed", "search", "search_ref"):
        result[f"ratio_{what}"] = c["python"][f"{what}_s"]["best"] / c["inproc"][f"{what}_s"]["best"]
        result[f"ratio_{what}_median_paired"] = statistics.median(
            p / q for p, q in zip(times["python"][what], times["inproc"][what]))
        result[f"added_{what}_median_paired"] = statistics.median(
            p - q for p, q in zip(times["python"][what], times["inproc"][what]))
    for what in ("embed", "search"):
        result[f"ratio_{what}_vs_process"] = c["python"][f"{what}_s"]["best"] / c["cpp"][f"{what}_s"]["best"]
    return result


def doc_bindings(b: dict | None) -> list[str]:
    if not b:
        return []
    c = b["contenders"]
    met = lambda r: f"goal <= {BINDINGS_GOAL:g}: {'met' if r <= BINDINGS_GOAL else 'not met'}"  # noqa: E731
    if "added_search_ref_median_paired" not in b:  # a report from an older layout of this section
        return ["## Python bindings", "", "(Rerun `bench/run.sh bindings`: this report's figures are of an older layout.)", ""]

    def row(call: str, what: str, per: int = 0) -> str:
        fmt = (lambda s: f"{s / per * 1e6:.1f} us") if per else (lambda s: f"{s:.3f} s")
        py, cpp = c["python"][f"{what}_s"]["best"], c["inproc"][f"{what}_s"]["best"]
        proc = c.get("cpp", {}).get(f"{what}_s")
        paired = b[f"ratio_{what}_median_paired"]
        diff = b[f"added_{what}_median_paired"]
        added = f"{diff / per * 1e6:+.2f} us" if per else f"{diff:+.3f} s"
        return (f"| {call} | {fmt(py)} | {fmt(cpp)} | {added} | {paired:.3f} ({met(paired)}); {b[f'ratio_{what}']:.3f} | "
                + (f"{fmt(proc['best'])} | {b[f'ratio_{what}_vs_process']:.3f} |" if proc else "- | - |"))

    return ["## Python bindings", "",
            f"The same calls through `import ragppo` (nanobind) and through the C++ API, {b['rounds']} rounds, "
            f"{b['threads']} threads: `Embedder.embed` of {b['n_texts']} recipe texts vs `embed_documents`, and top-3 "
            f"searches (`VectorStore.search` vs `vector_store_search`) of two exact stores: the {b['n_texts']} vectors "
            f"({b['searches']} searches a round), and {b['ref_nodes']} nodes, the size of the reference setup's recipe "
            f"index ({b['ref_searches']} searches a round; the {b['n_texts']} texts and vectors again, each further "
            f"vector its text's plus seeded noise: a flat search costs the same whatever the vectors hold). The C++ "
            f"calls are timed in the Python worker's own process (the module's `_embed_seconds_in_cpp` and "
            f"`_search_seconds_in_cpp`: the same model and store, only the C++ calls timed), back to back with the "
            f"Python calls; searches alternate with them in 20 chunks of the same queries. For the record, also in a "
            f"C++ process of their own (`ragppo-bench-embed`), where the spread between processes is larger than what "
            f"a binding adds. The goal (the bindings add < 5%) is judged on the median over the rounds of Python / C++ "
            f"in one process, each round's pair run back to back (one fast or slow round moves a ratio of best "
            f"rounds, also shown, by more than the 5%): <= {BINDINGS_GOAL}.",
            "",
            "| call | Python (best) | C++, same process (best) | added by the binding (median of the pairs) | "
            "Python / C++: median of the pairs; best / best | C++ process (best) | Python / C++ process |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            row(f"embed {b['n_texts']} texts", "embed"),
            row(f"top-3 search of {b['n_texts']} nodes (per query)", "search", b["searches"]),
            row(f"top-3 search of {b['ref_nodes']} nodes (per query)", "search_ref", b["ref_searches"]), ""]


# --------------------------------------------------------------------------- generation
def llama_bench(args, gguf: str) -> dict:
    argv = [str(Path(args.bin) / "llama-bench"), "-m", gguf, "-p", str(args.prompt_tokens), "-n",
            str(args.new_tokens), "-d", f"0,{args.prompt_tokens}", "-t", str(args.threads), "-r", str(args.gen_reps), "-o", "json"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    rows = json.loads(out)
    res = {}
    for row in rows:
        kind = "pp" if row["n_prompt"] > 0 else "tg"
        res[f"{kind}@d{row.get('n_depth', 0)}"] = row.get("samples_ts") or [row["avg_ts"]]
        res.setdefault("build_commit", row.get("build_commit"))
    return res


def bench_generate(args, texts_path: Path) -> dict:
    gen = Worker("ragppo generate", [str(Path(args.bin) / "ragppo-bench-generate"), "--texts", str(texts_path),
                                     "--threads", str(args.threads), "--prompt-tokens", str(args.prompt_tokens),
                                     "--new-tokens", str(args.new_tokens)])
    gguf = gen.info["gguf"]
    ours = {"pp": [], "tg": [], "tg_short": []}
    ref: dict[str, list[float]] = {}
    commit = None
    load = {"before": loadavg()}
    for r in range(args.rounds):
        steps = ["ours", "ref"] if r % 2 == 0 else ["ref", "ours"]
        for step in steps:
            if step == "ours":
                for _ in range(args.gen_reps):
                    g = gen.ask("run")
                    if g["prompt_tokens"] != args.prompt_tokens or g["completion_tokens"] != args.new_tokens:
                        raise SystemExit(f"ragppo generate: unexpected token counts {g}")
                    ours["pp"].append(g["prompt_tokens"] / g["prompt_ms"] * 1000.0)
                    ours["tg"].append(g["completion_tokens"] / g["generate_ms"] * 1000.0)
                for _ in range(args.gen_reps if gen.info.get("short_prompt") else 0):
                    g = gen.ask("run short")
                    ours["tg_short"].append(g["completion_tokens"] / g["generate_ms"] * 1000.0)
                last = {k: " ".join(f"{x:.1f}" for x in v[-args.gen_reps:]) for k, v in ours.items()}
                log(f"generate round {r + 1}/{args.rounds} ragppo: pp {last['pp']} t/s, tg {last['tg']} t/s, "
                    f"tg from a short prompt {last['tg_short']} t/s")
            else:
                lb = llama_bench(args, gguf)
                commit = lb.pop("build_commit", None)
                for k, v in lb.items():
                    ref.setdefault(k, []).extend(v)
                log(f"generate round {r + 1}/{args.rounds} llama-bench: "
                    + ", ".join(f"{k} {' '.join(f'{x:.1f}' for x in v)} t/s" for k, v in lb.items()))
    load["after"] = loadavg()
    gen.close()

    def best_median(xs):  # rates: best is the highest
        return {"samples": xs, "best": max(xs), "median": statistics.median(xs)}

    return {"threads": args.threads, "prompt_tokens": args.prompt_tokens, "new_tokens": args.new_tokens,
            "rounds": args.rounds, "reps": args.gen_reps, "loadavg": load, "gguf": gguf, "model": gen.info["model"],
            "llama_bench_commit": commit, "ragppo_info": gen.info,
            "ragppo": {k: best_median(v) for k, v in ours.items() if v},
            "llama_bench": {k: best_median(v) for k, v in ref.items()}}


# --------------------------------------------------------------------------- index build vs LlamaIndex
def offline_env() -> dict:
    """Every contender runs offline: the models are local, nothing may reach for a hub."""
    return dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")


def run_timed(argv: list[str], what: str) -> tuple[float, str]:
    """Runs a fresh process to completion; (wall seconds, stdout)."""
    import time

    t = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True, env=offline_env())
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{what} failed (exit {p.returncode}): {p.stderr.strip()[-2000:]}")
    return wall, p.stdout


def last_json(text: str, what: str) -> dict:
    for line in reversed(text.splitlines()):
        if line.strip().startswith("{"):
            return json.loads(line)
    raise SystemExit(f"{what} printed no JSON")


def bench_llamaindex(args) -> dict:
    """`ragppo index` and ragppo-bench-build against LlamaIndex on the same recipes and model,
    each a fresh process per round, in a rotated order."""
    import re

    out = Path(args.out)
    work = out / "li-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    limit = ["--limit", str(args.li_limit)] if args.li_limit else []
    threads = str(args.threads)
    cli = [str(Path(args.bin) / "ragppo"), "index", "-d", args.recipes_json, "-o", str(work / "cli-index"),
           "--max-tokens", str(args.max_tokens), "-t", threads, *limit]
    build = [str(Path(args.bin) / "ragppo-bench-build"), "--dataset", args.recipes_json, "--dir",
             str(work / "build-index"), "--max-tokens", str(args.max_tokens), "--threads", threads, *limit]
    li = [sys.executable, str(HERE / "li_index_worker.py"), "--recipes", args.recipes_json, "--minilm", args.minilm,
          "--dir", str(work / "llamaindex"), "--max-length", str(args.max_tokens), "--threads", threads, *limit]

    samples: dict[str, list] = {"cli": [], "build": [], "li": []}
    names = list(samples)
    load = {"before": loadavg()}
    for r in range(args.rounds):
        for k in names[r % len(names):] + names[: r % len(names)]:
            if k == "cli":
                wall, text = run_timed(cli, "ragppo index")
                m = re.search(r": (\d+) nodes .*embedding ([0-9.]+) s", text)
                if not m:
                    raise SystemExit(f"ragppo index printed no summary line: {text!r}")
                rec = {"wall_s": wall, "nodes": int(m.group(1)), "embed_s": float(m.group(2))}
            elif k == "build":
                wall, text = run_timed(build, "ragppo-bench-build")
                rec = dict(last_json(text, "ragppo-bench-build"), wall_s=wall)
            else:
                wall, text = run_timed(li, "LlamaIndex worker")
                rec = dict(last_json(text, "LlamaIndex worker"), wall_s=wall)
            samples[k].append(rec)
            log(f"llamaindex round {r + 1}/{args.rounds} {k}: {wall:.1f} s wall, {rec['nodes']} nodes")
    load["after"] = loadavg()
    nodes = {k: {rec["nodes"] for rec in v} for k, v in samples.items()}
    if len(set().union(*nodes.values())) != 1:
        raise SystemExit(f"the contenders made different node counts: {nodes}")
    shutil.rmtree(work, ignore_errors=True)

    def stat(k, field, pick=lambda x: x):
        return summary([pick(rec[field]) for rec in samples[k]])

    b, l = samples["build"][0], samples["li"][0]
    return {
        "recipes": b["recipes"], "nodes": b["nodes"], "threads": args.threads, "max_tokens": args.max_tokens,
        "rounds": args.rounds, "loadavg": load, "versions": l["versions"], "bytes": {"ragppo": b["bytes"], "llamaindex": l["bytes"]},
        "ragppo_index": {"wall_s": stat("cli", "wall_s"), "embed_s": stat("cli", "embed_s")},
        "ragppo": {f: stat("build", f) for f in ("wall_s", "model_s", "read_s", "split_s", "embed_s", "save_s")}
        | {"split_embed_s": summary([rec["split_s"] + rec["embed_s"] for rec in samples["build"]]),
           "load_s": stat("build", "load_s", min)},
        "llamaindex": {f: stat("li", f) for f in ("wall_s", "import_s", "model_s", "read_s", "build_s", "save_s")}
        | {"load_s": stat("li", "load_s", min)},
        "samples": samples,
    }


# --------------------------------------------------------------------------- vector store latency
def bench_index(args) -> dict:
    """ragppo-bench-index: flat at the recipe index's size, HNSW towards 1M synthetic vectors."""
    argv = [str(Path(args.bin) / "ragppo-bench-index"), "--dir", str(Path(args.out) / "index-work"),
            *args.index_args.split()]
    log("running " + " ".join(argv))
    load = {"before": loadavg()}
    p = subprocess.run(argv, stdout=subprocess.PIPE, text=True)  # progress goes to our stderr
    if p.returncode != 0:
        raise SystemExit(f"ragppo-bench-index failed (exit {p.returncode})")
    res = last_json(p.stdout, "ragppo-bench-index")
    res["loadavg"] = dict(load, after=loadavg())
    res["argv"] = argv[1:]
    return res


# --------------------------------------------------------------------------- PPO step vs TRL
def ppo_model(args, work: Path) -> Path:
    """The random-weight GPT-2 both sides train, made once per (layers, seed) and kept in work/."""
    model = work / f"model-l{args.ppo_layers}-s{args.ppo_seed}"
    stamp = model / "bench_model.json"
    if stamp.exists():
        s = json.loads(stamp.read_text())
        if s.get("n_layer") == args.ppo_layers and s.get("seed") == args.ppo_seed:
            return model
    log(f"making the PPO benchmark model in {model}")
    subprocess.run([sys.executable, str(HERE / "make_ppo_model.py"), "--out", str(model), "--tokenizer-from",
                    args.gpt2_tokenizer, "--n-layer", str(args.ppo_layers), "--seed", str(args.ppo_seed)],
                   check=True, env=offline_env(), stdout=subprocess.DEVNULL)
    return model


def ppo_articles(args, model: Path, out: Path) -> list[dict]:
    """The first --ppo-batch validation articles with at least --ppo-query-tokens tokens, as JSONL."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model / "tokenizer.json"))
    rows = []
    with open(args.cnn_dailymail, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if len(tok.encode(row["article"]).ids) >= args.ppo_query_tokens:
                rows.append({"id": row["id"], "article": row["article"], "highlights": row["highlights"]})
                if len(rows) == args.ppo_batch:
                    break
    if len(rows) < args.ppo_batch:
        raise SystemExit(f"{args.cnn_dailymail}: fewer than {args.ppo_batch} articles of {args.ppo_query_tokens} tokens")
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return rows


def ppo_step_gflop(info: dict, batch: int, query_tokens: int, new_tokens: int) -> float:
    """The multiply-adds (x2) of ragppo's PPO step: two scoring passes (policy and
    reference) and, in each PPO epoch, a forward and a backward pass (counted as two
    forwards). A forward: every layer's matmuls for each token, causal attention for
    each token pair, the vocabulary head at the response positions only (the value head
    and norms left out)."""
    m = info["model"]
    d, layers, vocab, t = m["n_embd"], m["n_layer"], m["vocab_size"], query_tokens + new_tokens
    forward = batch * (layers * (2 * (4 * d * d + 2 * d * 4 * d) * t + 4 * d * t * (t + 1) // 2)
                       + 2 * d * vocab * new_tokens)
    return (2 + 3 * info["ppo_epochs"]) * forward / 1e9


def bench_ppo(args) -> dict:
    """One PPO step (rollout, ROUGE-1 reward, optimisation) of ragppo and of TRL, round by round."""
    work = Path(args.out) / "ppo-work"
    work.mkdir(parents=True, exist_ok=True)
    model = ppo_model(args, work)
    data = work / "articles.jsonl"
    rows = ppo_articles(args, model, data)
    common = ["--model", str(model), "--data", str(data), "--query-tokens", str(args.ppo_query_tokens),
              "--new-tokens", str(args.ppo_new_tokens), "--threads", str(args.ppo_threads),
              "--device", args.ppo_device, "--seed", str(args.ppo_seed)]
    workers = {
        "ragppo": Worker("ragppo PPO", [str(Path(args.bin) / "ragppo-bench-ppo"), *common], env=offline_env()),
        # The same binary with BF16 autocast (`ragppo ppo --bf16`), an option beside the fp32 default.
        **({"ragppo_bf16": Worker("ragppo PPO --bf16", [str(Path(args.bin) / "ragppo-bench-ppo"), *common, "--bf16"],
                                  env=offline_env())} if args.ppo_bf16 else {}),
        "trl": Worker("TRL PPO", [sys.executable, str(HERE / "trl_ppo_worker.py"), *common,
                                  *(["--batched-generate"] if args.ppo_trl_batched else [])], env=offline_env()),
    }
    ours, ref = workers["ragppo"].info, workers["trl"].info
    if ours["queries_fnv1a"] != ref["queries_fnv1a"]:
        raise SystemExit("ppo: the two sides tokenised the articles differently")
    for k in ("n_layer", "n_embd", "vocab_size", "parameters"):
        if ours["model"][k] != ref["model"][k]:
            raise SystemExit(f"ppo: the two sides loaded different models ({k}: {ours['model'][k]} vs {ref['model'][k]})")

    names = list(workers)
    samples: dict[str, list] = {k: [] for k in names}
    m = ours["model"]
    shapes = layer_shapes(len(rows) * (args.ppo_query_tokens + args.ppo_new_tokens), m["n_embd"], 4 * m["n_embd"])
    cpu = args.ppo_device == "cpu"
    gemm_rates = [gemm_rate(shapes, args.ppo_threads)] if cpu else []  # the ceiling, as in the embed section
    load = {"before": loadavg()}
    for r in range(args.ppo_rounds):
        for k in names[r % len(names):] + names[: r % len(names)]:
            rec = workers[k].ask("run")
            lengths = rec["response_tokens"] + rec.get("batched_response_tokens", [])
            if any(n != args.ppo_new_tokens for n in lengths):
                raise SystemExit(f"ppo: {k} generated responses of {lengths} tokens, not {args.ppo_new_tokens}")
            samples[k].append(rec)
            extra = f", batched generate {rec['generate_batched_s']:.1f} s" if "generate_batched_s" in rec else ""
            log(f"ppo round {r + 1}/{args.ppo_rounds} {k}: generate {rec['generate_s']:.1f} s, "
                f"reward {rec['reward_s']:.3f} s, step {rec['step_s']:.1f} s, total {rec['total_s']:.1f} s{extra}")
    load["after"] = loadavg()
    for w in workers.values():
        w.close()
    if cpu:
        gemm_rates.append(gemm_rate(shapes, args.ppo_threads))

    def stat(k, f):
        return summary([rec[f] if f in rec else rec["stats"][f] for rec in samples[k]])

    fields = ["generate_s", "reward_s", "step_s", "total_s", "time/ppo/forward_pass", "time/ppo/optimize_step",
              "time/ppo/total"]
    res = {"device": args.ppo_device, "threads": args.ppo_threads, "rounds": args.ppo_rounds,
           "batch": args.ppo_batch, "query_tokens": args.ppo_query_tokens, "new_tokens": args.ppo_new_tokens,
           "n_layer": args.ppo_layers, "seed": args.ppo_seed, "article_ids": [r["id"] for r in rows],
           "loadavg": load, "info": {k: w.info for k, w in workers.items()},
           "step_gflop": ppo_step_gflop(ours, len(rows), args.ppo_query_tokens, args.ppo_new_tokens),
           "gemm_rate": best_rate(gemm_rates),
           "ragppo": {f: stat("ragppo", f) for f in fields}, "trl": {f: stat("trl", f) for f in fields},
           "samples": samples}
    if "ragppo_bf16" in samples:
        res["ragppo_bf16"] = {f: stat("ragppo_bf16", f) for f in fields}
    if args.ppo_trl_batched:
        res["trl"]["generate_batched_s"] = stat("trl", "generate_batched_s")
        # What TRL's step would take with batched generation: the same reward and PPO step.
        res["trl"]["total_batched_s"] = summary([rec["total_s"] - rec["generate_s"] + rec["generate_batched_s"]
                                                 for rec in samples["trl"]])
    return res


# --------------------------------------------------------------------------- report
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


KERNEL_FLAGS = ["sse4_2", "avx", "f16c", "fma", "avx2", "bmi2", "avx_vnni", "avx512f", "avx512bw", "avx512vl",
                "avx512vbmi", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16"]


def cpu_flags() -> str:
    """The x86 features that decide which kernels run (ggml variant, oneDNN/MKL paths)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                have = set(line.split(":", 1)[1].split())
                return " ".join(f for f in KERNEL_FLAGS if f in have)
    except OSError:
        pass
    return "unknown"


def ggml_variant(bin_dir: str) -> str:
    """The ggml CPU variant ragppo loads here, as `ragppo system-info` reports it."""
    try:
        out = subprocess.run([str(Path(bin_dir) / "ragppo"), "system-info"], capture_output=True, text=True,
                             timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    for line in out.splitlines():
        if line.startswith("ggml variant"):
            return line.split(None, 2)[2]
    return "unknown"


def verdict(ratio: float, goal: float) -> str:
    digits = 3 if abs(ratio - goal) < 0.005 else 2  # never print 0.95x next to "not met" for 0.95
    return f"{ratio:.{digits}f}x (goal >= {goal:g}x: {'met' if ratio >= goal else 'not met'})"


HNSW_P50_GOAL_MS = 5.0


# --------------------------------------------------------------------------- PPO runs of ragppo itself
def ragppo_ppo_run(args, model: Path, out: Path, steps: int, extra: list[str]) -> tuple[list[float], float]:
    """One `ragppo ppo` run of `steps` steps on the benchmark model: its seconds per step
    (time/step of stats.jsonl) and the peak resident memory of rank 0's process, in MiB."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(Path(args.bin) / "ragppo"), "ppo", "--offline", "-m", str(model), "-d", args.cnn_dailymail,
           "--limit", "64", "--eval-samples", "0", "--steps", str(steps), "--batch-size", "4",
           "--mini-batch-size", "4", "--query-max-tokens", str(args.ranks_query_tokens),
           "-n", str(args.ranks_new_tokens), "--save-every", "0", "--no-export", "--no-plots", "-o", str(out), *extra]
    proc = subprocess.Popen(cmd, env=offline_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"ragppo ppo failed ({proc.returncode}): {' '.join(cmd)}")
    return ([json.loads(line)["time/step"] for line in (out / "stats.jsonl").read_text().splitlines()],
            usage.ru_maxrss / 1024)


def bench_ranks(args) -> dict:
    """Seconds per `ragppo ppo` step with 1, 2, ... data-parallel ranks (--nproc) on this machine's cores."""
    work = Path(args.out) / "ppo-work"
    work.mkdir(parents=True, exist_ok=True)
    model = ppo_model(args, work)
    runs: dict[str, list] = {str(n): [] for n in args.ranks}
    load = {"before": loadavg()}
    for r in range(args.ppo_rounds):
        order = args.ranks[r % len(args.ranks):] + args.ranks[: r % len(args.ranks)]
        for n in order:
            steps, _ = ragppo_ppo_run(args, model, work / f"ranks-{n}", args.ranks_steps,
                                      ["--nproc", str(n), "-t", str(max(1, args.ppo_threads // n))])
            runs[str(n)].append(steps[1:] or steps)  # the first step warms up
            log(f"ranks round {r + 1}/{args.ppo_rounds}, {n} rank(s): " + ", ".join(f"{t:.2f}" for t in steps) + " s/step")
    load["after"] = loadavg()
    return {"ranks": args.ranks, "query_tokens": args.ranks_query_tokens, "new_tokens": args.ranks_new_tokens,
            "steps": args.ranks_steps, "threads": args.ppo_threads, "n_layer": args.ppo_layers, "rounds": args.ppo_rounds,
            "s_per_step": {n: summary([t for run in v for t in run]) for n, v in runs.items()}, "loadavg": load}


# --------------------------------------------------------------------------- LoRA vs full fine-tuning
LORA_VARIANTS = {
    "full": [],
    "lora-c_attn": ["--lora-r", "16", "--lora-alpha", "32", "--lora-targets", "c_attn"],
    "lora-all": ["--lora-r", "16", "--lora-alpha", "32", "--lora-targets", "c_attn,c_proj,c_fc"],
    "full-bf16": ["--bf16"],
    "lora-c_attn-bf16": ["--lora-r", "16", "--lora-alpha", "32", "--lora-targets", "c_attn", "--bf16"],
}


def bench_lora(args) -> dict:
    """`ragppo ppo` with full fine-tuning vs LoRA adapters: seconds per step and peak RSS."""
    work = Path(args.out) / "ppo-work"
    work.mkdir(parents=True, exist_ok=True)
    model = ppo_model(args, work)
    names = list(LORA_VARIANTS)
    runs: dict[str, list] = {n: [] for n in names}
    rss: dict[str, list] = {n: [] for n in names}
    load = {"before": loadavg()}
    for r in range(args.ppo_rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            steps, peak = ragppo_ppo_run(args, model, work / f"lora-{name}", args.ranks_steps,
                                         ["-t", str(args.ppo_threads), *LORA_VARIANTS[name]])
            runs[name].append(steps[1:] or steps)
            rss[name].append(peak)
            log(f"lora round {r + 1}/{args.ppo_rounds}, {name}: " + ", ".join(f"{t:.2f}" for t in steps) +
                f" s/step, peak RSS {peak:.0f} MiB")
    load["after"] = loadavg()
    return {"variants": {n: " ".join(LORA_VARIANTS[n]) or "(full fine-tuning)" for n in names},
            "query_tokens": args.ranks_query_tokens, "new_tokens": args.ranks_new_tokens, "steps": args.ranks_steps,
            "threads": args.ppo_threads, "n_layer": args.ppo_layers, "rounds": args.ppo_rounds,
            "s_per_step": {n: summary([t for run in v for t in run]) for n, v in runs.items()},
            "peak_rss_mib": {n: max(v) for n, v in rss.items()}, "loadavg": load}


# --------------------------------------------------------------------------- serve under load
def wait_healthy(port: int, proc: subprocess.Popen, what: str, timeout: float = 300) -> None:
    import time
    import urllib.request

    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"serve: {what} exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.5)
    raise SystemExit(f"serve: {what} not healthy after {timeout:.0f} s")


def bench_serve(args) -> dict:
    """`ragppo serve` and llama.cpp's llama-server under the same streaming load, one after the other."""
    import glob
    import socket

    sys.path.insert(0, str(HERE))
    from serve_load import run_load

    work = Path(args.out) / "serve-work"
    work.mkdir(parents=True, exist_ok=True)
    home = Path(os.environ.get("RAGPPO_HOME", Path.home() / ".cache" / "ragppo"))
    ggufs = sorted(glob.glob(str(home / "hub" / "**" / "SmolLM2-135M-Instruct*.gguf"), recursive=True))
    if not ggufs:
        raise SystemExit(f"serve: the embedded LLM's GGUF is not under {home / 'hub'} (run scripts/setup.sh)")
    gguf = ggufs[0]
    ragppo = str(Path(args.bin) / "ragppo")
    idx = work / "index"  # ragppo serve needs one; the vanilla answers measured here do not read it
    if not (idx / "manifest.json").exists():
        subprocess.run([ragppo, "index", "-d", args.recipes_json, "--limit", "50", "-o", str(idx), "--offline"],
                       check=True, env=offline_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    recipes = json.loads(Path(args.recipes_json).read_text(encoding="utf-8"))
    rows = recipes if isinstance(recipes, list) else next(iter(recipes.values()))
    questions = [f"How do I make {r.get('name') or r.get('title')}?" for r in rows if (r.get("name") or r.get("title"))]

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    P, T = args.serve_parallel, args.threads
    contenders = {
        "ragppo": (lambda port: [ragppo, "serve", "-i", str(idx), "--port", str(port), "--parallel", str(P),
                                 "-t", str(T), "--queue-size", str(args.serve_queue)], "ragppo-vanilla"),
        "llama-server": (lambda port: [str(Path(args.bin) / "llama-server"), "-m", gguf, "--port", str(port),
                                       "-np", str(P), "-t", str(T), "-c", str(1024 * P), "--no-webui"], "smollm2"),
    }
    res = {"gguf": Path(gguf).name, "parallel": P, "threads": T, "clients": args.serve_clients,
           "seconds": args.serve_seconds, "max_tokens": args.serve_max_tokens, "queue": args.serve_queue,
           "load": {"before": loadavg()}, "runs": {}, "rounds": {name: [] for name in contenders}}
    names = list(contenders)
    for rnd in range(args.serve_rounds):
        for name in names[rnd % 2:] + names[: rnd % 2]:  # the order alternates between rounds
            argv, model = contenders[name]
            port = free_port()
            proc = subprocess.Popen(argv(port), env=offline_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_healthy(port, proc, name)
                r = run_load(f"http://127.0.0.1:{port}", model, questions, args.serve_clients, args.serve_seconds,
                             args.serve_max_tokens)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            res["rounds"][name].append(r)
            log(f"serve round {rnd + 1}/{args.serve_rounds} {name}: {r['tokens_per_s']:.1f} tokens/s, {r['ok']} ok, "
                f"{r['status_503']} x 503, {r['errors']} errors, TTFT p50 {r['ttft_p50']} p99 {r['ttft_p99']}")
    # Each server's best round (most tokens/s) is its row, as the other sections report their best.
    for name, rounds in res["rounds"].items():
        res["runs"][name] = max(rounds, key=lambda r: r["tokens_per_s"])
    res["load"]["after"] = loadavg()
    return res


def doc_serve(sv: dict | None) -> list[str]:
    if not sv:
        return []
    ours, ref = sv["runs"]["ragppo"], sv["runs"]["llama-server"]

    def s(x):
        return "-" if x is None else f"{x:.2f}"

    L = ["## Serving under load (`ragppo serve` vs `llama-server`)", "",
         f"`bench/serve_load.py`: {sv['clients']} concurrent clients on loopback for {sv['seconds']:.0f} s, each asking "
         f"recipe questions one after another (\"How do I make <recipe>?\", the names of `recipes.json`), streaming, "
         f"greedy without repetition penalty, at most {sv['max_tokens']} new tokens. Same GGUF ({sv['gguf']}), {sv['threads']} threads, "
         f"{sv['parallel']} parallel slots on both; ragppo answers as `ragppo-vanilla` (no retrieval, so the work is the "
         f"LLM's alone) with its bounded queue of {sv['queue']} (more gets 503 + Retry-After: 1; a client then waits "
         "the Retry-After, as the openai client does), llama-server (built from the same pinned llama.cpp, `-c` = 1024 per slot) queues without bound. "
         "Tokens = streamed content chunks of the requests that finished inside the window; TTFT = time to the first "
         "content chunk; seconds. Both render the GGUF's chat template with llama.cpp's Jinja engine and decode "
         "greedily, so the answers are the same text (checked on one question) and the mean answer length is reported "
         "below; tokens/s is the measure of work done. "
         + (f"{len(sv['rounds']['ragppo'])} rounds per server, the order alternating; each row is the server's "
            "best round (tokens/s of every round below)." if sv.get("rounds") else "One round per server."), "",
         "| server | tokens/s | TTFT p50 | TTFT p99 | latency p50 | latency p99 | answered | 503 | other errors |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in (("ragppo serve", ours), ("llama-server", ref)):
        L.append(f"| {name} | {r['tokens_per_s']:.1f} | {s(r['ttft_p50'])} | {s(r['ttft_p99'])} | "
                 f"{s(r['latency_p50'])} | {s(r['latency_p99'])} | {r['ok']} | {r['status_503']} | {r['errors']} |")
    ratio = ours["tokens_per_s"] / ref["tokens_per_s"] if ref["tokens_per_s"] else float("nan")
    L += ["", f"- tokens/s, ragppo / llama-server: {verdict(ratio, 1.0)}"]
    if sv.get("rounds"):
        L.append("- tokens/s of every round: " + "; ".join(
            f"{name} " + ", ".join(f"{r['tokens_per_s']:.1f}" for r in rounds) for name, rounds in sv["rounds"].items()))
    if ours["ttft_p99"] is not None and ref["ttft_p99"] is not None:
        met = "met" if ours["ttft_p99"] <= ref["ttft_p99"] else "not met"
        L.append(f"- p99 time to first token: ragppo {ours['ttft_p99']:.2f} s, llama-server {ref['ttft_p99']:.2f} s "
                 f"(goal: ragppo's <= llama-server's: {met}; ragppo's excludes the requests it turned away with 503)")
    for name, r in (("ragppo", ours), ("llama-server", ref)):
        if r["error_samples"]:
            L.append(f"- {name} errors (first kinds): {'; '.join(r['error_samples'])}")
    L.append("- mean tokens per answer: " + ", ".join(f"{name} {r['mean_tokens']:.1f}" for name, r in (("ragppo", ours), ("llama-server", ref))))
    L += ["- Both servers batch their slots' sequences in one llama.cpp context (continuous batching); ragppo's "
          "`--parallel N` runs N sequences of `-c` tokens each (`llm/batch_engine.h`). Both keep a slot's cells "
          "for the next prompt that shares their start (llama-server's prompt cache; ragppo's since session 13).",
          f"- Load average: {sv['load']['before']} -> {sv['load']['after']}", ""]
    return L


def doc_ranks(rk: dict | None) -> list[str]:
    if not rk:
        return []
    L = ["## PPO with several ranks (`ragppo ppo --nproc N`)", "",
         f"`ragppo ppo --nproc N` on the PPO section's model (GPT-2 with {rk['n_layer']} layers, random weights), "
         f"batch 4 and mini-batch 4 split between the ranks, queries of {rk['query_tokens']} tokens, "
         f"{rk['new_tokens']} new tokens, {rk['steps']} steps per run (the first left out as warm-up), "
         f"{rk['threads']} threads shared by the ranks (each rank {rk['threads']} / N), Gloo over loopback; "
         f"{rk['rounds']} round(s), the rank counts alternating. Seconds per step, best / median; docs/SCALING.md "
         "says what the ranks do.", "",
         "| ranks | s/step (best) | s/step (median) | steps/s (best) | speed vs 1 rank (best) |",
         "| ---: | ---: | ---: | ---: | ---: |"]
    base = rk["s_per_step"][str(rk["ranks"][0])]["best"]
    for n in rk["ranks"]:
        st = rk["s_per_step"][str(n)]
        L.append(f"| {n} | {st['best']:.2f} | {st['median']:.2f} | {1 / st['best']:.3f} | {base / st['best']:.2f}x |")
    L += ["", "- The ranks share the same cores here, so no speed-up is expected; what this shows is the cost of the "
          "collectives and of two processes on one machine. On a machine with a core set (or a GPU) per rank the "
          "model passes of each rank run on its share of the batch in parallel.",
          f"- Load average during the rounds: {rk['loadavg']['before']} -> {rk['loadavg']['after']}", ""]
    return L
def doc_lora(lo: dict | None) -> list[str]:
    if not lo:
        return []
    L = ["## PPO with LoRA adapters vs full fine-tuning (`ragppo ppo --lora-r`)", "",
         f"`ragppo ppo` on the PPO section's model (GPT-2 with {lo['n_layer']} layers, random weights), batch 4 = "
         f"mini-batch 4, 4 PPO epochs, queries of {lo['query_tokens']} tokens, {lo['new_tokens']} new tokens, "
         f"{lo['steps']} steps per run (the first left out as warm-up), {lo['threads']} threads; {lo['rounds']} "
         "round(s), the variants rotating. Peak RSS is the whole process's (`wait4`), the run's largest.", "",
         "| variant | flags | s/step (best) | s/step (median) | speed vs full (best) | peak RSS (MiB) | RSS vs full |",
         "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    base, base_rss = lo["s_per_step"]["full"]["best"], lo["peak_rss_mib"]["full"]
    for n, flags in lo["variants"].items():
        st = lo["s_per_step"][n]
        L.append(f"| {n} | `{flags}` | {st['best']:.2f} | {st['median']:.2f} | {base / st['best']:.2f}x | "
                 f"{lo['peak_rss_mib'][n]:.0f} | {lo['peak_rss_mib'][n] / base_rss:.2f}x |")
    L += ["", "- With LoRA the KL reference is the base weights with the adapters off: no second copy of the model, "
          "and gradients and Adam's moments exist only for the adapters and the value head. The backward pass still "
          "runs through every layer (for the input gradients), but skips the frozen weights' gradients and Adam's "
          "update of them: the step is faster, by less than the memory falls.",
          f"- Load average during the rounds: {lo['loadavg']['before']} -> {lo['loadavg']['after']}", ""]
    return L


SECTIONS = ["embed", "generate", "llamaindex", "index", "ppo", "ranks", "lora", "serve", "bindings"]
PPO_GOAL = 3.0


def doc_llamaindex(li: dict | None) -> list[str]:
    L = ["## Index build, save and load vs LlamaIndex", ""]
    if not li:
        return L + ["Not measured yet: run `bench/run.sh llamaindex`.", ""]
    r, o, c = li["ragppo"], li["llamaindex"], li["ragppo_index"]
    L += [f"The first {li['recipes']} recipes of `recipes/recipes.json` ({li['nodes']} nodes on both sides), "
          f"all-MiniLM-L6-v2 (ragppo: its default GGUF, BF16 on CPUs with AVX512_BF16 else F32, converted from "
          f"the HF checkpoint that HuggingFaceEmbedding loads), texts truncated at {li['max_tokens']} tokens (sentence-transformers' limit for this model; "
          "`ragppo index --max-tokens` on our side), chunks of 1,024 tokens with 200 overlap counted in the "
          f"embedder's tokens on both sides, {li['threads']} threads. Documents are the notebook's "
          "(name, ingredients, steps), the same as in the retrieval parity test. Each contender runs as a fresh "
          f"process in each of {li['rounds']} rounds (order rotated): `ragppo index`, `ragppo-bench-build` "
          "(the same `rag::build_index`, timed by stage) and `bench/li_index_worker.py` "
          f"(llama-index-core {li['versions']['llama-index-core']}, llama-index-embeddings-huggingface "
          f"{li['versions']['llama-index-embeddings-huggingface']}: `VectorStoreIndex.from_documents` with "
          "`HuggingFaceEmbedding`, `StorageContext.persist`, `load_index_from_storage`). Seconds, best and "
          "median of the rounds; ratio = LlamaIndex / ragppo (above 1: ragppo is faster).", "",
          "| step | ragppo (best / median) | LlamaIndex (best / median) | LlamaIndex / ragppo (best / median) |",
          "| --- | ---: | ---: | ---: |"]

    def t(x):  # seconds, in a readable unit
        return f"{x:.3g} s" if x >= 1 else f"{x * 1e3:.3g} ms" if x >= 1e-3 else f"{x * 1e6:.3g} µs"

    def x(r):
        return f"{r:,.0f}x" if r >= 100 else f"{r:.3g}x"

    def row(label, a, b):
        return (f"| {label} | {t(a['best'])} / {t(a['median'])} | {t(b['best'])} / {t(b['median'])} | "
                f"{x(b['best'] / a['best'])} / {x(b['median'] / a['median'])} |")

    L += [row("end to end: a fresh process reads the recipes, loads the model, splits, embeds, saves "
              "(`ragppo index` vs the LlamaIndex script)", c["wall_s"], o["wall_s"]),
          row("split + embed (+ store): `rag::build_index`'s split and embed stages vs "
              "`VectorStoreIndex.from_documents`", r["split_embed_s"], o["build_s"]),
          row("save: `vector_store_save` (FAISS + node store + manifest, atomic) vs `StorageContext.persist`",
              r["save_s"], o["save_s"]),
          row("load: `vector_store_load` vs `load_index_from_storage` (best of 5 loads per round)",
              r["load_s"], o["load_s"]),
          row("model load (ragppo: GGUF load + sha256 for the manifest; LlamaIndex: SentenceTransformer + tokenizer)",
              r["model_s"], o["model_s"]),
          f"| Python imports (LlamaIndex, torch, transformers; part of the end-to-end time) | | "
          f"{t(o['import_s']['best'])} / {t(o['import_s']['median'])} | |",
          f"| index on disk (bytes) | {li['bytes']['ragppo']:,} | {li['bytes']['llamaindex']:,} | "
          f"{li['bytes']['llamaindex'] / li['bytes']['ragppo']:.1f}x |", "",
          f"- `ragppo index` reported {c['embed_s']['best']:.1f} s of embedding (best round); its other stages "
          "are those of `ragppo-bench-build`.",
          "- ragppo's save writes a temporary directory and renames it over the old one; LlamaIndex writes its JSON "
          "files in place. LlamaIndex's persisted vector store holds the embeddings as JSON numbers.",
          f"- Load average during the rounds: {li['loadavg']['before']} -> {li['loadavg']['after']}", ""]
    return L


def doc_index(idx: dict | None) -> list[str]:
    L = ["## Retrieval latency (vector store, top-3)", ""]
    if not idx:
        return L + ["Not measured yet: run `bench/run.sh index`.", ""]
    dim = idx["dim"]
    what = ("a 32-dimensional Gaussian mapped into 384 dimensions plus 10% isotropic noise, L2-normalised "
            "(a stand-in for sentence embeddings, whose neighbourhoods have a low intrinsic dimension)"
            if idx.get("data") == "lowrank" else "isotropic Gaussian, L2-normalised (the worst case for a graph index)")
    L += [f"`ragppo-bench-index {' '.join(idx.get('argv', [])[2:])}`: synthetic {dim}-d unit vectors: {what}. "
          "Queries are stored vectors plus Gaussian noise (cosine about 0.8 to their source), one at a time "
          "through `vector_store_search`; latency is wall time per query (p50 / p99 / mean).", ""]
    if "flat" in idx:
        f, t = idx["flat"], idx["flat"]["top3"]
        L += ["### Flat (exact), recipe-index size", "",
              "| nodes | p50 ms | p99 ms | mean ms | batch queries/s | build s | save s | load s |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
              f"| {f['n']:,} | {t['p50_ms']:.3f} | {t['p99_ms']:.3f} | {t['mean_ms']:.3f} | {f['batch_qps']:.0f} | "
              f"{f['build_s']:.3f} | {f['save_s']:.3f} | {f['load_s']:.3f} |", "",
              "The recipe index of the reference setup (recipe_nlg_lite's train split) holds 6,118 nodes"
              + ("" if f["n"] == 6118 else f"; this run used {f['n']:,}") + ". Batch queries/s: "
              f"{t['queries']} queries in one `vector_store_search_batch` call.", ""]
    if "hnsw" in idx:
        h = idx["hnsw"]
        reached = ("" if h["reached_target"] else
                   f" **The build stopped at {h['n']:,} of {h['target_n']:,} vectors** (time budget "
                   f"{h['budget_s']:.0f} s): the figures are for that size.")
        L += ["### HNSW", "",
              f"{h['n']:,} vectors, M {h['m']}, efConstruction {h['ef_construction']}: built in "
              f"{h['build_s']:.0f} s ({h['build_per_1k_s']:.2f} s per 1,000 vectors, {h['build_cpu_s']:.0f} CPU-s), "
              f"saved in {h['save_s']:.1f} s.{reached} Recall against an exact brute-force top-3 over "
              f"{h['recall_queries']} queries: recall@3 = share of the exact top-3 found in HNSW's top-3; "
              "nearest = share of queries whose exact nearest neighbour is in HNSW's top-3.", "",
              "| efSearch | p50 ms | p99 ms | mean ms | recall@3 | nearest | load s | p50 goal < 5 ms |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for r in h["search"]:
            t = r["top3"]
            L.append(f"| {r['ef_search']} | {t['p50_ms']:.3f} | {t['p99_ms']:.3f} | {t['mean_ms']:.3f} | "
                     f"{r['recall_at_3']:.3f} | {r['nearest_in_top3']:.3f} | {r['load_s']:.2f} | "
                     f"{'met' if t['p50_ms'] < HNSW_P50_GOAL_MS else 'not met'} |")
        L.append("")
    L += [f"- Load average: {idx['loadavg']['before']} -> {idx['loadavg']['after']}", ""]
    return L


def doc_ppo(ppo: dict | None) -> list[str]:
    L = ["## One PPO step vs TRL", ""]
    if not ppo:
        return L + ["Not measured yet: run `bench/run.sh ppo`.", ""]
    o, t = ppo["ragppo"], ppo["trl"]
    io, it = ppo["info"]["ragppo"], ppo["info"]["trl"]
    m, v = io["model"], it["versions"]
    B, Q, N = ppo["batch"], ppo["query_tokens"], ppo["new_tokens"]
    size = f"{m['parameters'] / 1e6:.0f}M parameters, {m['n_layer']} layers"
    L += [f"One PPO step of the reference loop, batch {B}: {B} CNN/DailyMail validation articles (ids `{', '.join(i[:8] for i in ppo['article_ids'])}`, "
          f"the first with at least {Q} tokens) cut to {Q}-token queries, {N} new tokens each by pure ancestral "
          f"sampling (top_k 0, top_p 1.0), reward ROUGE-1 F1 against the highlights, then the PPO update with "
          f"{io['ppo_epochs']} PPO epochs, mini-batch {io['mini_batch_size']}, Adam at lr {io['learning_rate']:g}. "
          f"Same model on both sides: GPT-2 ({size}, vocabulary {m['vocab_size']:,}) with random weights drawn by "
          f"transformers (`GPT2Config()`, seed {ppo['seed']}) plus TRL's value head, saved once by "
          "`bench/make_ppo_model.py` with GPT-2's tokenizer. Device "
          f"`{ppo['device']}`, {ppo['threads']} threads on both sides (`torch::set_num_threads`, `torch.set_num_threads`). "
          f"Both sides generate exactly {N} tokens per response (EOS masked until then: `min_new_tokens` on both "
          f"sides), so they do the same work. ragppo: `ragppo-bench-ppo` (`rl::rollout` of the {B} queries "
          "together with a KV cache, `metrics::rouge1_f1`, `PpoTrainer::step`). TRL "
          f"{v['trl']} (transformers {v['transformers']}, torch {v['torch']}): `bench/trl_ppo_worker.py`, the "
          "notebook's loop: `ppo_trainer.generate(query)` one query at a time, `rouge_score`, `ppo_trainer.step`; "
          f"also timed: `ppo_trainer.generate(queries, batch_size={B})` (one batched call, not used for the step). "
          f"Both loaded and warmed up (prompt pass plus 4 tokens), then {ppo['rounds']} round(s), each one step "
          "of each side (order alternating; each side's policy keeps training from round to round). Seconds, best / "
          "median of the rounds; ratio = TRL / ragppo (above 1: ragppo is faster)."]
    h = ppo.get("ragppo_bf16")
    if h:
        L[-1] += (" Column `--bf16`: the same ragppo binary with BF16 autocast (`PpoConfig::bf16`: matmuls and "
                  "attention in bfloat16; weights, both heads, losses and Adam fp32), an option: fp32 stays the "
                  "default and is what the TRL parity tests hold.")
    L += ["", "| part | ragppo | TRL | TRL / ragppo |" + (" ragppo `--bf16` | TRL / ragppo `--bf16` |" if h else ""),
          "| --- | ---: | ---: | ---: |" + (" ---: | ---: |" if h else "")]

    def sec(x):
        return f"{x:.3g}" if x >= 0.1 else f"{x:.2g}"

    def row(label, a, b, f=None):
        def cells(x, y):
            return (f" {sec(x['best'])} / {sec(x['median'])} |",
                    f" {y['best'] / x['best']:.2f}x / {y['median'] / x['median']:.2f}x |")
        ours, ratio = cells(a, b)
        line = f"| {label} |{ours} {sec(b['best'])} / {sec(b['median'])} |{ratio}"
        if h:
            ours16, ratio16 = cells(h[f], b) if f else (" |", " |")
            line += ours16 + ratio16
        return line

    L.append(row(f"generate {B} x {N} tokens (TRL: one query at a time, as the reference)", o["generate_s"],
                 t["generate_s"], "generate_s"))
    if "generate_batched_s" in t:
        L.append(row(f"generate, TRL batched (`generate(list, batch_size={B})`)", o["generate_s"],
                     t["generate_batched_s"], "generate_s"))
    L += [row("reward: decode + ROUGE-1", o["reward_s"], t["reward_s"], "reward_s"),
          row("PPO step (`PpoTrainer::step` vs `PPOTrainer.step`)", o["step_s"], t["step_s"], "step_s"),
          row("&nbsp;&nbsp;of which forward passes (time/ppo/forward_pass)", o["time/ppo/forward_pass"],
              t["time/ppo/forward_pass"], "time/ppo/forward_pass"),
          row("&nbsp;&nbsp;of which optimisation (time/ppo/optimize_step)", o["time/ppo/optimize_step"],
              t["time/ppo/optimize_step"], "time/ppo/optimize_step"),
          row("**total: generate + reward + step**", o["total_s"], t["total_s"], "total_s")]
    if "total_batched_s" in t:
        L.append(row("total, TRL with batched generation", o["total_s"], t["total_batched_s"]))
    L.append("")
    for who, x in [("ragppo", o)] + ([("ragppo `--bf16`", h)] if h else []):
        L.append(f"- One PPO step, {who} vs TRL as the reference ran it: best "
                 f"{verdict(t['total_s']['best'] / x['total_s']['best'], PPO_GOAL)}; median "
                 f"{t['total_s']['median'] / x['total_s']['median']:.2f}x")
        if "total_batched_s" in t:
            L.append(f"- {who} against TRL with batched generation: best "
                     f"{verdict(t['total_batched_s']['best'] / x['total_s']['best'], PPO_GOAL)}; median "
                     f"{t['total_batched_s']['median'] / x['total_s']['median']:.2f}x")
    L += [f"- Not identical work: TRL leaves the policy in train mode after a step, so from the second round on "
          "it generates with dropout on (the reference's behaviour); ragppo samples without dropout "
          "(`dropout_in_rollout` off). All queries have "
          f"{Q} tokens and all responses {N}, so neither side pads. TRL's attention: "
          f"transformers' `{it['model'].get('attn_implementation')}`. TRL computes the 50k-word logits at every "
          "position of query and response in its PPO passes, ragppo only at the response positions it needs.",
          "- ragppo keeps freed memory in the process during training (`util::keep_freed_memory`: no mmap()ed "
          "blocks, no heap trimming), so the 50k-wide logits and gradients of every mini-batch reuse pages instead "
          "of faulting in fresh zeroed ones.",
          f"- Peak resident memory (host): ragppo {max(r['max_rss_mb'] for r in ppo['samples']['ragppo']) / 1024:.1f} GiB, "
          f"TRL {max(r['max_rss_mb'] for r in ppo['samples']['trl']) / 1024:.1f} GiB (TRL's includes the Python "
          "libraries it imports).",
          f"- Load and warm-up (s): ragppo {io['load_s']:.1f} + {io['warmup_s']:.1f}, TRL {it['load_s']:.1f} + "
          f"{it['warmup_s']:.1f} (not in the figures above).",
          f"- Load average during the rounds: {ppo['loadavg']['before']} -> {ppo['loadavg']['after']}"]
    L += ppo_ceiling_lines(ppo, o, t, h) + [""]
    return L


def ppo_ceiling_lines(ppo: dict, o: dict, t: dict, h: dict | None) -> list[str]:
    """ragppo's PPO step against this CPU's matmul rate, and the rate the goal would need."""
    gflop, rate = ppo.get("step_gflop"), ppo.get("gemm_rate") or {}
    if not gflop or not rate:
        return []
    budget = t["total_s"]["best"] / PPO_GOAL - o["generate_s"]["best"] - o["reward_s"]["best"]
    need = (f"{gflop / budget:.0f} GFLOP/s, {gflop / budget / rate['float32']:.0%} of the float32 rate"
            if budget > 0 else "less time than ragppo's generation already takes")
    return [f"- The step's work: {gflop / 1000:.2f} TFLOP (`ppo_step_gflop` in bench.py: two scoring passes and "
             f"{ppo['info']['ragppo']['ppo_epochs']} epochs of a forward and a backward pass, matmuls and causal "
             f"attention, the vocabulary head at the response positions only). This CPU's matmul rate through "
             f"PyTorch on the layer's shapes ({ppo['batch'] * (ppo['query_tokens'] + ppo['new_tokens'])} tokens; "
             f"`bench/gemm_rate.py`, the better of a run before and one after the rounds): float32 "
             f"{rate['float32']:.0f} GFLOP/s, {bf16_rate(rate)}. ragppo's step runs at "
             f"{gflop / o['step_s']['best']:.0f} GFLOP/s ({gflop / o['step_s']['best'] / rate['float32']:.0%} of "
             f"the float32 rate)" + (f", `--bf16` at {gflop / h['step_s']['best']:.0f} GFLOP/s" if h else "") + ".",
             f"- For {PPO_GOAL:g}x TRL's best total, ragppo's step (with its generation and reward as measured) "
             f"would have to run at {need}."]


def write_doc(args, meta: dict, emb: dict | None, gen: dict | None, li: dict | None = None,
              idx: dict | None = None, ppo: dict | None = None, ranks: dict | None = None,
              serve: dict | None = None, lora: dict | None = None, bindings: dict | None = None) -> str:
    L = []
    L += ["# Benchmarks", "",
          "Written by `bench/run.sh` (do not edit by hand: rerun it). Raw figures: "
          "`<build>/bench/*.json`. Speed is measured here, never asserted by the tests.", "",
          "## Machine", "",
          f"- Date: {meta['date']}",
          f"- CPU: {meta['cpu']} ({meta['nproc']} cores visible to `nproc`)",
          f"- CPU features (`/proc/cpuinfo`): {meta.get('cpu_flags', '?')}",
          f"- ggml CPU variant loaded: {meta.get('ggml_variant', '?')}",
          f"- OS: {meta['os']}",
          f"- Threads used by every contender: {args.threads}",
          "- Scheduling: " + (f"the benchmark ran in its own scheduler autogroup at nice {meta['nice']} "
                              "(`BENCH_NICE`), ahead of other work on the machine"
                              if meta["nice"] not in ("", "0") else "default (`BENCH_NICE=0`)"),
          f"- Versions: {meta['llama_cpp']}, {meta['versions']}",
          f"- Load average (1/5/15 min) at start: {meta['load_start']}; at the end: {loadavg()}. "
          "The machine is shared: a load above the core count means other work ran beside the benchmark "
          "and the absolute figures are low and noisy; the ratios of contenders run round by round are "
          "the more meaningful numbers.", ""]

    if emb:
        c = emb["contenders"]
        default = f"ragppo:{args.batch_tokens[0]}"
        L += ["## Embedding throughput", "",
              f"{emb['n_texts']} recipe documents (the first rows of `recipes/recipenlg_sample.csv`, text = "
              "`title + \" \\n\\n \" + ingredients + \" \\n\\n \" + directions`, lists joined with `\", \"` and `\" \"`), "
              f"all-MiniLM-L6-v2 (same weights: ragppo reads its default GGUF, converted from the HF checkpoint "
              f"that sentence-transformers loads: BF16 on CPUs with AVX512_BF16, else F32), max length {emb['max_tokens']} tokens, "
              f"{emb['threads']} threads, L2-normalised output. Each contender is loaded and warmed up on "
              f"{args.warmup_texts} texts, then {emb['rounds']} rounds each time one full pass of every "
              "contender (order rotated per round); best and median pass. "
              f"{c[default]['info']['n_tokens']} tokens in all (after truncation).", "",
              "| contender | texts/s (best) | texts/s (median) | tokens/s (best) | GFLOP/s (best) |",
              "| --- | ---: | ---: | ---: | ---: |"]
        gflop = emb.get("encoder_gflop")
        def st_label(k, what):
            info = c[k]["info"]
            return (f"sentence-transformers {info['versions']['sentence-transformers']}, {what} backend "
                    f"(batch {info['batch_size']})")

        labels = {k: st_label(k, what) for k, what in (("st:torch", "PyTorch"), ("st:onnx", "ONNX Runtime"))
                  if k in c}
        labels[default] = f"ragppo `embed_documents` (default: {c[default]['info'].get('engine', 'llama.cpp')} graph)"
        if "ragppo:llama" in c:
            labels["ragppo:llama"] = ("ragppo `embed_documents` on llama.cpp's BERT graph (`EmbedderParams.llama_graph`, "
                                      f"batch {c['ragppo:llama']['info']['batch_tokens']})")
        rows = [default] + [k for k in ("ragppo:llama", "st:torch", "st:onnx") if k in c]
        for k in rows:
            label = labels[k]
            tp = c[k]["texts_per_s"]
            L.append(f"| {label} | {tp['best']:.1f} | {tp['median']:.1f} | "
                     f"{c[k]['info']['n_tokens'] / c[k]['seconds']['best']:.0f} | "
                     + (f"{gflop / c[k]['seconds']['best']:.0f} |" if gflop else "- |"))
        L.append("")
        rate = emb.get("gemm_rate") or {}
        if gflop and rate:
            torch_share = gflop / c["st:torch"]["seconds"]["best"] / rate["float32"]
            ours_share = gflop / c[default]["seconds"]["best"] / rate["float32"]
            L += [f"GFLOP/s: the encoder's work, {gflop:.0f} GFLOP (the layers' matmuls for each of the "
                  f"{c[default]['info']['n_tokens']} tokens and attention for each token pair within a text, padding "
                  f"excluded), over the pass. This CPU's matmul rate through PyTorch on the layer's weight shapes "
                  f"(2048 tokens; `bench/gemm_rate.py`, {emb['threads']} threads, the better of a run before and one after "
                  f"the rounds): **float32 {rate['float32']:.0f} "
                  f"GFLOP/s**, {bf16_rate(rate)}. sentence-transformers' PyTorch pass runs at "
                  f"{torch_share:.0%} of the float32 rate and ragppo's at {ours_share:.0%}: in float32, 2x "
                  f"sentence-transformers needs {2 * torch_share:.0%} of it.", ""]
        for k, goal, what in (("st:torch", EMBED_GOAL_TORCH, "PyTorch"), ("st:onnx", EMBED_GOAL_ONNX, "ONNX")):
            if k in c:
                rb = c[default]["texts_per_s"]["best"] / c[k]["texts_per_s"]["best"]
                rm = c[default]["texts_per_s"]["median"] / c[k]["texts_per_s"]["median"]
                L.append(f"- ragppo / {what}: best {verdict(rb, goal)}; median {rm:.2f}x")
            else:
                L.append(f"- ragppo / {what}: **not measured**: the {what} backend could not run here "
                         f"({emb['errors'].get(k, 'unknown error')})")
        if "ragppo:llama" in c:
            rb = c[default]["texts_per_s"]["best"] / c["ragppo:llama"]["texts_per_s"]["best"]
            rm = c[default]["texts_per_s"]["median"] / c["ragppo:llama"]["texts_per_s"]["median"]
            L.append(f"- ragppo's BERT graph / llama.cpp's: best {rb:.2f}x; median {rm:.2f}x")
        for k, p in emb["parity_vs_torch"].items():
            who = {"st:onnx": "ONNX backend", "ragppo:llama": "ragppo on llama.cpp's graph"}.get(k, "ragppo")
            L.append(f"- Same vectors: {who} vs PyTorch cosine similarity min {p['min_cosine']:.6f}, "
                     f"mean {p['mean_cosine']:.6f} over the {emb['n_texts']} texts")
        L.append(f"- Load average during the rounds: {emb['loadavg']['before']} -> {emb['loadavg']['after']}")
        L += ["", "### ragppo batch size (`EmbedderParams.batch_tokens`)", "",
              "Tokens per batch, padding included: texts are sorted by length, and ragppo's BERT graph pads each "
              "batch of similar-length texts to its longest and attends within each text (llama.cpp's graph "
              "packs them and attends across the whole batch, masked). "
              f"0 = the default ({c[default]['info']['batch_tokens']}).", "",
              "| batch_tokens | texts/s (best) | texts/s (median) | vs default (best) |",
              "| ---: | ---: | ---: | ---: |"]
        base = c[default]["texts_per_s"]["best"]
        for bt in args.batch_tokens:
            k = f"ragppo:{bt}"
            tp = c[k]["texts_per_s"]
            label = f"0 (default, = {c[k]['info']['batch_tokens']})" if bt == 0 else str(bt)
            L.append(f"| {label} | {tp['best']:.1f} | {tp['median']:.1f} | {tp['best'] / base:.2f}x |")
        L.append("")

    if gen:
        o, r = gen["ragppo"], gen["llama_bench"]
        P, N = gen["prompt_tokens"], gen["new_tokens"]
        pp_key, tg_key, tgd_key = "pp@d0", "tg@d0", f"tg@d{P}"
        short = gen["ragppo_info"].get("short_prompt_tokens", 0)
        L += ["## Generation speed", "",
              f"`{gen['model']}` ({Path(gen['gguf']).name}), {gen['threads']} threads. ragppo: `generate()` with "
              f"`ChatFormat::Raw`, greedy, a recipe-text prompt of exactly {P} tokens and {N} new tokens "
              "(the prompt is chosen so that generation does not stop early); prompt t/s = prompt_tokens / "
              "prompt_ms, generation t/s = completion_tokens / generate_ms. "
              f"Reference: `llama-bench -p {P} -n {N} -d 0,{P} -t {gen['threads']} -r {gen.get('reps', 1)} -o json` "
              f"built from the same pinned llama.cpp source ({meta['llama_cpp']}); `-d {P}` adds the "
              f"tg{N} test after {P} tokens of context, the depth at which ragppo generates. "
              f"{gen['rounds']} rounds alternating ragppo and llama-bench, {gen.get('reps', 1)} runs of each per round "
              f"(`-r {gen.get('reps', 1)}`); best and median of all runs.", "",
              "| | prompt t/s (best) | prompt t/s (median) | generation t/s (best) | generation t/s (median) |",
              "| --- | ---: | ---: | ---: | ---: |",
              f"| ragppo `generate()`, {P}-token prompt + {N} | {o['pp']['best']:.1f} | {o['pp']['median']:.1f} | "
              f"{o['tg']['best']:.1f} | {o['tg']['median']:.1f} |",
              f"| llama-bench tg{N} after {P} tokens of context (`-d {P}`) | | | "
              f"{r[tgd_key]['best']:.1f} | {r[tgd_key]['median']:.1f} |" if tgd_key in r else None,
              f"| llama-bench pp{P} / tg{N} (empty context) | {r[pp_key]['best']:.1f} | "
              f"{r[pp_key]['median']:.1f} | {r[tg_key]['best']:.1f} | {r[tg_key]['median']:.1f} |"]
        if "tg_short" in o:
            L.append(f"| ragppo `generate()`, {short}-token prompt + {N} | | | "
                     f"{o['tg_short']['best']:.1f} | {o['tg_short']['median']:.1f} |")
        L = [x for x in L if x is not None]
        L.append("")

        def ratio_line(what, ours_, ref_, goal=GEN_GOAL):
            return (f"- {what}: best {verdict(ours_['best'] / ref_['best'], goal)}; "
                    f"median {ours_['median'] / ref_['median']:.2f}x")

        L.append(ratio_line(f"Prompt processing ({P} tokens), ragppo / llama-bench pp{P}", o["pp"], r[pp_key]))
        if tgd_key in r:
            L.append(ratio_line(f"Generation after a {P}-token prompt, ragppo / llama-bench tg{N} `-d {P}` "
                                "(same context depth)", o["tg"], r[tgd_key]))
        if "tg_short" in o:
            L.append(ratio_line(f"Generation from a {short}-token prompt, ragppo / llama-bench tg{N} "
                                "(empty context)", o["tg_short"], r[tg_key]))
        L.append(f"- For the record, ragppo after a {P}-token prompt / llama-bench tg{N} from an empty context "
                 f"(not like for like: attention over the {P}-token prompt costs time): best "
                 f"{o['tg']['best'] / r[tg_key]['best']:.2f}x")
        L.append(f"- What is timed: ragppo's generate_ms includes sampling and detokenisation and evaluates "
                 f"{N - 1} of the {N} new tokens (the last one is not fed back); llama-bench's tg evaluates "
                 f"{N} tokens and does not sample. ragppo runs with its default context window "
                 f"(n_ctx {gen['ragppo_info'].get('n_ctx')}), llama-bench with one just large enough for each test, "
                 "so llama.cpp's attention spans up to 256 more (masked) KV cells in ragppo's runs.")
        L.append(f"- Load average during the rounds: {gen['loadavg']['before']} -> {gen['loadavg']['after']}")
        L.append("")

    L += doc_llamaindex(li)
    L += doc_index(idx)
    L += doc_ppo(ppo)
    L += doc_ranks(ranks)
    L += doc_lora(lora)
    L += doc_bindings(bindings)
    L += doc_serve(serve)

    L += ["## Reproduce", "",
          "```sh",
          "scripts/setup.sh                   # once: packages, models, build",
          "bench/run.sh                       # every section; or: bench/run.sh [BUILD_DIR] [SECTION...]",
          "bench/run.sh llamaindex index      # only these sections (embed, generate, llamaindex, index, ppo, ranks, lora, serve, bindings)",
          "```", "",
          "`bench/run.sh` installs `scripts/requirements-bench.txt` (sentence-transformers' ONNX backend) into the "
          "build-tools venv if missing, builds `ragppo`, `ragppo-bench-embed`, `ragppo-bench-generate`, "
          "`ragppo-bench-build`, `ragppo-bench-index`, `ragppo-bench-ppo`, `llama-bench` and `llama-server`, runs `bench/bench.py` and rewrites this "
          "file; sections not run are kept from the last run's JSON (`bench.py --render-only` rewrites it from that JSON without measuring anything). "
          "Environment: `BENCH_ROUNDS` (default 3), `BENCH_THREADS` (default `nproc`), "
          "`BENCH_ONLY` (sections, as the arguments), `BENCH_LI_LIMIT` (recipes for the LlamaIndex section; "
          "default 0 = all), `BENCH_INDEX_ARGS` (arguments for `ragppo-bench-index`, e.g. "
          "`--hnsw-n 20000` for a quick run), `BENCH_PPO_ARGS` (options for the ppo section: `--ppo-rounds N` "
          "(default 2), `--ppo-device cuda`, `--ppo-threads N` (default 2), `--ppo-layers N`, `--ppo-query-tokens N`, "
          "`--ppo-new-tokens N`, `--ppo-no-trl-batched`; for the ranks section: `--ranks 1 2`, `--ranks-steps N`, "
          "`--ranks-query-tokens N`, `--ranks-new-tokens N`), "
          "`BENCH_SERVE_ARGS` (options for the serve section: `--serve-clients N` (default 100), `--serve-seconds S` (60), `--serve-max-tokens N` (64), `--serve-parallel N` (4), `--serve-queue N` (16), `--serve-rounds N` (2)), "
          "`BENCH_DOC` (the report to write; default this file), "
          "`BENCH_NICE` (default -15 "
          "as root: the measurements run in a scheduler autogroup of their own at that nice value, so that "
          "builds and tests of other sessions on a shared machine take less CPU from them; 0 = off).", ""]
    return "\n".join(L)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="build/bin with the bench programs and llama-bench")
    ap.add_argument("--out", required=True, help="folder for the raw JSON")
    ap.add_argument("--doc", required=True, help="Markdown report to write")
    ap.add_argument("--recipes", required=True, help="recipenlg_sample.csv")
    ap.add_argument("--minilm", required=True, help="HF checkpoint of all-MiniLM-L6-v2")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n-texts", type=int, default=512)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--warmup-texts", type=int, default=64)
    ap.add_argument("--batch-tokens", type=int, nargs="+", default=[0, 256, 1024, 4096],
                    help="ragppo batch sizes; the first is the one compared with the references (0 = default)")
    ap.add_argument("--prompt-tokens", type=int, default=256)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--gen-reps", type=int, default=3,
                    help="generation runs per contender and round (llama-bench -r)")
    ap.add_argument("--recipes-json", help="recipes.json, for the LlamaIndex section")
    ap.add_argument("--li-limit", type=int, default=0, help="LlamaIndex section: first N recipes (0 = all)")
    ap.add_argument("--index-args", default="", help="extra arguments for ragppo-bench-index")
    ap.add_argument("--cnn-dailymail", help="cnn_dailymail_validation.csv, for the ppo section")
    ap.add_argument("--gpt2-tokenizer", help="a directory with GPT-2's vocab.json + merges.txt, for the ppo section")
    ap.add_argument("--ppo-layers", type=int, default=12, help="ppo: GPT-2 layers (12 = GPT-2 124M)")
    ap.add_argument("--ppo-batch", type=int, default=4, help="ppo: rollouts per step (= mini-batch)")
    ap.add_argument("--ppo-query-tokens", type=int, default=512)
    ap.add_argument("--ppo-new-tokens", type=int, default=128)
    ap.add_argument("--ppo-rounds", type=int, default=2)
    ap.add_argument("--ppo-threads", type=int, default=2, help="ppo: torch threads on both sides")
    ap.add_argument("--ppo-device", default="cpu", help="ppo: cpu or cuda (both sides)")
    ap.add_argument("--ppo-seed", type=int, default=0)
    ap.add_argument("--ppo-no-bf16", dest="ppo_bf16", action="store_false",
                    help="ppo: leave out the ragppo --bf16 contender")
    ap.add_argument("--ppo-no-trl-batched", dest="ppo_trl_batched", action="store_false",
                    help="ppo: skip timing TRL's batched generate()")
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2], help="ranks: the rank counts to compare")
    ap.add_argument("--ranks-steps", type=int, default=3, help="ranks: PPO steps per run")
    ap.add_argument("--ranks-query-tokens", type=int, default=128, help="ranks: query length")
    ap.add_argument("--ranks-new-tokens", type=int, default=32, help="ranks: response length")
    ap.add_argument("--serve-clients", type=int, default=100, help="serve: concurrent clients")
    ap.add_argument("--serve-seconds", type=float, default=60, help="serve: seconds of load per server")
    ap.add_argument("--serve-max-tokens", type=int, default=64, help="serve: new tokens per answer at most")
    ap.add_argument("--serve-parallel", type=int, default=4, help="serve: parallel slots on both servers")
    ap.add_argument("--serve-queue", type=int, default=16, help="serve: ragppo serve's --queue-size")
    ap.add_argument("--serve-rounds", type=int, default=2, help="serve: rounds per server, the order alternating")
    ap.add_argument("--searches", type=int, default=20000, help="bindings section: top-3 searches per round")
    ap.add_argument("--ref-nodes", type=int, default=6118,
                    help="bindings section: nodes of the larger store (the reference setup's recipe index)")
    ap.add_argument("--ref-searches", type=int, default=10000, help="bindings section: searches of the larger store")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections, keep the others")
    ap.add_argument("--render-only", action="store_true",
                    help="run nothing: rewrite the report from the last run's JSON (after a change to its wording)")
    args = ap.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    texts_path = out / "texts.jsonl"
    texts = write_texts(Path(args.recipes), args.n_texts, texts_path)

    import importlib.metadata as md

    def ver(p):
        try:
            return md.version(p)
        except md.PackageNotFoundError:
            return "not installed"

    pins = {}
    for line in (ROOT / "scripts" / "versions.env").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.split("=", 1)
            pins[k.strip()] = v.strip()
    meta = {"llama_cpp": f"vendor/llama.cpp of llama-cpp-python {pins.get('LLAMA_CPP_PYTHON_VERSION', '?')}",
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu_model(),
            "cpu_flags": cpu_flags(), "ggml_variant": ggml_variant(args.bin),
            "nproc": os.cpu_count(), "os": f"{platform.system()} {platform.release()}",
            "load_start": loadavg(), "nice": os.environ.get("BENCH_NICE", "0"),
            "versions": ", ".join(f"{p} {ver(p)}" for p in ("torch", "sentence-transformers", "transformers",
                                                            "onnxruntime", "optimum", "optimum-onnx",
                                                            "llama-index-core", "trl"))}
    # With --only, the other section of the report comes from the last run's JSON, if any.
    def previous(name):
        path = out / name
        return json.loads(path.read_text()) if path.exists() else None

    results = {}
    runners = {"embed": lambda: bench_embed(args, texts_path, len(texts)),
               "generate": lambda: bench_generate(args, texts_path),
               "llamaindex": lambda: bench_llamaindex(args),
               "index": lambda: bench_index(args),
               "ppo": lambda: bench_ppo(args),
               "ranks": lambda: bench_ranks(args),
               "lora": lambda: bench_lora(args),
               "serve": lambda: bench_serve(args),
               "bindings": lambda: bench_bindings(args, texts_path, len(texts))}
    for section in ("llamaindex", "serve"):
        if section in (args.only or SECTIONS) and not args.recipes_json:
            raise SystemExit(f"the {section} section needs --recipes-json")
    for section in ("ppo", "ranks", "lora"):
        if section in (args.only or SECTIONS) and not (args.cnn_dailymail and args.gpt2_tokenizer):
            raise SystemExit(f"the {section} section needs --cnn-dailymail and --gpt2-tokenizer")
    if args.ppo_rounds < 1 or args.ppo_batch < 1:
        raise SystemExit("--ppo-rounds and --ppo-batch must be at least 1")
    for name in SECTIONS:
        if not args.render_only and (args.only is None or name in args.only):
            results[name] = runners[name]()
            (out / f"{name}.json").write_text(json.dumps(results[name], indent=2))
        else:
            results[name] = previous(f"{name}.json")
    emb, gen = results["embed"], results["generate"]
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    doc = write_doc(args, meta, emb, gen, results["llamaindex"], results["index"], results["ppo"], results["ranks"],
                    results["serve"], results["lora"], results["bindings"])
    Path(args.doc).parent.mkdir(parents=True, exist_ok=True)
    Path(args.doc).write_text(doc, encoding="utf-8")
    log(f"wrote {args.doc} and {out}/*.json")
    print(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
