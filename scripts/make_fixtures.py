#!/usr/bin/env python3
"""Make the parity-test fixtures with the reference Python libraries.

Every module scripts/fixtures/fx_*.py defines make(ctx) and writes its files
under ctx.out. A module is re-run only when its own source or the inputs it
names changed (a stamp file records a hash), so a second test run is quick.
"""
import argparse
import hashlib
import importlib.metadata
import importlib.util
import pathlib
import sys
import types


# The reference libraries the fixtures come from: a fixture is remade when any of their
# versions changes (an upgraded TRL or transformers may compute something else).
REFERENCE_PACKAGES = ("torch", "transformers", "tokenizers", "sentence-transformers", "trl", "rouge-score",
                      "nltk", "llama-index-core", "pyarrow", "numpy", "safetensors", "accelerate", "peft")


def sibling_sources(path: pathlib.Path) -> bytes:
    """The sources of the fixture modules `path` imports (a line `from fx_... import`),
    so that a change to a shared helper remakes every fixture that uses it."""
    out = b""
    for line in path.read_text().splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "from" and words[1].startswith("fx_"):
            out += (path.parent / f"{words[1]}.py").read_bytes()
    return out


def reference_versions() -> str:
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "absent"
    return ";".join(f"{name}={version(name)}" for name in REFERENCE_PACKAGES)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--shared", required=True, type=pathlib.Path, help="../shared/data")
    ap.add_argument("--minilm", required=True, type=pathlib.Path, help="HF checkpoint of all-MiniLM-L6-v2")
    ap.add_argument("--only", default="", help="run only fixture modules whose name contains this")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    here = pathlib.Path(__file__).resolve().parent / "fixtures"
    sys.path.insert(0, str(here))  # fixture modules share helpers: `from fx_gpt2_tiny import batch_cases`
    versions = reference_versions().encode()
    failed = 0
    for path in sorted(here.glob("fx_*.py")):
        if args.only and args.only not in path.stem:
            continue
        stamp = args.out / f".{path.stem}.stamp"
        digest = hashlib.sha256(path.read_bytes() + sibling_sources(path) + str(args.minilm).encode() +
                                versions).hexdigest()
        if stamp.exists() and stamp.read_text() == digest:
            print(f"[fixtures] {path.stem}: up to date")
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        ctx = types.SimpleNamespace(out=args.out, shared=args.shared, minilm=args.minilm)
        try:
            mod.make(ctx)
        except Exception as e:  # report every failing module, then fail
            print(f"[fixtures] {path.stem}: FAILED: {e}", file=sys.stderr)
            failed += 1
            continue
        stamp.write_text(digest)
        print(f"[fixtures] {path.stem}: written")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
