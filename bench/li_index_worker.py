#!/usr/bin/env python3
"""LlamaIndex's side of the index benchmark (bench.py runs it as a fresh process per round,
as it runs `ragppo index` and ragppo-bench-build): import, load all-MiniLM-L6-v2 through
HuggingFaceEmbedding, VectorStoreIndex.from_documents over the recipes, persist the index
with its StorageContext, load it back with load_index_from_storage. Prints one JSON object
with the seconds of each stage.

Documents and splitting are those of the retrieval parity fixture
(scripts/fixtures/fx_llamaindex.py), so both sides embed the same nodes: the notebook's
document text, metadata kept out of the embedded text, SentenceSplitter(1024, 200) counting
the embedder's tokens.
"""
import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402


def recipe_text(r):
    return r["title"] + " \n\n " + ", ".join(r["ingredients"]) + " \n\n " + " . ".join(r["instructions"])


def bytes_under(d: Path) -> int:
    return sum(p.stat().st_size for p in d.rglob("*") if p.is_file())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipes", required=True, help="recipes.json")
    ap.add_argument("--minilm", required=True, help="HF checkpoint of all-MiniLM-L6-v2")
    ap.add_argument("--dir", required=True, help="where to persist the index")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--load-repeats", type=int, default=5)
    args = ap.parse_args()

    t = time.perf_counter()
    import torch
    from llama_index.core import Document, StorageContext, VectorStoreIndex, load_index_from_storage
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from transformers import AutoTokenizer
    import_s = time.perf_counter() - t
    torch.set_num_threads(args.threads)

    t = time.perf_counter()
    embed = HuggingFaceEmbedding(model_name=args.minilm, device="cpu", max_length=args.max_length)
    tok = AutoTokenizer.from_pretrained(args.minilm)
    tok.model_max_length = 1 << 30
    model_s = time.perf_counter() - t

    t = time.perf_counter()
    recipes = json.loads(Path(args.recipes).read_text())
    if args.limit:
        recipes = recipes[: args.limit]
    keys = ["name", "row"]
    docs = [Document(text=recipe_text(r), id_=f"recipes.json#{i}", metadata={"name": r["title"], "row": i},
                     excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=keys)
            for i, r in enumerate(recipes)]
    splitter = SentenceSplitter(chunk_size=1024, chunk_overlap=200,
                                tokenizer=lambda text: tok.encode(text, add_special_tokens=False))
    read_s = time.perf_counter() - t

    t = time.perf_counter()
    index = VectorStoreIndex.from_documents(docs, transformations=[splitter], embed_model=embed)
    build_s = time.perf_counter() - t
    nodes = len(index.docstore.docs)

    out = Path(args.dir)
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    index.storage_context.persist(persist_dir=str(out))
    save_s = time.perf_counter() - t

    load_s = []
    for _ in range(args.load_repeats):
        t = time.perf_counter()
        loaded = load_index_from_storage(StorageContext.from_defaults(persist_dir=str(out)), embed_model=embed)
        load_s.append(time.perf_counter() - t)
    if len(loaded.docstore.docs) != nodes:
        raise SystemExit("the loaded index has another node count")

    import importlib.metadata as md
    print(json.dumps({
        "recipes": len(recipes), "nodes": nodes, "import_s": import_s, "model_s": model_s, "read_s": read_s,
        "build_s": build_s, "save_s": save_s, "load_s": load_s, "bytes": bytes_under(out),
        "total_s": time.perf_counter() - T_START,
        "versions": {p: md.version(p) for p in ("llama-index-core", "llama-index-embeddings-huggingface")},
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
