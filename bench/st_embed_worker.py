#!/usr/bin/env python3
"""sentence-transformers embedding worker for bench/bench.py (the reference contender).

Speaks the same line protocol as build/bin/ragppo-bench-embed: once the model is
loaded and warmed up it prints its settings as one JSON line; then each input line
"run" encodes all texts and prints {"s": seconds}, and "save PATH" writes the last
vectors (float32, row-major) to PATH.

  st_embed_worker.py --backend torch|onnx --model HF_DIR --texts FILE
                     [--threads 2] [--max-length 256] [--batch-size 32] [--warmup-texts 64]
"""
from __future__ import annotations

import argparse
import json
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["torch", "onnx"], required=True)
    ap.add_argument("--model", required=True, help="HF checkpoint directory")
    ap.add_argument("--texts", required=True, help="one JSON string per line")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=32, help="sentence-transformers' encode() default")
    ap.add_argument("--warmup-texts", type=int, default=64)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from sentence_transformers import SentenceTransformer

    texts = [json.loads(line) for line in open(args.texts, encoding="utf-8") if line.strip()]
    t0 = time.perf_counter()
    model_kwargs = None
    versions = {"torch": torch.__version__}
    if args.backend == "onnx":
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        so.inter_op_num_threads = 1
        model_kwargs = {"session_options": so, "provider": "CPUExecutionProvider"}
        versions["onnxruntime"] = ort.__version__
        try:
            import importlib.metadata as md

            versions["optimum"] = md.version("optimum")
            versions["optimum-onnx"] = md.version("optimum-onnx")
        except Exception:  # noqa: BLE001 - informational only
            pass
    # backend="onnx" exports the checkpoint to ONNX with optimum when it has no model.onnx.
    model = SentenceTransformer(args.model, device="cpu", backend=args.backend, model_kwargs=model_kwargs)
    model.max_seq_length = args.max_length
    load_s = time.perf_counter() - t0
    import sentence_transformers

    versions["sentence-transformers"] = sentence_transformers.__version__

    def encode(batch):
        return model.encode(batch, batch_size=args.batch_size, convert_to_numpy=True,
                            normalize_embeddings=True, show_progress_bar=False)

    lengths = [min(len(ids), args.max_length) for ids in model.tokenizer(texts)["input_ids"]]
    n_tokens = sum(lengths)
    t0 = time.perf_counter()
    if args.warmup_texts > 0:
        encode(texts[: args.warmup_texts])
    warmup_s = time.perf_counter() - t0
    ready = {
        "contender": f"sentence-transformers/{args.backend}",
        "n_texts": len(texts),
        "n_tokens": n_tokens,
        "n_tokens_squared": sum(t * t for t in lengths),  # attention's work grows with each text's length squared
        "max_tokens": model.max_seq_length,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "torch_threads": torch.get_num_threads(),
        "load_s": load_s,
        "warmup_texts": min(args.warmup_texts, len(texts)),
        "warmup_s": warmup_s,
        "versions": versions,
    }
    print(json.dumps(ready), flush=True)

    vectors = None
    for line in sys.stdin:
        cmd = line.rstrip("\n")
        if cmd == "run":
            t0 = time.perf_counter()
            vectors = encode(texts)
            reply = {"s": time.perf_counter() - t0}
        elif cmd.startswith("save "):
            vectors.astype("float32").tofile(cmd[5:])
            reply = {"saved": int(vectors.size)}
        else:
            reply = {"error": f"unknown command: {cmd}"}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
