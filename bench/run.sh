#!/usr/bin/env bash
# Runs every benchmark side by side with its reference and writes docs/BENCHMARKS.md
# (raw JSON in <build>/bench/). Needs scripts/setup.sh to have run once.
#
#   bench/run.sh [BUILD_DIR] [SECTION...]   # BUILD_DIR default: $RAGPPO_BUILD_DIR or ./build
#   bench/run.sh llamaindex index           # only these sections; the others are kept from the last run
#
# Sections: embed (vs sentence-transformers), generate (vs llama-bench), llamaindex (index
# build/save/load vs LlamaIndex), index (vector-store latency: flat at 6k, HNSW at 1M), ppo (one
# PPO step of GPT-2 124M vs TRL's PPOTrainer; about 5 minutes per round on 2 idle CPU cores), ranks
# (`ragppo ppo --nproc 1` vs `--nproc 2`: seconds per step; docs/SCALING.md), lora (`ragppo ppo`
# full fine-tuning vs --lora-r 16: seconds per step and peak RSS), serve (`ragppo serve`
# vs llama.cpp's llama-server under 100 streaming clients for 60 s; BENCH_SERVE_ARGS), bindings
# (`import ragppo` vs the C++ API: embed 512 texts, top-3 search).
# Environment: BENCH_ROUNDS (3), BENCH_THREADS (nproc), BENCH_ONLY (sections, as the arguments),
# BENCH_LI_LIMIT (recipes for the llamaindex section, 0 = all), BENCH_INDEX_ARGS (extra
# arguments for ragppo-bench-index, e.g. "--hnsw-n 20000"), BENCH_PPO_ARGS (options of bench.py's
# ppo section, e.g. "--ppo-rounds 3 --ppo-device cuda"), BENCH_DOC (report to write,
# default docs/BENCHMARKS.md),
# BENCH_NICE (-15 as root, else 0): the benchmark runs in a session of its own whose
# scheduler autogroup gets this nice value, so that other work on a shared machine
# (builds, tests) takes less CPU from it; 0 leaves scheduling alone.
set -euo pipefail

BENCH_NICE="${BENCH_NICE:-$([[ $EUID -eq 0 ]] && echo -15 || echo 0)}"
if [[ "$BENCH_NICE" != 0 && -z "${_RAGPPO_BENCH_SESSION:-}" ]] && command -v setsid >/dev/null; then
  _RAGPPO_BENCH_SESSION=1 exec setsid -w bash "$0" "$@"
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RAGPPO_HOME="${RAGPPO_HOME:-$HOME/.cache/ragppo}"
VENV="$RAGPPO_HOME/venv"
SECTIONS=(${BENCH_ONLY:-})
BUILD_DIR="${RAGPPO_BUILD_DIR:-$ROOT/build}"
for arg in "$@"; do
  case "$arg" in
    embed|generate|llamaindex|index|ppo|ranks|lora|serve|bindings) SECTIONS+=("$arg") ;;
    *) BUILD_DIR="$arg" ;;
  esac
done
BUILD_DIR="$(mkdir -p "$BUILD_DIR" && cd "$BUILD_DIR" && pwd)"
REQ="$ROOT/scripts/requirements-bench.txt"

say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

# Models, sources and the build-tools venv (a no-op when set up already); a build
# directory that was never configured gets the full scripts/setup.sh build.
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  RAGPPO_BUILD_DIR="$BUILD_DIR" "$ROOT/scripts/setup.sh"
else
  "$ROOT/scripts/setup.sh" --no-build
fi

# Benchmark-only Python packages, installed once (stamp = a copy of the requirements file).
if ! cmp -s "$REQ" "$VENV/.requirements-bench"; then
  say "installing $(basename "$REQ") into $VENV"
  "$VENV/bin/pip" install -q -r "$REQ"
  cp "$REQ" "$VENV/.requirements-bench"
fi

say "building the benchmark programs in $BUILD_DIR"
export CCACHE_DIR="${CCACHE_DIR:-$RAGPPO_HOME/ccache}"
cmake "$BUILD_DIR" -DRAGPPO_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target ragppo-cli ragppo-bench-embed ragppo-bench-generate \
  ragppo-bench-build ragppo-bench-index ragppo-bench-ppo llama-bench llama-server ragppo-python ragppo-python-files

# The ppo section's tokenizer: GPT-2's vocab.json + merges.txt, written by a fixture module.
GPT2_TOKENIZER="$BUILD_DIR/fixtures/gpt2/checkpoint"
if [[ ( ${#SECTIONS[@]} -eq 0 || " ${SECTIONS[*]} " == *" ppo "* || " ${SECTIONS[*]} " == *" ranks "* || " ${SECTIONS[*]} " == *" lora "* ) && ! -f "$GPT2_TOKENIZER/merges.txt" ]]; then
  say "writing GPT-2's tokenizer files (fixture fx_gpt2_tokenizer)"
  "$VENV/bin/python" "$ROOT/scripts/make_fixtures.py" --out "$BUILD_DIR/fixtures" --shared "$ROOT/../shared/data" \
    --minilm "$RAGPPO_HOME/hf/all-MiniLM-L6-v2" --only gpt2_tokenizer
fi

# Measure at the asked priority (set up and build at the ordinary one).
if [[ "$BENCH_NICE" != 0 && -n "${_RAGPPO_BENCH_SESSION:-}" && -w /proc/self/autogroup ]]; then
  echo "$BENCH_NICE" 2>/dev/null > /proc/self/autogroup || BENCH_NICE=0
else
  BENCH_NICE=0
fi
export BENCH_NICE

only=()
((${#SECTIONS[@]})) && only=(--only "${SECTIONS[@]}")
exec "$VENV/bin/python" "$ROOT/bench/bench.py" \
  --bin "$BUILD_DIR/bin" --out "$BUILD_DIR/bench" --doc "${BENCH_DOC:-$ROOT/docs/BENCHMARKS.md}" \
  --recipes "$ROOT/../shared/data/recipes/recipenlg_sample.csv" \
  --recipes-json "$ROOT/../shared/data/recipes/recipes.json" --li-limit "${BENCH_LI_LIMIT:-0}" \
  --index-args="${BENCH_INDEX_ARGS:-}" \
  --cnn-dailymail "$ROOT/../shared/data/cnn_dailymail/cnn_dailymail_validation.csv" --gpt2-tokenizer "$GPT2_TOKENIZER" \
  ${BENCH_PPO_ARGS:-} ${BENCH_SERVE_ARGS:-} \
  --minilm "$RAGPPO_HOME/hf/all-MiniLM-L6-v2" \
  --threads "${BENCH_THREADS:-$(nproc)}" --rounds "${BENCH_ROUNDS:-3}" "${only[@]}"
