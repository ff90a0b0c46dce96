"""bench.py's work counts (the GFLOP that its embed and ppo sections divide by time)
against PyTorch's own FLOP counter on small random models of the same architectures."""

import json
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import BertConfig, BertModel, GPT2Config, GPT2LMHeadModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bench  # noqa: E402


def counted_flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def test_encoder_gflop_counts_what_torch_counts_for_bert():
    cfg = BertConfig(vocab_size=97, hidden_size=48, intermediate_size=160, num_hidden_layers=3,
                     num_attention_heads=4, attn_implementation="eager")
    torch.manual_seed(0)
    model = BertModel(cfg, add_pooling_layer=False).eval()
    lengths = [3, 8, 21]
    assert lengths
    with torch.no_grad():
        torch_flops = sum(counted_flops(lambda t=t: model(torch.randint(0, 97, (1, t)))) for t in lengths)
    # The config as bench.py reads it from the checkpoint's config.json.
    ours = bench.encoder_gflop(json.loads(cfg.to_json_string()),
                               {"n_tokens": sum(lengths), "n_tokens_squared": sum(t * t for t in lengths)})
    assert torch_flops > 0
    assert ours * 1e9 == pytest.approx(torch_flops, rel=1e-9)


def test_ppo_step_gflop_counts_what_torch_counts_for_gpt2():
    cfg = GPT2Config(vocab_size=101, n_positions=64, n_embd=32, n_layer=2, n_head=2, attn_implementation="eager")
    torch.manual_seed(0)
    model = GPT2LMHeadModel(cfg).eval()
    batch, query, new = 3, 11, 5
    t = query + new
    ids = torch.randint(0, 101, (batch, t))

    def forward():  # the body over every token, the vocabulary head at the response positions only
        hidden = model.transformer(ids).last_hidden_state
        model.lm_head(hidden[:, -new:])

    with torch.no_grad():
        torch_forward = counted_flops(forward)
    # Eager attention multiplies the whole T x T square; bench.py counts the causal
    # triangle (token i attends to tokens 0..i), the work a causal kernel does.
    masked_half = batch * cfg.n_layer * 2 * cfg.n_embd * t * (t - 1)
    info = {"model": {"n_embd": cfg.n_embd, "n_layer": cfg.n_layer, "vocab_size": cfg.vocab_size}, "ppo_epochs": 4}
    ours_forward = bench.ppo_step_gflop(info, batch, query, new) * 1e9 / (2 + 3 * info["ppo_epochs"])
    assert torch_forward > masked_half > 0
    assert ours_forward == pytest.approx(torch_forward - masked_half, rel=1e-9)


def test_layer_shapes_are_the_four_matmuls_of_a_layer():
    assert bench.layer_shapes(8, 4, 16) == "8x4x12,8x4x4,8x4x16,8x16x4"
