#!/usr/bin/env python3
"""Load a LoRA adapter directory (ragppo's export_peft_adapter) with PEFT onto
the base model it names, and record what PEFT computes, for tests/rl/test_lora.cpp.

  --adapter DIR  the adapter directory (adapter_config.json names the base)
  --batch JSON   {"input_ids": [[...]], "attention_mask": [[...]], "position_ids": [[...]]}
  --out JSON     written: PEFT's logits, the logits after merge_and_unload(), and
                 how many LoRA modules PEFT attached

The comparison itself is the C++ test's: this script only reports.
"""
import argparse
import json
import pathlib
import warnings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adapter", required=True, type=pathlib.Path)
    ap.add_argument("--batch", required=True, type=pathlib.Path)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    args = ap.parse_args()

    import torch
    from peft import PeftConfig, PeftModel
    from peft.tuners.lora import LoraLayer
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    batch = json.loads(args.batch.read_text())
    ids = torch.tensor(batch["input_ids"], dtype=torch.long)
    kwargs = {"attention_mask": torch.tensor(batch["attention_mask"], dtype=torch.long),
              "position_ids": torch.tensor(batch["position_ids"], dtype=torch.long)}

    config = PeftConfig.from_pretrained(args.adapter)
    base = AutoModelForCausalLM.from_pretrained(config.base_model_name_or_path)
    model = PeftModel.from_pretrained(base, args.adapter).eval()
    lora_modules = sum(1 for m in model.modules() if isinstance(m, LoraLayer))
    with torch.no_grad():
        logits = model(ids, **kwargs).logits
        merged = model.merge_and_unload()(ids, **kwargs).logits
    args.out.write_text(json.dumps({"logits": logits.tolist(), "merged_logits": merged.tolist(),
                                    "lora_modules": lora_modules}))


if __name__ == "__main__":
    main()
