#!/usr/bin/env bash
# `pip install ./python` as a user runs it, checked from the test suite: build the
# wheel through scikit-build-core (its own build tree, build-python/, served by the
# compile cache), install it into an empty folder, and run binding tests against that
# install from outside the repository: the package, the extension and the llama.cpp
# libraries and CPU modules beside it must all come from the install.
# Usage: check_pip_install.sh PYTHON   (the build-tools venv's python: torch, pyarrow, nanobind)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${1:?usage: check_pip_install.sh PYTHON}"
target="$(mktemp -d -t ragppo-pip-XXXXXX)"
trap 'rm -rf "$target"' EXIT
"$PY" -m pip install -q --no-build-isolation --target "$target/site" "$ROOT/python"
cd "$target"
export PYTHONPATH="$target/site"
"$PY" - "$target/site" <<'PYEOF'
import sys
import ragppo
site = sys.argv[1]
assert ragppo.__file__.startswith(site), ragppo.__file__
assert ragppo._core.__file__.startswith(site), ragppo._core.__file__
ragppo.Embedder(offline=True).embed(["warm up the CPU backend"])
loaded = [line.split()[-1] for line in open("/proc/self/maps") if "libllama" in line or "libggml" in line]
assert loaded and all(path.startswith(site) for path in loaded), sorted(set(loaded))
print("installed:", ragppo.__file__, "variant", ragppo.cpu_variant(), "libraries", len(set(loaded)))
PYEOF
"$PY" -m pytest -q -p no:cacheprovider "$ROOT/python/tests/test_embed_index.py" "$ROOT/python/tests/test_query_engine.py"
