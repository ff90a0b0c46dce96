#!/usr/bin/env python3
"""Read an exported checkpoint (ragppo's export_hf) back with the reference
libraries and record what they compute, for tests/rl/test_hf_export.cpp.

  --export DIR   the exported directory
  --batch JSON   {"input_ids": [[...]], "attention_mask": [[...]], "position_ids": [[...]] or null}
  --text STR     a sample text for the tokenizer
  --out JSON     written: transformers' logits (AutoModelForCausalLM), TRL's values
                 (AutoModelForCausalLMWithValueHead), the loading report, the
                 tokenizer's size and ids for --text

The comparison itself is the C++ test's: this script only reports.
"""
import argparse
import json
import pathlib
import warnings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--export", required=True, type=pathlib.Path)
    ap.add_argument("--batch", required=True, type=pathlib.Path)
    ap.add_argument("--text", required=True)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    args = ap.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    torch.set_num_threads(1)
    hf_logging.set_verbosity_error()  # the unused v_head.* keys are expected
    warnings.filterwarnings("ignore")

    batch = json.loads(args.batch.read_text())
    ids = torch.tensor(batch["input_ids"], dtype=torch.long)
    kwargs = {"attention_mask": torch.tensor(batch["attention_mask"], dtype=torch.long)}
    if batch.get("position_ids") is not None:
        kwargs["position_ids"] = torch.tensor(batch["position_ids"], dtype=torch.long)

    model, info = AutoModelForCausalLM.from_pretrained(args.export, output_loading_info=True)
    model.eval()
    with torch.no_grad():
        logits = model(ids, **kwargs).logits

    # TRL reads the value head from the same model.safetensors (v_head.summary.*);
    # without it TRL would start a fresh random head and the values would differ.
    from trl import AutoModelForCausalLMWithValueHead
    trl_model = AutoModelForCausalLMWithValueHead.from_pretrained(str(args.export))
    trl_model.eval()
    with torch.no_grad():
        trl_logits, _, values = trl_model(ids, **kwargs)

    tok = AutoTokenizer.from_pretrained(args.export)
    result = {
        "model_class": type(model).__name__,
        "missing_keys": sorted(info["missing_keys"]),
        "unexpected_keys": sorted(info["unexpected_keys"]),
        "mismatched_keys": [list(map(str, m)) for m in info["mismatched_keys"]],
        "tied": bool(model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr()),
        "logits": logits.tolist(),
        "trl_logits": trl_logits.float().tolist(),
        "values": values.tolist(),
        "tokenizer_class": type(tok).__name__,
        "tokenizer_len": len(tok),
        "text_ids": tok(args.text)["input_ids"],
    }
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
