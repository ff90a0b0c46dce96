#!/usr/bin/env python3
"""The policy of bench/run.sh's `ppo` section: GPT-2 with random weights, made by transformers.

GPT2Config() defaults (124M parameters, vocabulary 50,257) unless --n-layer asks for a
smaller stack, weights drawn with torch's RNG seeded by --seed, wrapped in TRL's
AutoModelForCausalLMWithValueHead and saved as TRL saves it (config.json plus
model.safetensors with v_head.summary.*), so TRL and ragppo start from the very same
weights, value head included. GPT-2's tokenizer is built from the vocab.json and
merges.txt in --tokenizer-from (the fixture scripts/fixtures/fx_gpt2_tokenizer.py
writes them under <build>/fixtures/gpt2/checkpoint) without the fixture's three added
tokens, and saved beside the model.

  make_ppo_model.py --out DIR --tokenizer-from DIR [--n-layer 12] [--seed 0]

DIR is written whole or not at all (a temporary directory renamed into place) and
ends with bench_model.json holding the settings it was made with.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--tokenizer-from", required=True, type=Path, help="a directory with vocab.json + merges.txt")
    ap.add_argument("--n-layer", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for name in ("vocab.json", "merges.txt"):
        if not (args.tokenizer_from / name).is_file():
            raise SystemExit(f"make_ppo_model.py: no {name} in {args.tokenizer_from}")

    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast
    from trl import AutoModelForCausalLMWithValueHead

    tmp = args.out.with_name(args.out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    torch.manual_seed(args.seed)
    config = GPT2Config(n_layer=args.n_layer)
    model = AutoModelForCausalLMWithValueHead.from_pretrained(GPT2LMHeadModel(config))
    model.save_pretrained(tmp)
    tok = GPT2TokenizerFast(vocab_file=str(args.tokenizer_from / "vocab.json"),
                            merges_file=str(args.tokenizer_from / "merges.txt"))
    if len(tok) != config.vocab_size:
        raise SystemExit(f"make_ppo_model.py: the tokenizer has {len(tok)} tokens, the model {config.vocab_size}")
    tok.save_pretrained(tmp)
    settings = {"n_layer": args.n_layer, "seed": args.seed, "vocab_size": config.vocab_size,
                "parameters": sum(p.numel() for p in model.parameters())}
    (tmp / "bench_model.json").write_text(json.dumps(settings, indent=1))
    shutil.rmtree(args.out, ignore_errors=True)
    tmp.rename(args.out)
    print(json.dumps(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
