"""This CPU's matrix-multiply rate through PyTorch, for bench.py's embed section.

  gemm_rate.py --threads N --shapes MxKxN[,MxKxN...] [--seconds S]

Times each [M, K] x [K, N] product (float32, then bfloat16) with
torch.set_num_threads(N), best of the repetitions that fit in S seconds (at least 3),
and prints {"float32": GFLOP/s, "bfloat16": GFLOP/s}: all the shapes' FLOPs over
the sum of their best times. bfloat16 is null where the CPU has no native BF16 (its
first timed product takes over 4x float32's: emulated, about 100x slower, not worth
timing). With M the tokens of a batch and the K x N the weights
of an encoder layer, this is the rate that encoder's matmuls reach here: a ceiling
that embedding throughput can be read against.
"""

import argparse
import json
import time

import torch


def best_seconds(m: int, k: int, n: int, dtype: torch.dtype, budget_s: float, give_up_s: float = float("inf")):
    """Best time of one product, or None when the first one after the warm-up takes over
    give_up_s (the warm-up itself may compile a kernel: it is not judged)."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(m, k, generator=g).to(dtype)
    b = torch.randn(k, n, generator=g).to(dtype)
    torch.mm(a, b)  # warm-up: the library picks, compiles or packs its kernel
    best, reps, start = float("inf"), 0, time.perf_counter()
    while reps < 3 or time.perf_counter() - start < budget_s:
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
        reps += 1
        if best > give_up_s:
            return None
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--shapes", required=True, help="comma-separated MxKxN")
    ap.add_argument("--seconds", type=float, default=0.5, help="time budget per shape and dtype")
    a = ap.parse_args()
    try:
        shapes = [tuple(int(x) for x in s.split("x")) for s in a.shapes.split(",")]
    except ValueError:
        shapes = []
    if not shapes or any(len(s) != 3 or min(s) < 1 for s in shapes):
        raise SystemExit(f"gemm_rate.py: --shapes must be MxKxN[,MxKxN...] of positive sizes, not '{a.shapes}'")
    torch.set_num_threads(a.threads)
    flops = sum(2.0 * m * k * n for m, k, n in shapes)
    f32 = [best_seconds(*s, torch.float32, a.seconds) for s in shapes]
    bf16 = [best_seconds(*shapes[0], torch.bfloat16, a.seconds, give_up_s=4 * f32[0])]
    if bf16[0] is not None:
        bf16 += [best_seconds(*s, torch.bfloat16, a.seconds) for s in shapes[1:]]
    print(json.dumps({"float32": flops / sum(f32) / 1e9,
                      "bfloat16": flops / sum(bf16) / 1e9 if bf16[0] is not None else None}))


if __name__ == "__main__":
    main()
