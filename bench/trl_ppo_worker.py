#!/usr/bin/env python3
"""TRL PPO worker for bench/bench.py's `ppo` section (the reference contender).

The reference notebook's loop on TRL 0.11.4's classic PPOTrainer: generate a response
per query, score it with ROUGE-1 against the highlights (rouge_score, as `evaluate`'s
rouge, no stemming), then PPOTrainer.step(queries, responses, scores), with the
notebook's settings (lr 1.41e-5, batch 4, mini-batch 4; TRL's defaults otherwise:
4 PPO epochs, Adam, adaptive KL). Generation is pure ancestral sampling (top_k 0,
top_p 1.0, do_sample) with min_new_tokens = max_new_tokens = --new-tokens, so every
response has exactly that many tokens, as on ragppo's side.

Speaks the line protocol of build/bin/ragppo-bench-ppo: once loaded and warmed up it
prints its settings as one JSON line; then each input line "run" does one PPO step and
prints its timings. The step trains on the responses generated one query at a time
(`ppo_trainer.generate(query)` per query, as the notebook did); with --batched-generate
the same queries are also generated as one batch (`ppo_trainer.generate(list,
batch_size=4)`), timed on its own (generate_batched_s) and not used for the step.

  trl_ppo_worker.py --model DIR --data FILE [--query-tokens 512] [--new-tokens 128]
                    [--threads 2] [--device cpu|cuda] [--seed 0] [--batched-generate]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import warnings


def fingerprint(queries) -> str:
    """64-bit FNV-1a over the query ids as 4 little-endian bytes each, as ragppo-bench-ppo computes it."""
    h = 0xCBF29CE484222325
    for q in queries:
        for b in b"".join(int(i).to_bytes(4, "little", signed=True) for i in q):
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="checkpoint with a value head and tokenizer (make_ppo_model.py)")
    ap.add_argument("--data", required=True, help="one JSON object per line with article and highlights")
    ap.add_argument("--query-tokens", type=int, default=512)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batched-generate", action="store_true")
    args = ap.parse_args()
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # accelerate puts the trainer on a GPU whenever it sees one
    warnings.filterwarnings("ignore")

    import torch

    torch.set_num_threads(args.threads)
    import transformers
    import trl
    from rouge_score import rouge_scorer
    from transformers import AutoTokenizer
    from trl import AutoModelForCausalLMWithValueHead, PPOConfig, PPOTrainer

    transformers.logging.set_verbosity_error()
    rows = [json.loads(line) for line in open(args.data, encoding="utf-8") if line.strip()]
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    tokenizer.pad_token = tokenizer.eos_token  # the notebook's padding
    model = AutoModelForCausalLMWithValueHead.from_pretrained(args.model)
    config = PPOConfig(learning_rate=1.41e-5, batch_size=len(rows), mini_batch_size=len(rows), seed=args.seed,
                       log_with=None)
    # ref_model None: TRL makes the frozen reference model as a copy of the policy.
    ppo_trainer = PPOTrainer(config=config, model=model, ref_model=None, tokenizer=tokenizer)
    device = ppo_trainer.accelerator.device
    load_s = time.perf_counter() - t0
    if not str(device).startswith(args.device):
        raise SystemExit(f"trl_ppo_worker.py: the trainer runs on {device}, not {args.device}")

    queries = []
    for i, r in enumerate(rows):
        ids = tokenizer(r["article"])["input_ids"][: args.query_tokens]
        if len(ids) != args.query_tokens:
            raise SystemExit(f"trl_ppo_worker.py: article {i} has only {len(ids)} tokens, {args.query_tokens} needed")
        queries.append(torch.tensor(ids, dtype=torch.long, device=device))
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=False)

    def gen_kwargs(n):
        return {"min_length": -1, "top_k": 0.0, "top_p": 1.0, "do_sample": True,
                "pad_token_id": tokenizer.eos_token_id, "max_new_tokens": n, "min_new_tokens": n}

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def generate_one_at_a_time(n):
        return [ppo_trainer.generate(q, return_prompt=False, **gen_kwargs(n)).squeeze(0) for q in queries]

    def generate_batched(n):
        return ppo_trainer.generate(queries, batch_size=len(queries), return_prompt=False, **gen_kwargs(n))

    t0 = time.perf_counter()  # warm-up: the prompt pass and a few decode steps, both ways; no PPO step
    generate_one_at_a_time(min(4, args.new_tokens))
    if args.batched_generate:
        generate_batched(min(4, args.new_tokens))
    sync()
    warmup_s = time.perf_counter() - t0

    n_params = sum(p.numel() for p in model.parameters())  # value head included, as ragppo counts
    mc = model.pretrained_model.config
    print(json.dumps({
        "contender": "trl", "device": str(device), "threads": args.threads, "torch_threads": torch.get_num_threads(),
        "batch_size": config.batch_size, "mini_batch_size": config.mini_batch_size, "ppo_epochs": config.ppo_epochs,
        "learning_rate": config.learning_rate, "query_tokens": args.query_tokens, "new_tokens": args.new_tokens,
        "queries_fnv1a": fingerprint(q.tolist() for q in queries),
        "model": {"n_layer": mc.n_layer, "n_embd": mc.n_embd, "n_head": mc.n_head, "vocab_size": mc.vocab_size,
                  "n_positions": mc.n_positions, "parameters": n_params,
                  "attn_implementation": getattr(mc, "_attn_implementation", None)},
        "eos_id": tokenizer.eos_token_id, "batched_generate": args.batched_generate,
        "load_s": load_s, "warmup_s": warmup_s,
        "versions": {"trl": trl.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
    }), flush=True)

    for line in sys.stdin:
        cmd = line.strip()
        if cmd != "run":
            print(json.dumps({"error": f"unknown command: {cmd}"}), flush=True)
            continue
        t_total = time.perf_counter()
        t0 = time.perf_counter()
        responses = generate_one_at_a_time(args.new_tokens)
        sync()
        generate_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        texts = [tokenizer.decode(r, skip_special_tokens=True) for r in responses]
        scores = [scorer.score(row["highlights"], text)["rouge1"].fmeasure for row, text in zip(rows, texts)]
        score_tensors = [torch.tensor(s) for s in scores]
        reward_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        stats = ppo_trainer.step(queries, responses, score_tensors)
        sync()
        step_s = time.perf_counter() - t0
        total_s = time.perf_counter() - t_total

        reply = {"generate_s": generate_s, "reward_s": reward_s, "step_s": step_s, "total_s": total_s,
                 "response_tokens": [len(r) for r in responses], "scores": scores,
                 "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                 "stats": {k: float(v) for k, v in stats.items()
                           if k.startswith("time/") or k in ("objective/kl", "ppo/loss/total")}}
        if args.batched_generate:
            t0 = time.perf_counter()
            batched = generate_batched(args.new_tokens)
            sync()
            reply["generate_batched_s"] = time.perf_counter() - t0
            reply["batched_response_tokens"] = [len(r) for r in batched]
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
