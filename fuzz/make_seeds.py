"""Writes the seed inputs of the libFuzzer harnesses into fuzz/seeds/<harness>/.

Small (a few KB each) and made from real files: rows of ../shared/data, a byte-level BPE
tokenizer trained by `tokenizers`, a GPT-2 config from `transformers`, checkpoints saved
by torch and safetensors, an index written by `ragppo index`. Run once by a developer
(the seeds are committed); scripts/fuzz.sh grows its corpus from them.

  python fuzz/make_seeds.py --ragppo build/bin/ragppo
"""
import argparse
import csv
import io
import json
import os
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SEEDS = ROOT / "fuzz" / "seeds"


def put(harness, name, data):
    d = SEEDS / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def csv_rows(path, n):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[: n + 1]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ragppo", required=True, help="the ragppo binary (for a real index)")
    args = ap.parse_args()

    recipenlg = csv_rows(SHARED / "recipes" / "recipenlg_sample.csv", 3)
    recipes = json.loads((SHARED / "recipes" / "recipes.json").read_text())[:2]
    recipes_json = json.dumps(recipes, indent=1)
    recipes_jsonl = "".join(json.dumps(r) + "\n" for r in recipes)

    put("fuzz_csv", "recipenlg.csv", recipenlg)
    put("fuzz_csv", "cnn.csv", csv_rows(SHARED / "cnn_dailymail" / "cnn_dailymail_validation.csv", 1)[:3000])
    put("fuzz_csv", "quoting.csv", '\ufeffa,"b ""q"", c",d\r\n"multi\nline",,\r\n"bad"x,y\n\n')

    put("fuzz_json_rows", "array.json", b"\x00" + recipes_json.encode())
    put("fuzz_json_rows", "lines.jsonl", b"\x01" + recipes_jsonl.encode())

    put("fuzz_recipes", "recipenlg.csv", b"\x00" + recipenlg.encode())
    put("fuzz_recipes", "recipes.json", b"\x01" + recipes_json.encode())
    put("fuzz_recipes", "recipes.jsonl", b"\x02" + recipes_jsonl.encode())

    with open(SHARED / "recipes" / "recipenlg_sample.csv", newline="", encoding="utf-8") as f:
        for i, row in zip(range(3), csv.DictReader(f)):
            put("fuzz_python_list", f"ner{i}.txt", row["NER"])
            put("fuzz_python_list", f"ingredients{i}.txt", row["ingredients"])
    put("fuzz_python_list", "escapes.txt", r"""['it\'s', "say \"hi\"", '\x41\u00e9\U0001F373', 'tab\tnl\n', "", 'a' 'b']""")

    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pa.table({"title": [r["title"] for r in recipes],
                      "ingredients": [r["ingredients"][:4] for r in recipes],
                      "instructions": [r["instructions"][:2] for r in recipes]})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    put("fuzz_parquet", "recipes.parquet", buf.getvalue())

    from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([recipes_json] * 2, trainer)
    tok_json = json.loads(tok.to_str())
    put("fuzz_tokenizer_json", "tokenizer.json", json.dumps(tok_json))
    vocab = tok_json["model"]["vocab"]
    merges = tok_json["model"]["merges"]
    merges_txt = "#version: 0.2\n" + "".join((m if isinstance(m, str) else " ".join(m)) + "\n" for m in merges)
    put("fuzz_vocab_merges", "vocab_merges", json.dumps(vocab).encode() + b"\n\x00\n" + merges_txt.encode())

    from transformers import GPT2Config
    put("fuzz_gpt2_config", "gpt2.json", GPT2Config().to_json_string())
    put("fuzz_gpt2_config", "tiny.json", GPT2Config(n_layer=2, n_embd=64, n_head=2, vocab_size=300,
                                                  n_positions=128).to_json_string())

    import torch
    from safetensors.torch import save
    g = torch.Generator().manual_seed(0)
    tensors = {"wte.weight": torch.randn(4, 3, generator=g), "h.0.ln_1.bias": torch.zeros(3),
               "h.0.attn.c_attn.weight": torch.randn(3, 9, generator=g).to(torch.float16)}
    put("fuzz_safetensors", "tiny.safetensors", save(tensors))
    buf = io.BytesIO()
    torch.save(tensors, buf)
    put("fuzz_torch_bin", "tiny.bin", buf.getvalue())

    revision = {"sha": "0123456789abcdef0123456789abcdef01234567",
                "siblings": [{"rfilename": "config.json"}, {"rfilename": "sub/model.gguf"}, {"rfilename": "../x"}]}
    tree = [{"type": "file", "path": "config.json", "size": 12, "oid": "0123456789abcdef0123456789abcdef01234567"},
            {"type": "file", "path": "model.gguf", "size": 3,
             "lfs": {"oid": "a" * 64, "size": 3000}},
            {"type": "directory", "path": "sub", "oid": "0" * 40}]
    put("fuzz_hub_listing", "revision.json", b"\x00" + json.dumps(revision).encode())
    put("fuzz_hub_listing", "tree.json", b"\x01" + json.dumps(tree).encode())

    with tempfile.TemporaryDirectory() as tmp:
        data = pathlib.Path(tmp) / "r.json"
        data.write_text(recipes_json)
        index = pathlib.Path(tmp) / "idx"
        subprocess.run([args.ragppo, "index", "-d", str(data), "-o", str(index)], check=True,
                       env=dict(os.environ, HF_HUB_OFFLINE="1"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        put("fuzz_index_manifest", "manifest.json", (index / "manifest.json").read_bytes())
        put("fuzz_nodes_bin", "nodes.bin", (index / "nodes.bin").read_bytes())


if __name__ == "__main__":
    main()
