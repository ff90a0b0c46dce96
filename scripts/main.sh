#!/usr/bin/env bash
# Set up everything on a fresh machine (idempotent, cached), then run the main job
# on the embedded default models. Extra arguments go to `ragppo demo`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
exec "${RAGPPO_BUILD_DIR:-$ROOT/build}/bin/ragppo" demo "$@"
