#!/usr/bin/env bash
# Set up everything on a fresh machine (idempotent, cached), then run the main job on
# the embedded default models: index the shared recipes, compare RAG and vanilla
# answers on a few test dishes the index has never seen, and print where the report is.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
RAGPPO="${RAGPPO_BUILD_DIR:-$ROOT/build}/bin/ragppo"
DATA="$ROOT/../shared/data/recipes"
OUT="${RAGPPO_RUN_DIR:-$ROOT/runs}"
"$RAGPPO" index --offline -d "$DATA/recipes.json" -o "$OUT/index"
"$RAGPPO" compare --offline -i "$OUT/index" --test-dataset "$DATA/recipenlg_sample.csv" \
    --sample 20 --run "${RAGPPO_RUN:-3}" -o "$OUT/compare" "$@"
