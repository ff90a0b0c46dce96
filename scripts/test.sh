#!/usr/bin/env bash
# Set up everything on a fresh machine (idempotent, cached), build, and run the
# whole test suite. The reference fixtures are made by the first ctest entry.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
BUILD="${RAGPPO_BUILD_DIR:-$ROOT/build}"
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" "$@"
